import { TestDatabases } from '@backstage/backend-test-utils';
import knexFactory, { Knex } from 'knex';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { testDatabaseIds } from '../__testUtils__/harness';
import { PlatformStore } from './PlatformStore';

const MIGRATIONS_DIR_FOR_TEST = path.resolve(__dirname, '../../migrations');

/** SQLite's plan for the first statement `run` sends to platform_resources. */
async function sqlitePlanOf(knex: Knex, run: () => Promise<unknown>) {
  let first: { sql: string; bindings: unknown[] } | undefined;
  const listener = (query: { sql: string; bindings: unknown[] }) => {
    if (!first && query.sql.includes('from `platform_resources`')) {
      first = query;
    }
  };
  knex.on('query', listener);
  try {
    await run();
  } finally {
    knex.off('query', listener);
  }
  const rows: Array<{ detail: string }> = await knex.raw(
    `EXPLAIN QUERY PLAN ${first!.sql}`,
    first!.bindings as Knex.RawBinding[],
  );
  return rows.map(r => r.detail).join('\n');
}

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
    it('commits creates that arrive together, and fails only the one whose name or key was taken', async () => {
      const knex = await databases.init(databaseId);
      const store = await PlatformStore.create({ getClient: async () => knex });
      const insert = (id: string, name: string, key?: string) =>
        store.insertResource(
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
    it('claims due work once, whichever of two dispatchers asks', async () => {
      const knex = await databases.init(databaseId);
      const store = await PlatformStore.create({ getClient: async () => knex });
      for (let i = 0; i < 30; i++) {
        await store.insertResource({
          id: `c${String(i).padStart(2, '0')}`,
          capabilityRef: 'memory:database',
          engineId: 'memory',
          name: `db-${i}`,
          environment: 'dev',
          owner: 'group:default/team-a',
          requestedBy: 'user:default/alice',
          spec: {},
          version: '1.0.0',
        });
      }
      const claim = (claimant: string) =>
        store.claimDispatch({ claimant, limit: 20, leaseMs: 60_000 });
      const [a, b] = await Promise.all([claim('a'), claim('b')]);
      const ids = [...a, ...b].map(c => c.row.id).sort();
      expect(new Set(ids).size).toBe(ids.length);
      expect(a.length + b.length).toBeGreaterThanOrEqual(20);
      expect(a.every(c => c.row.dispatch_claimed_by === 'a')).toBe(true);
      expect(b.every(c => c.row.dispatch_claimed_by === 'b')).toBe(true);
      expect([...a, ...b][0]).toMatchObject({ action: 'apply', generation: 1 });
      // The rest, then nothing: every claim is held.
      const rest = await claim('c');
      expect([...ids, ...rest.map(c => c.row.id)].sort()).toEqual(
        Array.from({ length: 30 }, (_, i) => `c${String(i).padStart(2, '0')}`),
      );
      expect(await claim('d')).toEqual([]);
    });
    it('finds resources by any part of their text, through a trigram index on PostgreSQL and FTS5 on SQLite', async () => {
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

      // PostgreSQL serves LIKE '%…%' from a trigram index, SQLite from an
      // FTS5 trigram table.
      const plan = databaseId.startsWith('POSTGRES')
        ? (
            await knex.raw(
              "SELECT indexdef FROM pg_indexes WHERE indexname = 'platform_resources_search_trgm_idx'",
            )
          ).rows[0]?.indexdef
        : await sqlitePlanOf(knex, () =>
            store.listResources({ text: 'orders' }),
          );
      expect(plan).toMatch(
        databaseId.startsWith('POSTGRES')
          ? /USING gin \(search_text gin_trgm_ops\) WHERE \(deleted_at IS NULL\)/
          : /VIRTUAL TABLE INDEX/,
      );
    });

    it('finds the same resources by text as a substring test would, on every database', async () => {
      const knex = await databases.init(databaseId);
      const store = await PlatformStore.create({ getClient: async () => knex });
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
        await store.insertResource({
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
      const capped = await PlatformStore.create(
        { getClient: async () => knex },
        { countCap: 2 },
      );
      for (const text of texts) {
        for (const [includeDeleted, lister] of [
          [false, store],
          [true, store],
          [false, capped],
        ] as const) {
          const found = (
            await lister.listResources({ text, includeDeleted, limit: 500 })
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
      const usesTextIndex = async (lister: PlatformStore) =>
        /VIRTUAL TABLE INDEX/.test(
          await sqlitePlanOf(knex, () =>
            lister.listResources({ text: 'orders' }),
          ),
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
      await PlatformStore.create({ getClient: async () => knex });
      // Back to before the text index (this and any later migration).
      while ((await knex.migrate.currentVersion(config)) >= '20261201230000') {
        await knex.migrate.down(config);
      }
      const before = await PlatformStore.create({
        getClient: async () => knex,
        migrations: { skip: true },
      });
      await before.insertResource({
        id: 'old',
        capabilityRef: 'memory:database',
        engineId: 'memory',
        name: 'legacy-orders',
        environment: 'dev',
        owner: 'group:default/team-a',
        requestedBy: 'user:default/alice',
        spec: {},
        version: '1.0.0',
      });
      expect(
        (await before.listResources({ text: 'orders' })).items.map(r => r.id),
      ).toEqual(['old']);

      const after = await PlatformStore.create({ getClient: async () => knex });
      expect(
        (await after.listResources({ text: 'orders' })).items.map(r => r.id),
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

describe('PlatformStore on SQLite', () => {
  it('finds the work that is due through an index, without reading every resource', async () => {
    const knex = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: ':memory:' },
      useNullAsDefault: true,
    });
    try {
      const store = await PlatformStore.create({ getClient: async () => knex });
      const plan = await sqlitePlanOf(knex, () =>
        store.claimDispatch({ claimant: 'a', limit: 50, leaseMs: 60_000 }),
      );
      expect(plan).toContain('platform_resources_due_idx');
      expect(plan).not.toContain('SCAN platform_resources');
    } finally {
      await knex.destroy();
    }
  });
});

describe('PlatformStore on a SQLite file', () => {
  it('checkpoints the write-ahead log from a worker thread, not from the commits on the event loop', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'platform-store-'));
    const file = path.join(dir, 'platform.sqlite');
    const knex = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: file },
      useNullAsDefault: true,
    });
    try {
      const store = await PlatformStore.create({ getClient: async () => knex });
      // The writer checkpoints only far past SQLite's 1,000 pages.
      expect(await knex.raw('PRAGMA wal_autocheckpoint')).toEqual([
        { wal_autocheckpoint: 10000 },
      ]);
      const before = fs.statSync(file).size;
      for (let i = 0; i < 60; i++) {
        await store.insertResource({
          id: `k${i}`,
          capabilityRef: 'memory:database',
          engineId: 'memory',
          name: `db-${i}`,
          environment: 'dev',
          owner: 'group:default/team-a',
          requestedBy: 'user:default/alice',
          spec: {},
          version: '1.0.0',
        });
      }
      // Far fewer pages than the writer's own threshold, and yet the
      // database file receives them: the worker copied the log.
      const deadline = Date.now() + 10_000;
      while (fs.statSync(file).size <= before && Date.now() < deadline) {
        await new Promise(resolve => setTimeout(resolve, 50));
      }
      expect(fs.statSync(file).size).toBeGreaterThan(before);
      await store.close();
    } finally {
      await knex.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  it('commits through a write-ahead log, without an fsync per commit', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'platform-store-'));
    const knex = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: path.join(dir, 'platform.sqlite') },
      useNullAsDefault: true,
    });
    try {
      const store = await PlatformStore.create({ getClient: async () => knex });
      expect(await knex.raw('PRAGMA journal_mode')).toEqual([
        { journal_mode: 'wal' },
      ]);
      // NORMAL (1): commits append to the log; checkpoints sync.
      expect(await knex.raw('PRAGMA synchronous')).toEqual([
        { synchronous: 1 },
      ]);

      await store.insertResource({
        id: 'w1',
        capabilityRef: 'memory:database',
        engineId: 'memory',
        name: 'orders-db',
        environment: 'dev',
        owner: 'group:default/team-a',
        requestedBy: 'user:default/alice',
        spec: {},
        version: '1.0.0',
      });
      await store.close();
      await knex.destroy();

      // What was committed is there for the next process.
      const again = knexFactory({
        client: 'better-sqlite3',
        connection: { filename: path.join(dir, 'platform.sqlite') },
        useNullAsDefault: true,
      });
      const reopened = await PlatformStore.create({
        getClient: async () => again,
      });
      expect((await reopened.getResource('w1'))?.name).toBe('orders-db');
      await reopened.close();
      await again.destroy();
    } finally {
      await knex.destroy().catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
