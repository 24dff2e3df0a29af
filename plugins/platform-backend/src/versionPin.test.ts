import { testCapability } from '@trellis/backstage-plugin-platform-node/testUtils';
import request from 'supertest';
import {
  ADMIN,
  ALICE,
  eventually,
  TEAM_A,
  asUser,
  createTestDatabases,
  startWithEngine,
  memoryEngine,
} from './__testUtils__/harness';

jest.setTimeout(60_000);

const databases = createTestDatabases();

const as = asUser;

describe.each(databases.eachSupportedId())(
  'creating at an older capability version on %p',
  databaseId => {
    async function start() {
      // Current version 2.0.0; the engine still defines 1.0.0.
      const engine = memoryEngine({
        capabilities: [
          testCapability({ version: '2.0.0', versions: ['1.0.0', '2.0.0'] }),
        ],
        autoReconcile: true,
      });
      return startWithEngine(databases, databaseId, engine);
    }

    const body = (name: string, extra: Record<string, unknown> = {}) => ({
      capabilityRef: 'memory:database',
      name,
      environment: 'dev',
      owner: TEAM_A,
      spec: {},
      ...extra,
    });

    it('keeps a pinned resource at its version, so the fleet shows the skew a rollout then removes', async () => {
      const { server } = await start();
      const old = await request(server)
        .post('/api/platform/resources')
        .set(as(ALICE))
        .send(body('legacy-db', { version: '1.0.0' }));
      expect(old.status).toBe(201);
      const current = await request(server)
        .post('/api/platform/resources')
        .set(as(ALICE))
        .send(body('new-db'));
      expect(current.status).toBe(201);

      const applied = async (id: string) =>
        (
          await request(server)
            .get(`/api/platform/resources/${id}`)
            .set(as(ALICE))
        ).body.appliedVersion;
      await eventually(
        async () =>
          (await applied(old.body.id)) === '1.0.0' &&
          (await applied(current.body.id)) === '2.0.0',
        'both Ready at their versions',
      );
      const fleet = await request(server)
        .get('/api/platform/fleet')
        .set(as(ALICE));
      const versions = new Set(
        fleet.body.items
          .filter(
            (c: { capabilityRef: string }) =>
              c.capabilityRef === 'memory:database',
          )
          .map((c: { version: string }) => c.version),
      );
      expect([...versions].sort()).toEqual(['1.0.0', '2.0.0']);

      const rollout = await request(server)
        .post('/api/platform/rollouts')
        .set(as(ADMIN))
        .send({ capabilityRef: 'memory:database', targetVersion: '2.0.0' });
      expect(rollout.status).toBe(201);
      expect(
        rollout.body.items.map((i: { resourceId: string }) => i.resourceId),
      ).toEqual([old.body.id]);
    });

    it('refuses a version the capability does not define, naming the field', async () => {
      const { server } = await start();
      const res = await request(server)
        .post('/api/platform/resources')
        .set(as(ALICE))
        .send(body('ghost-db', { version: '0.9.0' }));
      expect(res.status).toBe(400);
      expect(res.body.error.message).toBe(
        'version: memory:database has no version "0.9.0" (known: 1.0.0, 2.0.0)',
      );
    });

    it('replays an idempotent request only when it pins the same version', async () => {
      const { server } = await start();
      const send = (version?: string) =>
        request(server)
          .post('/api/platform/resources')
          .set(as(ALICE))
          .set('Idempotency-Key', 'pinned-once')
          .send(body('pinned-db', version ? { version } : {}));
      const first = await send('1.0.0');
      expect(first.status).toBe(201);
      const again = await send('1.0.0');
      expect(again.status).toBe(200);
      expect(again.body.id).toBe(first.body.id);
      expect((await send('2.0.0')).status).toBe(409);
    });
  },
);
