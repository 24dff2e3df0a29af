import { ObservedState } from '@trellis/backstage-plugin-platform-node';
import { newResource, storesOn } from '../__testUtils__/storeTestKit';
import { createTestDatabases } from '../__testUtils__/harness';

const ALICE = 'user:default/alice';

/** The engine reports the resource Ready at `generation`. */
function ready(id: string, generation: number): ObservedState {
  return {
    resourceId: id,
    engineRef: { id },
    phase: 'Ready',
    observedGeneration: generation,
    conditions: [],
    outputs: {},
    appliedVersion: '1.0.0',
  };
}

jest.setTimeout(60_000);

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())(
  'ResourceStore on %p',
  databaseId => {
    it('counts list matches only up to its cap, and says so', async () => {
      const knex = await databases.init(databaseId);
      const store = (await storesOn(knex, { countCap: 3 })).resources;
      for (let i = 0; i < 5; i++) {
        await store.insert({
          id: `r${i}`,
          capabilityRef: 'memory:database',
          engineId: 'memory',
          name: `db-${i}`,
          environment: i < 2 ? 'staging' : 'dev',
          owner: 'group:default/team-a',
          requestedBy: 'user:default/alice',
          spec: {},
          version: '1.0.0',
        });
      }

      const all = await store.list({ limit: 2 });
      expect(all).toMatchObject({ totalCount: 3, totalCountCapped: true });
      expect(all.items).toHaveLength(2);

      const few = await store.list({ environment: ['staging'] });
      expect(few.totalCount).toBe(2);
      expect(few.totalCountCapped).toBeUndefined();
    });
    it('commits creates that arrive together, and fails only the one whose name or key was taken', async () => {
      const knex = await databases.init(databaseId);
      const store = (await storesOn(knex)).resources;
      const insert = (id: string, name: string, key?: string) =>
        store.insert(
          {
            id,
            capabilityRef: 'memory:database',
            engineId: 'memory',
            name,
            environment: 'dev',
            owner: 'group:default/team-a',
            requestedBy: 'user:default/alice',
            spec: { size: 'small' },
            version: '1.0.0',
          },
          key
            ? { principal: 'user:default/alice', key, requestHash: id }
            : undefined,
        );
      // One group; a name and a key are taken twice in it, so each write is
      // tried on its own.
      const results = await Promise.allSettled([
        insert('g0', 'orders-db'),
        insert('g1', 'ledger-db'),
        insert('g2', 'orders-db'),
        insert('g3', 'cache', 'key-1'),
        insert('g4', 'queue', 'key-1'),
        insert('g5', 'search'),
      ]);
      expect(results.map(r => r.status)).toEqual([
        'fulfilled',
        'fulfilled',
        'rejected',
        'fulfilled',
        'rejected',
        'fulfilled',
      ]);
      const reason = (i: number) =>
        (results[i] as PromiseRejectedResult).reason;
      expect(reason(2).name).toBe('ConflictError');
      expect(reason(2).message).toContain("'orders-db'");
      expect(reason(4)).toMatchObject({
        name: 'IdempotentReplay',
        resourceId: 'g3',
      });
      const live = ['g0', 'g1', 'g3', 'g5'];
      expect(
        await knex('platform_resources').orderBy('id').pluck('id'),
      ).toEqual(live);
      expect(
        await knex('platform_resource_events')
          .where({ type: 'requested' })
          .orderBy('resource_id')
          .pluck('resource_id'),
      ).toEqual(live);
    });

    it('accepts a spec change at the generation it read, and refuses a stale one', async () => {
      const knex = await databases.init(databaseId);
      const { resources, outbox } = await storesOn(knex);
      await resources.insert(newResource('u1'));
      const [claim] = await outbox.claim({
        claimant: 'a',
        limit: 1,
        leaseMs: 60_000,
      });
      await outbox.complete(claim, 'a', { id: 'u1' });
      await resources.recordObservation('u1', ready('u1', 1));

      const updated = await resources.updateSpec('u1', 1, { size: 'L' }, ALICE);
      expect(updated).toMatchObject({
        generation: 2,
        spec: { size: 'L' },
        status: { phase: 'Updating' },
        pending: { action: 'apply', state: 'queued' },
      });
      await expect(
        resources.updateSpec('u1', 1, { size: 'XL' }, ALICE),
      ).rejects.toThrow(/is at generation 2, not 1/);
      // Ready at the old generation is still Updating; at the new, Ready.
      await resources.recordObservation('u1', ready('u1', 1));
      expect((await resources.get('u1'))?.status.phase).toBe('Updating');
      expect(
        (await resources.recordObservation('u1', ready('u1', 2)))?.after.status
          .phase,
      ).toBe('Ready');
      // The same observation again changes nothing.
      expect(
        await resources.recordObservation('u1', ready('u1', 2)),
      ).toBeUndefined();
    });

    it('deletes a resource its engine never heard of at once, others through the engine', async () => {
      const knex = await databases.init(databaseId);
      const { resources, outbox, history } = await storesOn(knex);
      await resources.insert(newResource('never'));
      await resources.insert(newResource('applied'));
      const claims = await outbox.claim({
        claimant: 'a',
        limit: 2,
        leaseMs: 60_000,
        onlyIds: ['applied'],
      });
      await outbox.complete(claims[0], 'a', { id: 'applied' });

      expect(await resources.requestDelete('never', ALICE)).toMatchObject({
        status: { phase: 'Deleted' },
        pending: undefined,
      });
      const deleting = await resources.requestDelete('applied', ALICE);
      expect(deleting).toMatchObject({
        status: { phase: 'Deleting' },
        pending: { action: 'delete', state: 'queued' },
      });
      await expect(
        resources.updateSpec('applied', 1, {}, ALICE),
      ).rejects.toThrow(/is being deleted/);
      // What the engine reports while it deletes: Deleting, not Ready.
      expect(
        (await resources.recordObservation('applied', ready('applied', 1)))
          ?.after.status.phase,
      ).toBe('Deleting');
      expect(await resources.listApplied('memory')).toEqual([
        {
          id: 'applied',
          engineRef: { id: 'applied' },
          phase: 'Deleting',
          pendingAction: 'delete',
          generation: 1,
        },
      ]);
      const gone = await resources.markDeleted('applied');
      expect(gone?.after).toMatchObject({ status: { phase: 'Deleted' } });
      expect(gone?.after.deletedAt).toBeDefined();
      expect(await resources.markDeleted('applied')).toBeUndefined();
      expect(await resources.listApplied('memory')).toEqual([]);
      expect((await history.listEvents('never')).map(e => e.type)).toEqual([
        'requested',
        'delete-requested',
        'phase-changed',
        'deleted',
      ]);
    });

    it('ignores what another instance of a process-local engine reports', async () => {
      const knex = await databases.init(databaseId);
      const { resources, outbox } = await storesOn(knex);
      await resources.insert(newResource('b1'));
      await outbox.claim({
        claimant: 'a',
        limit: 1,
        leaseMs: 60_000,
        instances: { memory: 'one' },
      });
      expect(
        await resources.recordObservation('b1', ready('b1', 1), 'two'),
      ).toBeUndefined();
      expect(
        await resources.markDeleted('b1', undefined, 'two'),
      ).toBeUndefined();
      expect(
        (await resources.recordObservation('b1', ready('b1', 1), 'one'))?.after
          .status.phase,
      ).toBe('Ready');
      expect(await resources.listApplied('memory', 'two')).toEqual([]);
      expect(
        (await resources.listApplied('memory', 'one')).map(r => r.id),
      ).toEqual(['b1']);
    });

    it('feeds the history of every resource in order, with the resource it concerns', async () => {
      const knex = await databases.init(databaseId);
      const { resources, history } = await storesOn(knex);
      await resources.insert(newResource('f1'));
      await resources.insert(newResource('f2', { environment: 'production' }));
      await history.appendEvent('f1', {
        type: 'upgrade-started',
        actor: ALICE,
      });
      const far = new Date(Date.now() + 60_000).toISOString();
      const feed = await history.listEventFeed({
        afterId: 0,
        limit: 10,
        settledBefore: far,
      });
      expect(feed.map(f => [f.resource.id, f.event.type])).toEqual([
        ['f1', 'requested'],
        ['f2', 'requested'],
        ['f1', 'upgrade-started'],
      ]);
      expect(feed[1].resource).toMatchObject({
        environment: 'production',
        engineId: 'memory',
      });
      const later = await history.listEventFeed({
        afterId: Number(feed[0].event.id),
        limit: 10,
        settledBefore: far,
        permissionFilter: { field: 'environment', values: ['dev'] },
      });
      expect(later.map(f => f.event.type)).toEqual(['upgrade-started']);
      // Nothing younger than settledBefore: it may not have committed yet.
      expect(
        await history.listEventFeed({
          afterId: 0,
          limit: 10,
          settledBefore: '2000-01-01T00:00:00.000Z',
        }),
      ).toEqual([]);
    });

    it('counts the fleet by capability, version and phase, and lists a capability’s resources for a rollout', async () => {
      const knex = await databases.init(databaseId);
      const { resources } = await storesOn(knex);
      await resources.insert(newResource('v1', { name: 'b' }));
      await resources.insert(
        newResource('v2', { name: 'a', environment: 'qa' }),
      );
      await resources.insert(
        newResource('v3', { capabilityRef: 'memory:cache', name: 'c' }),
      );
      expect(await resources.fleetCounts()).toEqual([
        {
          capabilityRef: 'memory:cache',
          version: null,
          phase: 'Pending',
          count: 1,
        },
        {
          capabilityRef: 'memory:database',
          version: null,
          phase: 'Pending',
          count: 2,
        },
      ]);
      expect(
        (await resources.listOfCapability('memory:database')).map(r => r.id),
      ).toEqual(['v2', 'v1']);
      expect(
        (await resources.listOfCapability('memory:database', ['dev'])).map(
          r => r.id,
        ),
      ).toEqual(['v1']);
    });
  },
);
