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

type Platform = Awaited<ReturnType<typeof startPlatform>>;

const get = async (platform: Platform, id: string) =>
  (
    await request(platform.server)
      .get(`/api/platform/resources/${id}`)
      .set(asUser(ALICE))
  ).body;

describe.each(databases.eachSupportedId())('faults on %p', databaseId => {
  it('applies again a resource the engine holds but is not working on, at the next resync', async () => {
    const knex = await databases.init(databaseId);
    // The engine accepts the first apply and then never works on it (the
    // local engine did so after an outage of its state folder); applying
    // the same desired state again gets it going.
    const forgetful = memoryEngine();
    const apply = forgetful.apply.bind(forgetful);
    forgetful.apply = async (desired, context) => {
      const result = await apply(desired, context);
      const first = forgetful.applyCount(desired.resourceId) === 1;
      queueMicrotask(() =>
        forgetful.report(
          desired.resourceId,
          first
            ? { phase: 'Pending', observedGeneration: 0 }
            : { phase: 'Ready', observedGeneration: desired.generation },
        ),
      );
      return result;
    };
    const platform = await startPlatform({ knex, engines: [forgetful] });
    const created = await request(platform.server)
      .post('/api/platform/resources')
      .set(asUser(ALICE))
      .send(databaseRequest('forgotten'));
    expect(created.status).toBe(201);
    const { id } = created.body;
    await eventually(async () => {
      const resource = await get(platform, id);
      return !resource.pending && forgetful.applyCount(id) === 1;
    }, 'the first apply');

    await platform.runTask('platform-resync');
    await platform.runTask('platform-dispatch');

    await eventually(
      async () => (await get(platform, id)).status.phase === 'Ready',
      'Ready after the resync',
    );
    expect(forgetful.applyCount(id, 1)).toBe(2);
    await platform.backend.stop();
  });

  it('is not held up by an engine call that never returns', async () => {
    const knex = await databases.init(databaseId);
    const hanging = memoryEngine({ autoReconcile: true });
    const apply = hanging.apply.bind(hanging);
    let hung = false;
    hanging.apply = (desired, context) => {
      if (!hung) {
        hung = true; // the first call never answers
        return new Promise(() => {});
      }
      return apply(desired, context);
    };
    const platform = await startPlatform({
      knex,
      engines: [hanging],
      config: {
        dispatch: {
          retryBaseSeconds: 0.05,
          retryMaxSeconds: 0.2,
          leaseSeconds: 1,
          callTimeoutSeconds: 0.2,
        },
      },
    });
    const ids: string[] = [];
    for (const name of ['first', 'second']) {
      const res = await request(platform.server)
        .post('/api/platform/resources')
        .set(asUser(ALICE))
        .send(databaseRequest(name));
      expect(res.status).toBe(201);
      ids.push(res.body.id);
    }

    // Both end Ready: the second is not stuck behind the first, and the
    // first is applied again once the lease of its unanswered call ends.
    await eventually(async () => {
      await platform.runTask('platform-dispatch');
      const phases = await Promise.all(
        ids.map(async id => (await get(platform, id)).status.phase),
      );
      return phases.every(phase => phase === 'Ready');
    }, 'both Ready');
    expect(hanging.applyCount(ids[1])).toBe(1);
    await platform.backend.stop();
  });
});

const postgresIds = testDatabaseIds().filter(id => id.startsWith('POSTGRES'));

(postgresIds.length
  ? describe.each(postgresIds.map(id => [id]))
  : describe.skip.each([['POSTGRES']]))(
  'two replicas with engines inside their processes, on one %p database',
  databaseId => {
    it('provision, update and delete every resource with one engine instance, once', async () => {
      const knexA = await databases.init(databaseId as any);
      const knexB: Knex = knexFactory(knexA.client.config);
      // Each replica has its own instance of the same engine, as every
      // replica running the embedded local engine does.
      const engineA = memoryEngine({
        autoReconcile: true,
        instanceId: 'replica-a',
      });
      const engineB = memoryEngine({
        autoReconcile: true,
        instanceId: 'replica-b',
      });
      const a = await startPlatform({ knex: knexA, engines: [engineA] });
      const b = await startPlatform({ knex: knexB, engines: [engineB] });
      const replicas = [a, b];
      const everyTask = async (task: string) => {
        for (const replica of replicas) {
          await replica.scheduler.triggerTask(task).catch(error => {
            // A backend without engines inside its process has no local resync.
            if (error.name !== 'NotFoundError') throw error;
          });
        }
      };
      const allTasks = async () => {
        await everyTask('platform-dispatch');
        await everyTask('platform-resync-local');
        await everyTask('platform-resync');
        await everyTask('platform-dispatch');
      };

      const ids = await Promise.all(
        Array.from({ length: 20 }, async (_, i) => {
          const res = await request(replicas[i % 2].server)
            .post('/api/platform/resources')
            .set(asUser(ALICE))
            .send(databaseRequest(`twin-${i}`));
          expect(res.status).toBe(201);
          return res.body.id as string;
        }),
      );
      const phases = async (want: string) =>
        (await Promise.all(ids.map(id => get(a, id)))).every(
          r => r.status.phase === want,
        );
      await eventually(async () => {
        await allTasks();
        return phases('Ready');
      }, 'all Ready');
      // Resyncs on both replicas change nothing.
      for (let round = 0; round < 3; round++) await allTasks();
      const holders = (id: string) =>
        [engineA, engineB].filter(e => e.applyCount(id) > 0);
      for (const id of ids) {
        expect(holders(id).map(e => e.instanceId)).toHaveLength(1);
        expect(holders(id)[0].applyCount(id)).toBe(1);
      }

      // Updates through the replica that did not accept the request.
      await Promise.all(
        ids.map(async (id, i) => {
          const res = await request(replicas[(i + 1) % 2].server)
            .patch(`/api/platform/resources/${id}`)
            .set(asUser(ALICE))
            .send({ spec: { size: 'large' }, generation: 1 });
          expect(res.status).toBe(200);
        }),
      );
      await eventually(async () => {
        await allTasks();
        const resources = await Promise.all(ids.map(id => get(a, id)));
        return resources.every(
          r => r.status.phase === 'Ready' && r.observedGeneration === 2,
        );
      }, 'all updated');

      for (const id of ids) {
        const held = holders(id);
        expect(held).toHaveLength(1);
        expect(held[0].applyCount(id, 1)).toBe(1);
        expect(held[0].applyCount(id, 2)).toBe(1);
      }

      // Deletes, again through either replica.
      await Promise.all(
        ids.map(async (id, i) => {
          const res = await request(replicas[i % 2].server)
            .delete(`/api/platform/resources/${id}`)
            .set(asUser(ALICE));
          expect(res.status).toBe(202);
        }),
      );
      await eventually(async () => {
        await allTasks();
        return phases('Deleted');
      }, 'all Deleted');
      for (const id of ids) {
        const deletes = [engineA, engineB].flatMap(e =>
          e.deleted.filter(d => d.resourceId === id),
        );
        expect(deletes).toHaveLength(1);
      }
      for (const replica of replicas) await replica.backend.stop();
      await knexB.destroy();
    });
  },
);
