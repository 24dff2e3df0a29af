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

  it('stores deliveries with their outcomes, tells stored ids, and records outcomes in groups', async () => {
    const knex = await databases.init(id);
    await migrateDeliveryStore(knex);
    const store = new DeliveryStore(knex);
    const at = new Date('2026-12-01T00:00:00Z');
    const delivery = (n: number) => ({
      id: `github:${n}`,
      provider: 'github',
      event: 'pull_request',
      payload: { n },
      receivedAt: at,
    });
    const stored = await store.insertMany([
      { ...delivery(1), outcome: { status: 'bad', error: 'x: no', facts: 0 } },
      { ...delivery(2), outcome: { status: 'ignored', facts: 0 } },
      delivery(3),
      delivery(4),
      delivery(5),
      { ...delivery(3), outcome: { status: 'good', facts: 1 } },
    ]);
    expect([...stored].sort()).toEqual([
      'github:1',
      'github:2',
      'github:3',
      'github:4',
      'github:5',
    ]);
    expect(
      [...(await store.known(['github:1', 'github:3', 'github:9']))].sort(),
    ).toEqual(['github:1', 'github:3']);
    expect(
      (await store.pending(new Date('2026-12-02T00:00:00Z'))).map(d => d.id),
    ).toEqual(['github:3', 'github:4', 'github:5']);

    await store.finishMany([
      { id: 'github:3', outcome: { status: 'good', facts: 1 } },
      { id: 'github:4', outcome: { status: 'good', facts: 1 } },
      {
        id: 'github:5',
        outcome: { status: 'good', facts: 1, unmappedUser: 'github:ghost' },
      },
    ]);
    expect(await store.counts()).toMatchObject({
      deliveries: { good: 3, bad: 1, ignored: 1, pending: 0 },
      unmappedUsers: [{ login: 'github:ghost', deliveries: 1 }],
      recentErrors: [
        expect.objectContaining({ id: 'github:1', error: 'x: no' }),
      ],
    });
  });
});
