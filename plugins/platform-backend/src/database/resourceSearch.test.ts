import path from 'node:path';
import { ResourceStore } from './ResourceStore';
import { sqlitePlanOf, storesOn } from '../__testUtils__/storeTestKit';
import { createTestDatabases } from '../__testUtils__/harness';

jest.setTimeout(60_000);

const MIGRATIONS_DIR_FOR_TEST = path.resolve(__dirname, '../../migrations');

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())(
  'resource search on %p',
  databaseId => {
    it('finds resources by any part of their text, through a trigram index on PostgreSQL and FTS5 on SQLite', async () => {
      const knex = await databases.init(databaseId);
      const store = (await storesOn(knex)).resources;
      for (const [i, name] of [
        'orders-db',
        'ledger-cache',
        'orders-queue',
      ].entries()) {
        await store.insert({
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
        (await store.list({ text })).items.map(r => r.name);
      expect(await names('ORDERS')).toEqual(['orders-db', 'orders-queue']);
      expect(await names('r-ca')).toEqual(['ledger-cache']);
      expect(await names('%')).toEqual([]);
      expect(await names('no-such')).toEqual([]);

      // PostgreSQL serves LIKE '%…%' from a trigram index, SQLite from an
      // FTS5 trigram table.
      const plan = databaseId.startsWith('POSTGRES')
        ? (
            await knex.raw(
              "SELECT indexdef FROM pg_indexes WHERE indexname = 'platform_resources_search_trgm_idx'",
            )
          ).rows[0]?.indexdef
        : await sqlitePlanOf(knex, () => store.list({ text: 'orders' }));
      expect(plan).toMatch(
        databaseId.startsWith('POSTGRES')
          ? /USING gin \(search_text gin_trgm_ops\) WHERE \(deleted_at IS NULL\)/
          : /VIRTUAL TABLE INDEX/,
      );
    });

    it('finds the same resources by text as a substring test would, on every database', async () => {
      const knex = await databases.init(databaseId);
      const store = (await storesOn(knex)).resources;
      const names = [
        'orders-db',
        'orders-queue',
        'ledger-cache',
        'a',
        'ab',
        'x100-percent',
        'under-score',
        'quote-q',
      ];
      for (const [i, name] of names.entries()) {
        await store.insert({
          id: `s${i}`,
          capabilityRef: i % 2 ? 'memory:database' : 'memory:cache',
          engineId: 'memory',
          name,
          environment: i % 3 ? 'dev' : 'production',
          owner: 'group:default/team-a',
          requestedBy: 'user:default/alice',
          component: i === 2 ? 'component:default/Ledger' : undefined,
          spec: {},
          version: '1.0.0',
        });
      }
      // A deleted resource is found only with includeDeleted.
      await store.requestDelete('s0', 'user:default/alice');
      const searchTexts = new Map(
        (await knex('platform_resources').select('id', 'search_text')).map(
          r => [r.id as string, r.search_text as string],
        ),
      );
      const deleted = new Set(['s0']);
      const texts = [
        'orders',
        'ORDERS-Q',
        'o',
        'ab',
        'abc',
        'db',
        '-db',
        'cache ',
        ' dev',
        'memory:',
        'memory:database ',
        'component:default/ledger',
        '%',
        '_',
        'x100%',
        'under_score',
        '"q',
        'quote-q"',
        'ü',
        'prod',
        'no-such-thing',
      ];
      // A cap of 2 makes every text of 2+ matches "common": SQLite then
      // walks the name index instead of asking its text index.
      const capped = (await storesOn(knex, { countCap: 2 })).resources;
      for (const text of texts) {
        for (const [includeDeleted, lister] of [
          [false, store],
          [true, store],
          [false, capped],
        ] as const) {
          const found = (
            await lister.list({ text, includeDeleted, limit: 500 })
          ).items
            .map(r => r.id)
            .sort();
          const needle = text.toLocaleLowerCase('en-US');
          const expected = [...searchTexts]
            .filter(
              ([id, searchText]) =>
                (includeDeleted || !deleted.has(id)) &&
                searchText.includes(needle),
            )
            .map(([id]) => id)
            .sort();
          expect({ text, includeDeleted, found }).toEqual({
            text,
            includeDeleted,
            found: expected,
          });
        }
      }
      // SQLite: few matches use the text index; many (for the cap) the
      // name index. (PostgreSQL plans its LIKE itself.)
      const usesTextIndex = async (lister: ResourceStore) =>
        /VIRTUAL TABLE INDEX/.test(
          await sqlitePlanOf(knex, () => lister.list({ text: 'orders' })),
        );
      const sqlite = !databaseId.startsWith('POSTGRES');
      expect({
        few: sqlite ? await usesTextIndex(store) : true,
        many: sqlite ? await usesTextIndex(capped) : false,
      }).toEqual({ few: true, many: false });
    });

    it('searches rows that existed before the text index, and after it is removed', async () => {
      const knex = await databases.init(databaseId);
      const config = {
        directory: MIGRATIONS_DIR_FOR_TEST,
        tableName: 'platform_knex_migrations',
      };
      await storesOn(knex);
      // Back to before the text index (this and any later migration).
      while ((await knex.migrate.currentVersion(config)) >= '20261201230000') {
        await knex.migrate.down(config);
      }
      const before = (await storesOn(knex, { skipMigrations: true })).resources;
      // A row as the release before the index wrote it.
      await knex('platform_resources').insert({
        id: 'old',
        capability_ref: 'memory:database',
        engine_id: 'memory',
        name: 'legacy-orders',
        environment: 'dev',
        owner: 'group:default/team-a',
        requested_by: 'user:default/alice',
        spec: '{}',
        generation: 1,
        phase: 'Pending',
        conditions: '[]',
        outputs: '{}',
        desired_version: '1.0.0',
        created_at: '2026-11-30T00:00:00.000Z',
        updated_at: '2026-11-30T00:00:00.000Z',
        search_text: 'legacy-orders  memory:database dev',
      });
      expect(
        (await before.list({ text: 'orders' })).items.map(r => r.id),
      ).toEqual(['old']);

      const after = (await storesOn(knex)).resources;
      expect(
        (await after.list({ text: 'orders' })).items.map(r => r.id),
      ).toEqual(['old']);
      // The migration indexed the row that was there before it (SQLite).
      expect(
        databaseId.startsWith('POSTGRES')
          ? ['old']
          : await knex('platform_resources_search_keys').pluck('resource_id'),
      ).toEqual(['old']);
    });
  },
);
