import { TestDatabaseId, TestDatabases } from '@backstage/backend-test-utils';
import {
  DELIVERY_MIGRATIONS_DIR,
  DELIVERY_MIGRATIONS_TABLE,
  DeliveryStore,
  migrateDeliveryStore,
} from './DeliveryStore';

jest.setTimeout(60_000);

const ids: TestDatabaseId[] = ['SQLITE_3'];
if (process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING) {
  ids.push('POSTGRES_15');
}
const databases = TestDatabases.create({ ids });

describe.each(databases.eachSupportedId())('DeliveryStore on %p', id => {
  it('migrates down and up, and stores a delivery id once', async () => {
    const knex = await databases.init(id);
    await migrateDeliveryStore(knex);
    const store = new DeliveryStore(knex);
    const delivery = {
      id: 'github:abc',
      provider: 'github',
      event: 'pull_request',
      payload: { a: 1 },
      receivedAt: new Date('2026-12-01T00:00:00Z'),
    };
    expect(await store.insert(delivery)).toBe(true);
    expect(await store.insert(delivery)).toBe(false);
    expect(await store.pending(new Date('2026-12-02T00:00:00Z'))).toEqual([
      { ...delivery, status: 'pending' },
    ]);
    await store.finish('github:abc', {
      status: 'good',
      facts: 1,
      unmappedUser: 'github:stranger',
    });
    expect(await store.counts()).toMatchObject({
      deliveries: { good: 1, bad: 0, ignored: 0, pending: 0 },
      unmappedUsers: [{ login: 'github:stranger', deliveries: 1 }],
    });

    await knex.migrate.rollback(
      {
        directory: DELIVERY_MIGRATIONS_DIR,
        tableName: DELIVERY_MIGRATIONS_TABLE,
      },
      true,
    );
    expect(await knex.schema.hasTable('devex_delivery_deliveries')).toBe(false);
    await migrateDeliveryStore(knex);
    expect(await knex.schema.hasTable('devex_delivery_deliveries')).toBe(true);
  });

  it('records the outcome of each delivery when a batch has many of one and some of others', async () => {
    const knex = await databases.init(id);
    await migrateDeliveryStore(knex);
    const store = new DeliveryStore(knex);
    // More of one outcome than one statement binds.
    const deliveries = Array.from({ length: 1201 }, (_, i) => ({
      id: `github:d-${i}`,
      provider: 'github',
      event: 'pull_request',
      payload: { i },
      receivedAt: new Date(Date.UTC(2026, 11, 1, 0, 0, i % 60)),
    }));
    // Stored as the ingestor does, 100 at a time.
    for (let i = 0; i < deliveries.length; i += 100) {
      await store.insertMany(deliveries.slice(i, i + 100));
    }
    const outcomeOf = (i: number) => {
      if (i === 7) return { status: 'bad' as const, error: 'x: no', facts: 0 };
      if (i === 8) return { status: 'ignored' as const, facts: 0 };
      if (i % 100 === 1) {
        return {
          status: 'good' as const,
          facts: 1,
          unmappedUser: `github:u-${i % 3}`,
        };
      }
      return { status: 'good' as const, facts: 1 };
    };
    // The last one stays pending (its facts were not written).
    await store.finishMany(
      deliveries
        .slice(0, -1)
        .map((d, i) => ({ id: d.id, outcome: outcomeOf(i) })),
    );
    const view = await store.counts();
    expect(view.deliveries).toEqual({
      good: 1198,
      bad: 1,
      ignored: 1,
      pending: 1,
    });
    expect(view.unmappedUsers).toEqual([
      { login: 'github:u-0', deliveries: 4 },
      { login: 'github:u-1', deliveries: 4 },
      { login: 'github:u-2', deliveries: 4 },
    ]);
    expect(view.recentErrors).toEqual([
      expect.objectContaining({ id: 'github:d-7', error: 'x: no' }),
    ]);
    const rows = await knex('devex_delivery_deliveries')
      .whereIn('id', ['github:d-0', 'github:d-101', 'github:d-1200'])
      .orderBy('id')
      .select('id', 'status', 'facts', 'unmapped_user');
    expect(rows).toEqual([
      { id: 'github:d-0', status: 'good', facts: 1, unmapped_user: null },
      {
        id: 'github:d-101',
        status: 'good',
        facts: 1,
        unmapped_user: 'github:u-2',
      },
      { id: 'github:d-1200', status: 'pending', facts: 0, unmapped_user: null },
    ]);
    expect(
      (await store.pending(new Date('2026-12-02T00:00:00Z'))).map(d => d.id),
    ).toEqual(['github:d-1200']);
  });

  if (id.startsWith('POSTGRES')) {
    it('compresses payloads with lz4 where the server has it', async () => {
      const knex = await databases.init(id);
      await migrateDeliveryStore(knex);
      const { rows } = await knex.raw(
        `SELECT to_jsonb(a) ->> 'attcompression' AS attcompression, attstorage
           FROM pg_attribute a
          WHERE attrelid = 'devex_delivery_deliveries'::regclass
            AND attname = 'payload'`,
      );
      const lz4 = await knex.raw(
        `SELECT 1 FROM pg_settings
          WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)`,
      );
      // lz4: compressed (x, extended storage, method l); else uncompressed
      // out of line (e).
      const expected = lz4.rows.length
        ? { attcompression: 'l', attstorage: 'x' }
        : { attcompression: rows[0].attcompression, attstorage: 'e' };
      expect(rows[0]).toEqual(expected);
    });
  }
});
