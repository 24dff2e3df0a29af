import { TestDatabaseId } from '@backstage/backend-test-utils';
import knexFactory, { Knex } from 'knex';
import request from 'supertest';
import {
  ADMIN,
  AGENT,
  ALICE,
  asUser,
  createTestDatabases,
  databaseRequest,
  eventually,
  memoryEngineWithQueue,
  PROD_ORDERS_DB_REQUEST as PROD_DB,
  startPlatform,
  testDatabaseIds,
} from './__testUtils__/harness';

// An approval is a decision, the change, and recording its outcome. A
// backend that stops in between leaves the request approved and unfinished;
// the next backend (at start, and in platform-approvals-expire) finishes it,
// and a change that was applied before the stop is not applied twice.
//
// The stop is simulated by writing the database state it leaves behind:
// after the decision, the row as decide() left it with the approver's lease
// run out; after the change, the real approval's effects on the resource
// with the change request's row set back to what it was before finish().

jest.setTimeout(90_000);

const as = asUser;
const LONG_AGO = '2026-01-01T00:00:00.000Z';
const TABLE = 'platform_change_requests';

const databases = createTestDatabases();

/**
 * The harness's dispatch settings with a lease no stall outlasts. With its
 * 1 s lease, the event loop stalling while the second backend starts (1.3 to
 * 2.3 s at load 6 to 8 on two cores) let the lease of a dispatch run out
 * between the engine's answer and its record, and the dispatcher claimed the
 * work again and applied it a second time: the engine saw 2 applies where
 * these tests count 1.
 */
const DISPATCH = {
  dispatch: { retryBaseSeconds: 0.05, retryMaxSeconds: 0.2, leaseSeconds: 600 },
};

/** The platform on a database of `databaseId`, and what the tests read and write. */
function onDatabase(databaseId: TestDatabaseId) {
  async function start(
    knex?: Knex,
    engine = memoryEngineWithQueue(),
    config: Record<string, unknown> = {},
  ) {
    const db = knex ?? (await databases.init(databaseId));
    const platform = await startPlatform({
      knex: db,
      engines: [engine],
      productionApprovals: true,
      config: { ...DISPATCH, ...config },
    });
    return { ...platform, engine, knex: db };
  }
  type Platform = Awaited<ReturnType<typeof start>>;

  /** A Ready production database of team A, made by the platform team. */
  async function prodDatabase(p: Platform, name: string) {
    const created = await request(p.server)
      .post('/api/platform/resources')
      .set(as(ADMIN))
      .send({ ...PROD_DB, name });
    expect(created.status).toBe(201);
    await dispatched(p.knex, created.body.id);
    expect(p.engine.applyCount(created.body.id)).toBe(1);
    return created.body.id as string;
  }

  /**
   * Waits until the dispatcher has recorded the engine's answer to the work
   * the resource owed (apply or delete): nothing is owed any more.
   */
  async function dispatched(knex: Knex, resourceId: string) {
    await eventually(async () => {
      const row = await knex('platform_resources')
        .where({ id: resourceId })
        .first('dispatch_state');
      return !row || row.dispatch_state === null;
    }, `the dispatch of resource ${resourceId}`);
  }

  /** An agent's create, update and delete: three pending change requests. */
  async function threeRequests(p: Platform) {
    const updated = await prodDatabase(p, 'orders-db');
    const deleted = await prodDatabase(p, 'ledger-db');
    const create = await request(p.server)
      .post('/api/platform/resources')
      .set(AGENT)
      .send(databaseRequest('agent-db'));
    const update = await request(p.server)
      .patch(`/api/platform/resources/${updated}`)
      .set(AGENT)
      .send({ spec: { size: 'large' }, generation: 1 });
    const del = await request(p.server)
      .delete(`/api/platform/resources/${deleted}`)
      .set(AGENT);
    for (const asked of [create, update, del]) {
      expect(asked.status).toBe(202);
    }
    return {
      updated,
      deleted,
      ids: {
        create: create.body.changeRequest.id as string,
        update: update.body.changeRequest.id as string,
        delete: del.body.changeRequest.id as string,
      },
    };
  }

  /** The row a stop right after the decision leaves; its lease ran out. */
  async function stoppedAfterDecision(knex: Knex, id: string) {
    const changed = await knex(TABLE)
      .where({ id: Number(id), status: 'pending' })
      .update({
        status: 'approved',
        decided_by: ADMIN,
        decided_at: LONG_AGO,
        apply_until: '2026-01-01T00:01:00.000Z',
      });
    expect(changed).toBe(1);
  }

  /**
   * The row a stop right after the change (before finish) leaves: the
   * approval ran for real; its row goes back to what decide() left.
   */
  async function stoppedAfterChange(p: Platform, id: string) {
    const approved = await request(p.server)
      .post(`/api/platform/change-requests/${id}/approve`)
      .set(as(ADMIN))
      .send({});
    expect(approved.body.status).toBe('approved');
    const row = await p
      .knex(TABLE)
      .where({ id: Number(id) })
      .first();
    await p
      .knex(TABLE)
      .where({ id: Number(id) })
      .update({
        applied_at: null,
        apply_until: '2026-01-01T00:01:00.000Z',
        // Creates learn their resource id, the others free the resource,
        // in finish().
        ...(row.operation === 'create'
          ? { resource_id: null }
          : { pending_resource_id: row.resource_id }),
      });
    return approved.body.resource?.id as string | undefined;
  }

  async function changeRequest(p: Platform, id: string) {
    const read = await request(p.server)
      .get(`/api/platform/change-requests/${id}`)
      .set(as(ALICE));
    expect(read.status).toBe(200);
    return read.body;
  }

  async function resourcesNamed(knex: Knex, name: string) {
    return knex('platform_resources').where({ name }).select('id');
  }

  async function eventsOf(knex: Knex, resourceId: string, type: string) {
    return knex('platform_resource_events')
      .where({ resource_id: resourceId, type })
      .select('id');
  }

  function recoveredEvents(...platforms: Platform[]) {
    return platforms.flatMap(p =>
      p.auditor.createEvent.mock.calls
        .map(([e]: any[]) => e)
        .filter((e: any) => e.eventId === 'change-request-apply-recovered'),
    );
  }

  return {
    start,
    threeRequests,
    stoppedAfterDecision,
    stoppedAfterChange,
    dispatched,
    changeRequest,
    resourcesNamed,
    eventsOf,
    recoveredEvents,
  };
}

describe.each(databases.eachSupportedId())(
  'approvals across a backend stop on %p',
  databaseId => {
    const {
      start,
      threeRequests,
      stoppedAfterDecision,
      stoppedAfterChange,
      dispatched,
      changeRequest,
      resourcesNamed,
      eventsOf,
      recoveredEvents,
    } = onDatabase(databaseId);

    it('stopped after the decision, before the change (state written): the next backend applies each change once at start', async () => {
      const first = await start();
      const { updated, deleted, ids } = await threeRequests(first);
      for (const id of Object.values(ids)) {
        await stoppedAfterDecision(first.knex, id);
      }
      await first.backend.stop();

      const second = await start(first.knex, first.engine);
      const created = await changeRequest(second, ids.create);
      expect(created).toMatchObject({ status: 'approved', decidedBy: ADMIN });
      expect(created.resource.id).toBeTruthy();
      expect(created.message).toMatch(/was approved by .* and applied/);
      expect(await changeRequest(second, ids.update)).toMatchObject({
        status: 'approved',
      });
      expect(await changeRequest(second, ids.delete)).toMatchObject({
        status: 'approved',
      });

      const made = await resourcesNamed(second.knex, 'agent-db');
      expect(made.map(r => r.id)).toEqual([created.resource.id]);
      // The engine is told once of each: create, update, delete.
      await dispatched(second.knex, created.resource.id);
      expect(second.engine.applyCount(created.resource.id)).toBe(1);
      await dispatched(second.knex, updated);
      expect(second.engine.applyCount(updated, 2)).toBe(1);
      await dispatched(second.knex, deleted);
      expect(
        second.engine.deleted.filter((r: any) => r.resourceId === deleted),
      ).toHaveLength(1);
      const res = await request(second.server)
        .get(`/api/platform/resources/${updated}`)
        .set(as(ALICE));
      expect(res.body).toMatchObject({
        generation: 2,
        spec: { size: 'large' },
      });

      const events = recoveredEvents(second);
      expect(events.map((e: any) => e.meta.changeRequestId).sort()).toEqual(
        Object.values(ids).sort(),
      );
      expect(events[0].meta).toMatchObject({
        actor: 'plugin:platform',
        decidedBy: ADMIN,
        status: 'approved',
      });

      // Finished: the next runs change nothing, and the resource is free.
      await second.runTask('platform-approvals-expire');
      expect(recoveredEvents(second)).toHaveLength(3);
      expect(await eventsOf(second.knex, updated, 'spec-updated')).toHaveLength(
        1,
      );
      const next = await request(second.server)
        .patch(`/api/platform/resources/${updated}`)
        .set(AGENT)
        .send({ spec: { size: 'small' }, generation: 2 });
      // A new change request, not 409 for the finished one.
      expect(next.status).toBe(202);
      await second.backend.stop();
    });

    it('stopped after the change, before it was recorded (state written): the next backend finishes it without a second resource, generation or delete', async () => {
      // The delete reached the engine; the resource is Deleting until the
      // engine reports it gone.
      const first = await start();
      const { updated, deleted, ids } = await threeRequests(first);
      const createdId = await stoppedAfterChange(first, ids.create);
      await stoppedAfterChange(first, ids.update);
      await stoppedAfterChange(first, ids.delete);
      await eventually(
        () => first.engine.deleted.some((r: any) => r.resourceId === deleted),
        'the engine deletes it before the stop',
      );
      await first.backend.stop();

      const second = await start(first.knex, first.engine);
      const created = await changeRequest(second, ids.create);
      expect(created).toMatchObject({ status: 'approved' });
      expect(created.resource.id).toBe(createdId);
      expect(
        (await resourcesNamed(second.knex, 'agent-db')).map(r => r.id),
      ).toEqual([createdId]);

      expect(await changeRequest(second, ids.update)).toMatchObject({
        status: 'approved',
      });
      const res = await request(second.server)
        .get(`/api/platform/resources/${updated}`)
        .set(as(ALICE));
      expect(res.body).toMatchObject({
        generation: 2,
        spec: { size: 'large' },
      });
      expect(await eventsOf(second.knex, updated, 'spec-updated')).toHaveLength(
        1,
      );

      expect(await changeRequest(second, ids.delete)).toMatchObject({
        status: 'approved',
      });
      expect(
        await eventsOf(second.knex, deleted, 'delete-requested'),
      ).toHaveLength(1);
      expect(
        second.engine.deleted.filter((r: any) => r.resourceId === deleted),
      ).toHaveLength(1);
      expect(recoveredEvents(second)).toHaveLength(3);

      // The update's resource is free again for the next change.
      const next = await request(second.server)
        .patch(`/api/platform/resources/${updated}`)
        .set(AGENT)
        .send({ spec: { size: 'small' }, generation: 2 });
      // A new change request, not 409 for the finished one.
      expect(next.status).toBe(202);
      await second.backend.stop();
    });

    it('an approval whose approver still holds the lease is not taken over (state written)', async () => {
      const p = await start();
      const asked = await request(p.server)
        .post('/api/platform/resources')
        .set(AGENT)
        .send(databaseRequest('agent-db'));
      const id = asked.body.changeRequest.id;
      await stoppedAfterDecision(p.knex, id);
      await p
        .knex(TABLE)
        .where({ id: Number(id) })
        .update({ apply_until: '2999-01-01T00:00:00.000Z' });

      await p.runTask('platform-approvals-expire');
      expect(await resourcesNamed(p.knex, 'agent-db')).toEqual([]);
      expect(recoveredEvents(p)).toEqual([]);
      const row = await p
        .knex(TABLE)
        .where({ id: Number(id) })
        .first();
      expect(row.applied_at).toBeNull();

      // Once the lease ran out (the approver stopped), it is finished.
      await p
        .knex(TABLE)
        .where({ id: Number(id) })
        .update({ apply_until: LONG_AGO });
      await p.runTask('platform-approvals-expire');
      expect(await resourcesNamed(p.knex, 'agent-db')).toHaveLength(1);
      expect(recoveredEvents(p)).toHaveLength(1);
      await p.backend.stop();
    });

    it('a recovery finishes more approvals than it claims at once (platform.approvals.recoveryBatchSize)', async () => {
      const p = await start(undefined, undefined, {
        approvals: { recoveryBatchSize: 2 },
      });
      const names = Array.from({ length: 5 }, (_, i) => `agent-db-${i}`);
      for (const name of names) {
        const asked = await request(p.server)
          .post('/api/platform/resources')
          .set(AGENT)
          .send(databaseRequest(name));
        expect(asked.status).toBe(202);
        await stoppedAfterDecision(p.knex, asked.body.changeRequest.id);
      }

      await p.runTask('platform-approvals-expire');
      for (const name of names) {
        expect(await resourcesNamed(p.knex, name)).toHaveLength(1);
      }
      expect(recoveredEvents(p)).toHaveLength(5);
      await p.backend.stop();
    });
  },
);

const postgresIds = testDatabaseIds().filter(id => id.startsWith('POSTGRES'));

(postgresIds.length
  ? describe.each(postgresIds.map(id => [id]))
  : describe.skip.each([['POSTGRES']]))(
  'approval recovery by two backends on one %p database',
  databaseId => {
    const {
      start,
      stoppedAfterDecision,
      changeRequest,
      resourcesNamed,
      recoveredEvents,
    } = onDatabase(databaseId as TestDatabaseId);

    it('two backends, each its own pool, recovering at once apply each approval exactly once', async () => {
      const a = await start();
      const config = a.knex.client.config as Knex.Config;
      const otherPool = knexFactory({
        client: config.client,
        connection: config.connection,
        pool: { min: 0, max: 5 },
      });
      try {
        const b = await start(otherPool, a.engine);
        const names = Array.from({ length: 8 }, (_, i) => `agent-db-${i}`);
        const ids: string[] = [];
        for (const name of names) {
          const asked = await request(a.server)
            .post('/api/platform/resources')
            .set(AGENT)
            .send(databaseRequest(name));
          expect(asked.status).toBe(202);
          ids.push(asked.body.changeRequest.id);
        }
        for (const id of ids) await stoppedAfterDecision(a.knex, id);

        await Promise.all([
          a.runTask('platform-approvals-expire'),
          b.runTask('platform-approvals-expire'),
        ]);

        for (const name of names) {
          expect(await resourcesNamed(a.knex, name)).toHaveLength(1);
        }
        const events = recoveredEvents(a, b);
        expect(events.map((e: any) => e.meta.changeRequestId).sort()).toEqual(
          [...ids].sort(),
        );
        for (const id of ids) {
          expect(await changeRequest(a, id)).toMatchObject({
            status: 'approved',
          });
        }
        await b.backend.stop();
      } finally {
        await a.backend.stop();
        await otherPool.destroy();
      }
    });
  },
);
