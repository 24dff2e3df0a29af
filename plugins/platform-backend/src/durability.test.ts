import { mockCredentials } from '@backstage/backend-test-utils';
import { createBackendPlugin } from '@backstage/backend-plugin-api';
import { eventsServiceFactory } from '@backstage/plugin-events-node';
import {
  CreateResourceResult,
  PlatformService,
  platformServiceRef,
} from '@trellis/backstage-plugin-platform-node';
import knexFactory, { Knex } from 'knex';
import request from 'supertest';
import {
  ALICE,
  asUser,
  createTestDatabases,
  databaseRequest,
  eventually,
  memoryEngine,
  startPlatform,
  testDatabaseIds,
} from './__testUtils__/harness';

jest.setTimeout(60_000);

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())('durability on %p', databaseId => {
  it('picks up a request accepted by a backend that crashed before applying it', async () => {
    const knex = await databases.init(databaseId);

    // The first backend accepts the request; its engine call never returns,
    // as if the process died in the middle of it.
    const stuck = memoryEngine();
    stuck.apply = () => new Promise(() => {});
    const first = await startPlatform({ knex, engines: [stuck] });
    const created = await request(first.server)
      .post('/api/platform/resources')
      .set(asUser(ALICE))
      .send(databaseRequest('survivor'));
    expect(created.status).toBe(201);
    await first.backend.stop();

    // After the restart the claim of the dead process expires and the
    // scheduled dispatch applies the request exactly once.
    const healthy = memoryEngine();
    const second = await startPlatform({ knex, engines: [healthy] });
    await eventually(async () => {
      await second.runTask('platform-dispatch');
      return healthy.applyCount(created.body.id) === 1;
    }, 'apply after restart');
    await second.runTask('platform-dispatch');
    expect(healthy.applyCount(created.body.id)).toBe(1);

    healthy.report(created.body.id, { phase: 'Ready', observedGeneration: 1 });
    await eventually(async () => {
      const res = await request(second.server)
        .get(`/api/platform/resources/${created.body.id}`)
        .set(asUser(ALICE));
      return res.body.status.phase === 'Ready';
    }, 'Ready');
  });

  it('serves other backend plugins over HTTP with the caller credentials', async () => {
    const knex = await databases.init(databaseId);
    const memory = memoryEngine({ autoReconcile: true });
    const changed: string[] = [];
    let platform: PlatformService | undefined;
    const caller = createBackendPlugin({
      pluginId: 'consumer',
      register(reg) {
        reg.registerInit({
          deps: { platform: platformServiceRef },
          async init(deps) {
            platform = deps.platform;
            platform.subscribe(change => changed.push(change.resourceId));
          },
        });
      },
    });
    // The events service of a real backend: one bus for every plugin (the
    // mock gives each plugin its own).
    await startPlatform({
      knex,
      engines: [memory],
      extraFeatures: [caller, eventsServiceFactory],
    });
    const credentials = mockCredentials.user(ALICE);
    const { resource, created } = (await platform!.createResource(
      databaseRequest('in-process'),
      { credentials },
    )) as CreateResourceResult;
    expect(created).toBe(true);
    await expect(
      platform!.createResource(
        { ...databaseRequest('not-mine'), owner: 'group:default/team-b' },
        { credentials },
      ),
    ).rejects.toThrow(/may not request/);
    await eventually(async () => {
      const current = await platform!.getResource(resource.id, {
        credentials,
      });
      return current.status.phase === 'Ready';
    }, 'Ready through the service');
    expect(changed).toContain(resource.id);
  });
});

const postgresIds = testDatabaseIds().filter(id => id.startsWith('POSTGRES'));

(postgresIds.length
  ? describe.each(postgresIds.map(id => [id]))
  : describe.skip.each([['POSTGRES']]))(
  'two backend replicas on one %p database',
  databaseId => {
    it('apply every request exactly once', async () => {
      const knexA = await databases.init(databaseId as any);
      // The second replica has its own connection pool to the same database.
      const knexB: Knex = knexFactory(knexA.client.config);
      const shared = memoryEngine({ applyDelayMs: 20 });
      const a = await startPlatform({ knex: knexA, engines: [shared] });
      const b = await startPlatform({ knex: knexB, engines: [shared] });

      const ids: string[] = [];
      await Promise.all(
        Array.from({ length: 30 }, async (_, i) => {
          const res = await request((i % 2 ? a : b).server)
            .post('/api/platform/resources')
            .set(asUser(ALICE))
            .send(databaseRequest(`replica-${i}`));
          expect(res.status).toBe(201);
          ids.push(res.body.id);
        }),
      );
      // Both replicas run their dispatch passes at the same time, repeatedly.
      for (let round = 0; round < 5; round++) {
        await Promise.all([
          a.runTask('platform-dispatch'),
          b.runTask('platform-dispatch'),
        ]);
      }
      await eventually(
        () => ids.every(id => shared.applyCount(id) >= 1),
        'all applied',
      );
      for (const id of ids) {
        expect(shared.applyCount(id)).toBe(1);
      }
      await a.backend.stop();
      await b.backend.stop();
      await knexB.destroy();
    });
  },
);
