import knexFactory, { Knex } from 'knex';
import {
  newResource,
  sqlitePlanOf,
  storesOn,
} from '../__testUtils__/storeTestKit';
import { createTestDatabases, testDatabaseIds } from '../__testUtils__/harness';

jest.setTimeout(60_000);

const databases = createTestDatabases();

const LEASE = 60_000;

describe.each(databases.eachSupportedId())('DispatchOutbox on %p', id => {
  async function seeded(count: number) {
    const knex = await databases.init(id);
    const stores = await storesOn(knex);
    for (let i = 0; i < count; i++) {
      await stores.resources.insert(
        newResource(`c${String(i).padStart(2, '0')}`),
      );
    }
    const claim = (claimant: string, limit = 20, leaseMs = LEASE) =>
      stores.outbox.claim({ claimant, limit, leaseMs });
    return { knex, stores, claim };
  }

  it('claims due work once, whichever of two dispatchers asks', async () => {
    const { claim } = await seeded(30);
    const [a, b] = await Promise.all([claim('a'), claim('b')]);
    const ids = [...a, ...b].map(c => c.resource.id).sort();
    expect(new Set(ids).size).toBe(ids.length);
    expect(a.length + b.length).toBeGreaterThanOrEqual(20);
    expect([...a, ...b][0]).toMatchObject({
      action: 'apply',
      generation: 1,
      attempts: 0,
      engineId: 'memory',
      version: '1.0.0',
      resource: { status: { phase: 'Pending' } },
    });
    // The rest, then nothing: every claim is held.
    const rest = await claim('c');
    expect([...ids, ...rest.map(c => c.resource.id)].sort()).toEqual(
      Array.from({ length: 30 }, (_, i) => `c${String(i).padStart(2, '0')}`),
    );
    expect(await claim('d')).toEqual([]);
  });

  it('hands work whose lease ended to the next claimant, and stops the first from completing it', async () => {
    const { stores, claim } = await seeded(1);
    const [first] = await claim('a', 10, 1);
    await new Promise(resolve => setTimeout(resolve, 5));
    const [second] = await claim('b');
    expect(second.resource.id).toBe(first.resource.id);
    // The lapsed claimant's result is not recorded; the holder's is.
    expect(await stores.outbox.complete(first, 'a')).toBe(false);
    expect((await stores.resources.get('c00'))?.pending?.action).toBe('apply');
    expect(
      await stores.outbox.complete(second, 'b', { id: 'c00', name: 'db' }),
    ).toBe(true);
    const done = await stores.resources.get('c00');
    expect(done?.pending).toBeUndefined();
    expect(done?.engineRef).toEqual({ id: 'c00', name: 'db' });
    expect(await claim('c')).toEqual([]);
  });

  it('keeps newer work owed when the claimed generation was superseded', async () => {
    const { stores, claim } = await seeded(1);
    const [old] = await claim('a');
    await stores.resources.updateSpec('c00', 1, { size: 'large' }, 'user:x');
    expect(
      await stores.outbox.complete(old, 'a', { id: 'c00', name: 'db' }),
    ).toBe(false);
    const [next] = await claim('b');
    expect(next).toMatchObject({ generation: 2, action: 'apply' });
    expect(next.resource.engineRef).toEqual({ id: 'c00', name: 'db' });
  });

  it('retries with backoff: not before its time, attempts counted, the first failure in the history', async () => {
    const { stores, claim } = await seeded(1);
    const [first] = await claim('a');
    const later = new Date(Date.now() + 60_000);
    expect(await stores.outbox.retry(first, 'a', 'down', later)).toBe(1);
    expect(await claim('b')).toEqual([]);
    expect((await stores.resources.get('c00'))?.pending).toMatchObject({
      state: 'retrying',
      attempts: 1,
      message: 'down',
      nextAttemptAt: later.toISOString(),
    });
    // Due again (an operator's retry): claimed with its attempts.
    expect(await stores.outbox.retryNow('c00')).toBe(true);
    const [second] = await claim('b');
    expect(second.attempts).toBe(0);
    expect(
      await stores.outbox.retry(second, 'b', 'still down', new Date()),
    ).toBe(1);
    const [third] = await claim('c');
    expect(
      await stores.outbox.retry(third, 'c', 'down again', new Date()),
    ).toBe(2);
    const failures = (await stores.history.listEvents('c00')).filter(
      e => e.type === 'dispatch-failed',
    );
    expect(failures.map(e => e.message)).toEqual([
      'down; retrying with backoff',
      'still down; retrying with backoff',
    ]);
  });

  it('parks work awaiting credentials until a retry schedules it again', async () => {
    const { knex, stores, claim } = await seeded(2);
    const [parked] = await claim('a', 1);
    const result = await stores.outbox.awaitCredentials(
      parked,
      'a',
      'no token',
    );
    expect(result?.after.pending).toMatchObject({
      action: 'apply',
      state: 'awaiting-credentials',
      message: 'no token',
    });
    expect(result?.after.status.phase).toBe('Pending');
    expect(
      await knex('platform_resources')
        .where({ id: parked.resource.id })
        .first('dispatch_state', 'dispatch_next_at'),
    ).toEqual({
      dispatch_state: 'awaiting-credentials',
      dispatch_next_at: null,
    });
    // Nobody claims it, the other work goes on.
    expect((await claim('b')).map(c => c.resource.id)).toEqual(['c01']);
    expect(await claim('c')).toEqual([]);
    expect(await stores.outbox.retryNow(parked.resource.id)).toBe(true);
    expect((await claim('c')).map(c => c.resource.id)).toEqual([
      parked.resource.id,
    ]);
    // A claim that was not held parks nothing.
    expect(
      await stores.outbox.awaitCredentials(parked, 'a', 'x'),
    ).toBeUndefined();
  });

  it('fails rejected work for good, with the reason in the history', async () => {
    const { stores, claim } = await seeded(1);
    const [claimed] = await claim('a');
    expect(await stores.outbox.fail(claimed, 'b', 'not mine')).toBeUndefined();
    const result = await stores.outbox.fail(claimed, 'a', 'spec.size: bad');
    expect(result?.after).toMatchObject({
      status: { phase: 'Failed', message: 'spec.size: bad' },
    });
    expect(result?.after.pending).toBeUndefined();
    expect(
      (await stores.history.listEvents('c00')).map(e => [e.type, e.reason]),
    ).toEqual([
      ['requested', undefined],
      ['dispatch-failed', 'EngineRejected'],
      ['phase-changed', 'EngineRejected'],
    ]);
    expect(await stores.outbox.retryNow('c00')).toBe(false);
    expect(await claim('c')).toEqual([]);
  });

  it('hands claims back at shutdown, due at once for another replica', async () => {
    const { stores, claim } = await seeded(1);
    const [held] = await claim('a');
    expect(await stores.outbox.release(held, 'b')).toBe(false);
    expect(await stores.outbox.release(held, 'a')).toBe(true);
    expect((await claim('b')).map(c => c.resource.id)).toEqual(['c00']);
  });

  it('claims a process-local engine’s work only on the instance it is bound to', async () => {
    const { stores } = await seeded(2);
    const claim = (claimant: string, instance: string) =>
      stores.outbox.claim({
        claimant,
        limit: 1,
        leaseMs: 1,
        instances: { memory: instance },
      });
    const [bound] = await claim('a', 'one');
    await stores.outbox.release(bound, 'a');
    // Unclaimed and due again, but bound to instance one.
    expect((await claim('b', 'two')).map(c => c.resource.id)).not.toContain(
      bound.resource.id,
    );
    expect((await claim('c', 'one')).map(c => c.resource.id)).toEqual([
      bound.resource.id,
    ]);
  });

  it('owes a lost resource to its engine again, once', async () => {
    const { stores, claim } = await seeded(1);
    const [first] = await claim('a');
    await stores.outbox.complete(first, 'a', { id: 'c00' });
    await stores.outbox.scheduleReapply('c00', 'Resync: lost');
    await stores.outbox.scheduleReapply('c00', 'Resync: lost');
    const again = await claim('b');
    expect(again.map(c => [c.resource.id, c.action, c.generation])).toEqual([
      ['c00', 'apply', 1],
    ]);
  });

  it('makes as many statements for a create and its dispatch as before the split: 13', async () => {
    const { knex, stores } = await seeded(0);
    let statements = 0;
    const count = () => {
      statements += 1;
    };
    knex.on('query', count);
    try {
      await stores.resources.insert(newResource('s1'));
      const [claimed] = await stores.outbox.claim({
        claimant: 'a',
        limit: 50,
        leaseMs: LEASE,
        onlyIds: ['s1'],
      });
      await stores.outbox.complete(claimed, 'a', { id: 's1' });
      await stores.resources.recordObservation('s1', {
        resourceId: 's1',
        engineRef: { id: 's1' },
        phase: 'Ready',
        observedGeneration: 1,
        conditions: [],
        outputs: {},
        appliedVersion: '1.0.0',
      });
    } finally {
      knex.off('query', count);
    }
    // BEGIN, insert, event, COMMIT; the claim, one UPDATE … RETURNING;
    // BEGIN, completion, COMMIT; BEGIN, read, update, event, COMMIT. As
    // before the split: a create alone, with no other writes to share its
    // group commits (bench/platform-api/store-create.ts measures them shared).
    expect(statements).toBe(13);
  });
});

describe('DispatchOutbox on SQLite', () => {
  it('finds the work that is due through its index, without reading every resource', async () => {
    const knex = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: ':memory:' },
      useNullAsDefault: true,
    });
    try {
      const stores = await storesOn(knex);
      const plan = await sqlitePlanOf(knex, () =>
        stores.outbox.claim({ claimant: 'a', limit: 50, leaseMs: LEASE }),
      );
      expect(plan).toContain('platform_resources_scheduled_idx');
      expect(plan).not.toContain('SCAN platform_resources');
    } finally {
      await knex.destroy();
    }
  });
});

const postgresIds = testDatabaseIds().filter(id => id.startsWith('POSTGRES'));

(postgresIds.length
  ? describe.each(postgresIds.map(id => [id]))
  : describe.skip.each([['POSTGRES']]))(
  'two replicas’ outboxes on one %p database',
  databaseId => {
    it('claim every item exactly once while racing', async () => {
      const knexA = await databases.init(databaseId as any);
      // The second replica: its own pool and its own stores.
      const knexB: Knex = knexFactory(knexA.client.config);
      try {
        const a = await storesOn(knexA);
        const b = await storesOn(knexB, { skipMigrations: true });
        const ITEMS = 120;
        const ids = Array.from({ length: ITEMS }, (_, i) => `x${i}`);
        await Promise.all(ids.map(i => a.resources.insert(newResource(i))));

        const claimedBy = new Map<string, string[]>();
        const replica = async (name: string, stores: typeof a) => {
          for (let round = 0; round < 40; round++) {
            const claims = await stores.outbox.claim({
              claimant: name,
              limit: 7,
              leaseMs: LEASE,
            });
            for (const c of claims) {
              claimedBy.set(c.resource.id, [
                ...(claimedBy.get(c.resource.id) ?? []),
                name,
              ]);
            }
            // Half of the work completes; the rest stays held.
            await Promise.all(
              claims
                .filter((_, i) => i % 2 === 0)
                .map(c =>
                  stores.outbox.complete(c, name, { id: c.resource.id }),
                ),
            );
          }
        };
        await Promise.all([
          replica('a1', a),
          replica('b1', b),
          replica('a2', a),
          replica('b2', b),
        ]);
        expect([...claimedBy.keys()].sort()).toEqual([...ids].sort());
        for (const [, claimants] of claimedBy) {
          expect(claimants).toHaveLength(1);
        }
        const replicas = new Set(
          [...claimedBy.values()].map(([c]) => c.slice(0, 1)),
        );
        expect(replicas).toEqual(new Set(['a', 'b']));
      } finally {
        await knexB.destroy();
      }
    });
  },
);
