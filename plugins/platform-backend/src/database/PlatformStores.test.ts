import knexFactory from 'knex';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { storesOn } from '../__testUtils__/storeTestKit';

describe('the platform stores on a SQLite file', () => {
  it('checkpoints the write-ahead log from a worker thread, not from the commits on the event loop', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'platform-store-'));
    const file = path.join(dir, 'platform.sqlite');
    const knex = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: file },
      useNullAsDefault: true,
    });
    try {
      const store = await storesOn(knex);
      // The writer checkpoints only far past SQLite's 1,000 pages.
      expect(await knex.raw('PRAGMA wal_autocheckpoint')).toEqual([
        { wal_autocheckpoint: 10000 },
      ]);
      const before = fs.statSync(file).size;
      for (let i = 0; i < 60; i++) {
        await store.resources.insert({
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
      const store = await storesOn(knex);
      expect(await knex.raw('PRAGMA journal_mode')).toEqual([
        { journal_mode: 'wal' },
      ]);
      // NORMAL (1): commits append to the log; checkpoints sync.
      expect(await knex.raw('PRAGMA synchronous')).toEqual([
        { synchronous: 1 },
      ]);

      await store.resources.insert({
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
      const reopened = await storesOn(again);
      expect((await reopened.resources.get('w1'))?.name).toBe('orders-db');
      await reopened.close();
      await again.destroy();
    } finally {
      await knex.destroy().catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
