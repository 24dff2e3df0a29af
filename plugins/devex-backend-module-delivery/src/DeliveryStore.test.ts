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
});
