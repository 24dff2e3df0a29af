import { testCapability } from '@trellis/backstage-plugin-platform-node/testUtils';
import request from 'supertest';
import {
  ALICE,
  eventually,
  TEAM_A,
  asUser,
  createTestDatabases,
  startWithEngine,
  memoryEngine,
} from './__testUtils__/harness';

// The limits docs/api.md promises.
const MAX_SPEC_DEPTH = 32;
const MAX_BODY_BYTES = 1024 * 1024;

jest.setTimeout(60_000);

const databases = createTestDatabases();

const as = asUser;

const valid = {
  capabilityRef: 'memory:queue',
  name: 'orders-queue',
  environment: 'dev',
  owner: TEAM_A,
  component: 'component:default/orders',
  spec: {},
};

/** `{"a":{"a":…{}…}}`, `levels` objects deep. */
function nested(levels: number): string {
  return `${'{"a":'.repeat(levels - 1)}{}${'}'.repeat(levels - 1)}`;
}

/** Backstage's error shape, with the message. */
function expectError(res: request.Response, status: number, name: string) {
  expect(res.status).toBe(status);
  expect(res.body).toMatchObject({
    error: { name, message: expect.any(String) },
    response: { statusCode: status },
  });
  return res.body.error.message as string;
}

describe.each(databases.eachSupportedId())(
  'hostile input to the platform API on %p',
  databaseId => {
    async function start() {
      const engine = memoryEngine({
        capabilities: [
          testCapability(),
          testCapability({
            name: 'queue',
            title: 'Queue',
            inputSchema: {
              type: 'object',
              properties: { settings: { type: 'object' } },
            },
          }),
        ],
      });
      return startWithEngine(databases, databaseId, engine);
    }

    const post = (server: any, body: string | object) =>
      request(server)
        .post('/api/platform/resources')
        .set(as(ALICE))
        .set('Content-Type', 'application/json')
        .send(typeof body === 'string' ? body : JSON.stringify(body));

    it('refuses a spec nested deeper than the limit with a 400 naming spec', async () => {
      const { server } = await start();
      const body = `{"capabilityRef":"memory:queue","name":"deep","environment":"dev","owner":"${TEAM_A}","spec":${nested(
        10_000,
      )}}`;
      const message = expectError(await post(server, body), 400, 'InputError');
      expect(message).toMatch(/^spec: /);
      expect(message).toContain(`${MAX_SPEC_DEPTH} levels`);

      // Just past the limit: the same answer; at the limit: accepted.
      const justOver = `{"capabilityRef":"memory:queue","name":"deep","environment":"dev","owner":"${TEAM_A}","spec":${nested(
        MAX_SPEC_DEPTH + 1,
      )}}`;
      expect(
        expectError(await post(server, justOver), 400, 'InputError'),
      ).toMatch(/^spec: /);
      const atLimit = `{"capabilityRef":"memory:queue","name":"deep","environment":"dev","owner":"${TEAM_A}","spec":${nested(
        MAX_SPEC_DEPTH,
      )}}`;
      expect((await post(server, atLimit)).status).toBe(201);
    });

    it('answers 413 with the limit for a body that is too large', async () => {
      const { server } = await start();
      const huge = JSON.stringify({
        ...valid,
        spec: { settings: { blob: 'x'.repeat(10 * 1024 * 1024) } },
      });
      const message = expectError(
        await post(server, huge),
        413,
        'PayloadTooLargeError',
      );
      expect(message).toContain(`${MAX_BODY_BYTES} bytes`);
    });

    it('says that a body that is not JSON is not JSON', async () => {
      const { server } = await start();
      const message = expectError(
        await post(server, '{"capabilityRef": "memory:queue", "name": '),
        400,
        'InputError',
      );
      expect(message).toMatch(/request body is not (valid )?JSON/i);
    });

    it('names unknown top-level fields', async () => {
      const { server } = await start();
      const message = expectError(
        await post(server, { ...valid, colour: 'blue', size: 3 }),
        400,
        'InputError',
      );
      expect(message).toContain('colour');
      expect(message).toContain('size');

      const patch = await request(server)
        .patch('/api/platform/resources/some-id')
        .set(as(ALICE))
        .send({ spec: {}, generation: 1, force: true });
      expect(expectError(patch, 400, 'InputError')).toContain('force');
    });

    it('does not coerce types in JSON bodies', async () => {
      const { server } = await start();
      const res = await post(server, { ...valid, name: 123 });
      const message = expectError(res, 400, 'InputError');
      expect(message).toContain('name');
      expect(message).toMatch(/string/);

      const dryRun = await request(server)
        .post('/api/platform/resources?dryRun=true')
        .set(as(ALICE))
        .send({ ...valid, environment: true });
      expect(expectError(dryRun, 400, 'InputError')).toContain('environment');
    });

    it('validates component and owner as entity refs', async () => {
      const { server } = await start();
      for (const component of [
        'component:default/a;rm -rf /',
        'component:default/a b',
        'component:de fault/a',
        'comp onent:default/a',
        `component:default/${'a'.repeat(64)}`,
      ]) {
        const message = expectError(
          await post(server, { ...valid, component }),
          400,
          'InputError',
        );
        expect(message).toMatch(/^component: /);
      }
      const message = expectError(
        await post(server, { ...valid, owner: 'group:default/team a;' }),
        400,
        'InputError',
      );
      expect(message).toMatch(/^owner: /);

      // Refs that the catalog accepts still are.
      const ok = await post(server, {
        ...valid,
        component: 'orders-v2.api_1',
      });
      expect(ok.status).toBe(201);
      expect(ok.body.component).toBe('component:default/orders-v2.api_1');
    });

    it('answers 400, not 409, for generations that cannot exist', async () => {
      const { server, engine } = await start();
      const created = await post(server, valid);
      expect(created.status).toBe(201);
      const id = created.body.id;
      await eventually(() => engine.applyCount(id) === 1, 'apply');

      for (const generation of ['1e300', '-1', '0', '1.5']) {
        const res = await request(server)
          .patch(`/api/platform/resources/${id}`)
          .set(as(ALICE))
          .set('Content-Type', 'application/json')
          .send(`{"spec":{},"generation":${generation}}`);
        expect(expectError(res, 400, 'InputError')).toContain('generation');
      }
      // A real one still works.
      const ok = await request(server)
        .patch(`/api/platform/resources/${id}`)
        .set(as(ALICE))
        .send({ spec: { settings: {} }, generation: 1 });
      expect(ok.status).toBe(200);
      expect(ok.body.generation).toBe(2);
    });
  },
);
