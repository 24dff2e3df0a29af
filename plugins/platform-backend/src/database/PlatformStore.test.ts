import { TestDatabases } from '@backstage/backend-test-utils';
import { testDatabaseIds } from '../__testUtils__/harness';
import { PlatformStore } from './PlatformStore';

const databases = TestDatabases.create({
  ids: testDatabaseIds(),
  disableDocker: true,
});

describe.each(databases.eachSupportedId())(
  'PlatformStore on %p',
  databaseId => {
    it('counts list matches only up to its cap, and says so', async () => {
      const knex = await databases.init(databaseId);
      const store = await PlatformStore.create(
        { getClient: async () => knex },
        { countCap: 3 },
      );
      for (let i = 0; i < 5; i++) {
        await store.insertResource({
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

      const all = await store.listResources({ limit: 2 });
      expect(all).toMatchObject({ totalCount: 3, totalCountCapped: true });
      expect(all.items).toHaveLength(2);

      const few = await store.listResources({ environment: ['staging'] });
      expect(few.totalCount).toBe(2);
      expect(few.totalCountCapped).toBeUndefined();
    });
  },
);
