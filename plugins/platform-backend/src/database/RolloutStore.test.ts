import { newResource, storesOn } from '../__testUtils__/storeTestKit';
import { createTestDatabases } from '../__testUtils__/harness';

jest.setTimeout(60_000);

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())(
  'RolloutStore and CapabilityCache on %p',
  databaseId => {
    async function withRollout() {
      const knex = await databases.init(databaseId);
      const stores = await storesOn(knex);
      for (const [id, environment] of [
        ['r1', 'dev'],
        ['r2', 'qa'],
        ['r3', 'production'],
      ]) {
        await stores.resources.insert(newResource(id, { environment }));
      }
      const rollout = await stores.rollouts.create({
        id: 'ro-1',
        capabilityRef: 'memory:database',
        targetVersion: '2.0.0',
        waveSize: 2,
        pauseSeconds: 0,
        createdBy: 'user:default/admin',
        items: [
          { resourceId: 'r1', wave: 0, fromVersion: '1.0.0' },
          { resourceId: 'r2', wave: 0 },
          { resourceId: 'r3', wave: 1 },
        ],
      });
      return { stores, rollout };
    }

    it('stores a rollout with its waves, and lists it with its instances', async () => {
      const { stores, rollout } = await withRollout();
      expect(rollout).toMatchObject({
        id: 'ro-1',
        status: 'Running',
        currentWave: 0,
        waveCount: 2,
        waveSize: 2,
        items: [
          {
            resourceId: 'r1',
            resourceName: 'db-r1',
            environment: 'dev',
            wave: 0,
            status: 'Pending',
            fromVersion: '1.0.0',
          },
          { resourceId: 'r2', environment: 'qa', wave: 0 },
          { resourceId: 'r3', environment: 'production', wave: 1 },
        ],
      });
      expect(await stores.rollouts.list({})).toEqual([rollout]);
      expect(await stores.rollouts.list({ status: ['Paused'] })).toEqual([]);
      expect(
        await stores.rollouts.list({ capabilityRef: 'memory:cache' }),
      ).toEqual([]);
      expect(await stores.rollouts.listRunning()).toEqual([
        expect.objectContaining({
          id: 'ro-1',
          targetVersion: '2.0.0',
          pauseSeconds: 0,
          currentWave: 0,
          waveCount: 2,
          createdBy: 'user:default/admin',
          nextWaveAt: expect.any(String),
        }),
      ]);
      expect(await stores.rollouts.get('nope')).toBeUndefined();
    });

    it('completes at once a rollout with nothing to upgrade', async () => {
      const { stores } = await withRollout();
      const empty = await stores.rollouts.create({
        id: 'ro-2',
        capabilityRef: 'memory:database',
        targetVersion: '1.0.0',
        waveSize: 1,
        pauseSeconds: 0,
        createdBy: 'user:default/admin',
        items: [],
      });
      expect(empty).toMatchObject({
        status: 'Completed',
        waveCount: 0,
        message: 'Every instance is already at the target version',
      });
    });

    it('changes a rollout and its items only from the state the caller read', async () => {
      const { stores } = await withRollout();
      const { rollouts } = stores;
      // One of two concurrent runners starts the item.
      const starts = await Promise.all([
        rollouts.updateItem('ro-1', 'r1', 'Pending', {
          status: 'Upgrading',
          startedAt: 'now',
        }),
        rollouts.updateItem('ro-1', 'r1', 'Pending', {
          status: 'Upgrading',
          startedAt: 'now',
        }),
      ]);
      expect(starts.filter(Boolean)).toHaveLength(1);
      expect(await rollouts.waveItems('ro-1', 0)).toEqual(
        expect.arrayContaining([
          { resourceId: 'r1', status: 'Upgrading' },
          { resourceId: 'r2', status: 'Pending' },
        ]),
      );
      expect(
        await rollouts.update(
          'ro-1',
          { status: ['Running'], currentWave: 1 },
          { currentWave: 2 },
        ),
      ).toBe(false);
      expect(
        await rollouts.update(
          'ro-1',
          { status: ['Running'], currentWave: 0 },
          { currentWave: 1, status: 'Paused', message: 'by hand' },
        ),
      ).toBe(true);
      expect(await rollouts.get('ro-1')).toMatchObject({
        status: 'Paused',
        currentWave: 1,
        message: 'by hand',
      });
      expect(await rollouts.listRunning()).toEqual([]);
      // null clears the message; fields left out stay.
      await rollouts.update(
        'ro-1',
        { status: ['Paused'] },
        { status: 'Running', message: null },
      );
      expect(await rollouts.get('ro-1')).toMatchObject({
        status: 'Running',
        currentWave: 1,
      });
      expect((await rollouts.get('ro-1'))?.message).toBeUndefined();
    });

    it('keeps the last known capabilities of each engine', async () => {
      const knex = await databases.init(databaseId);
      const { capabilities } = await storesOn(knex);
      const capability = (engine: string, name: string) =>
        ({
          ref: `${engine}:${name}`,
          engine,
          name,
          title: name,
          versions: ['1.0.0'],
        } as any);
      await capabilities.replaceEngineCapabilities('a', [
        capability('a', 'db'),
        capability('a', 'cache'),
      ]);
      await capabilities.replaceEngineCapabilities('b', [capability('b', 'q')]);
      await capabilities.replaceEngineCapabilities('a', [
        capability('a', 'db'),
      ]);
      expect((await capabilities.listCapabilities()).map(c => c.ref)).toEqual([
        'a:db',
        'b:q',
      ]);
    });
  },
);
