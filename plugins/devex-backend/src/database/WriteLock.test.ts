import { TestDatabases } from '@backstage/backend-test-utils';
import { createTestStore, testDatabaseIds } from '../__testUtils__/testStore';
import { isSqlite } from './migrate';
import { WriteLock } from './WriteLock';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: testDatabaseIds() });

describe.each(databases.eachSupportedId())('WriteLock on %p', databaseId => {
  it('commits an asyncCommit transaction without waiting for its flush on PostgreSQL, and only that one', async () => {
    const knex = await databases.init(databaseId);
    const { db, store } = await createTestStore(knex);
    const lock = new WriteLock();
    const setting = async (asyncCommit?: boolean) =>
      lock.run(
        db,
        async trx => {
          if (isSqlite(db)) return 'sqlite';
          const { rows } = await trx.raw(
            `SELECT current_setting('synchronous_commit') AS value`,
          );
          return rows[0].value;
        },
        { asyncCommit },
      );
    const sqlite = isSqlite(db);
    expect(await setting(true)).toBe(sqlite ? 'sqlite' : 'off');
    // SET LOCAL: the pooled connection is back to the server's default.
    expect(await setting()).toBe(sqlite ? 'sqlite' : 'on');
    expect(await setting(false)).toBe(sqlite ? 'sqlite' : 'on');

    // A recoverable write stores and counts the same as any other.
    const fact = {
      sourceId: 'github:deployment/1/success',
      kind: 'delivery.deployment',
      time: '2026-11-02T10:00:00Z',
      subject: 'github:deployment/1',
      attributes: { state: 'success' },
    };
    expect(
      await store.write('delivery', [fact], undefined, { recoverable: true }),
    ).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    expect(
      await store.write('delivery', [fact], undefined, { recoverable: true }),
    ).toEqual({ accepted: 0, duplicates: 1, rejected: [] });
    expect(await store.sourceStats()).toEqual([
      expect.objectContaining({ source: 'delivery', facts: 1 }),
    ]);
  });
});
