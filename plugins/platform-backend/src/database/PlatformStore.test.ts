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
    it('finds resources by any part of their text, through a trigram index on PostgreSQL', async () => {
      const knex = await databases.init(databaseId);
      const store = await PlatformStore.create({ getClient: async () => knex });
      for (const [i, name] of [
        'orders-db',
        'ledger-cache',
        'orders-queue',
      ].entries()) {
        await store.insertResource({
          id: `t${i}`,
          capabilityRef: 'memory:database',
          engineId: 'memory',
          name,
          environment: 'dev',
          owner: 'group:default/team-a',
          requestedBy: 'user:default/alice',
          spec: {},
          version: '1.0.0',
        });
      }
      const names = async (text: string) =>
        (await store.listResources({ text })).items.map(r => r.name);
      expect(await names('ORDERS')).toEqual(['orders-db', 'orders-queue']);
      expect(await names('r-ca')).toEqual(['ledger-cache']);
      expect(await names('%')).toEqual([]);
      expect(await names('no-such')).toEqual([]);

      // PostgreSQL serves LIKE '%…%' from a trigram index; SQLite scans.
      const index = databaseId.startsWith('POSTGRES')
        ? (
            await knex.raw(
              "SELECT indexdef FROM pg_indexes WHERE indexname = 'platform_resources_search_trgm_idx'",
            )
          ).rows[0]?.indexdef
        : 'none on SQLite';
      expect(index).toMatch(
        databaseId.startsWith('POSTGRES')
          ? /USING gin \(search_text gin_trgm_ops\) WHERE \(deleted_at IS NULL\)/
          : /none/,
      );
    });
  },
);
