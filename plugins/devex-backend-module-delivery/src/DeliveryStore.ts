import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { Knex } from 'knex';

/** The module's migrations, recorded apart from the devex plugin's own. */
export const DELIVERY_MIGRATIONS_DIR = resolvePackagePath(
  '@trellis/backstage-plugin-devex-backend-module-delivery',
  'migrations',
);
export const DELIVERY_MIGRATIONS_TABLE = 'devex_delivery_knex_migrations';

export async function migrateDeliveryStore(db: Knex): Promise<void> {
  await db.migrate.latest({
    directory: DELIVERY_MIGRATIONS_DIR,
    tableName: DELIVERY_MIGRATIONS_TABLE,
  });
}

export type DeliveryStatus = 'pending' | 'good' | 'bad' | 'ignored';

export interface RawDelivery {
  id: string;
  provider: string;
  event: string;
  payload: unknown;
  receivedAt: Date;
}

export interface StoredDelivery extends RawDelivery {
  status: DeliveryStatus;
}

export interface DeliveryOutcome {
  status: Exclude<DeliveryStatus, 'pending'>;
  error?: string;
  facts: number;
  unmappedRepo?: string;
  unmappedUser?: string;
}

/** What the admins' "Connect" view shows. */
export interface DeliveryCounts {
  deliveries: { good: number; bad: number; ignored: number; pending: number };
  unmappedRepos: { repo: string; deliveries: number }[];
  unmappedUsers: { login: string; deliveries: number }[];
  recentErrors: {
    id: string;
    event: string;
    receivedAt: string;
    error: string;
  }[];
}

const TABLE = 'devex_delivery_deliveries';

/** Raw deliveries, stored once per delivery id before interpretation. */
export class DeliveryStore {
  constructor(private readonly db: Knex) {}

  /** Stores a delivery as pending; false when its id was stored before. */
  async insert(delivery: RawDelivery): Promise<boolean> {
    return (await this.insertMany([delivery])).has(delivery.id);
  }

  /**
   * Stores deliveries as pending in one statement; the ids stored now (an id
   * stored before, or twice in `deliveries`, is stored once).
   */
  async insertMany(deliveries: RawDelivery[]): Promise<Set<string>> {
    const unique = new Map(deliveries.map(d => [d.id, d]));
    if (!unique.size) return new Set();
    const inserted: { id: string }[] = await this.db(TABLE)
      .insert(
        [...unique.values()].map(delivery => ({
          id: delivery.id,
          provider: delivery.provider,
          event: delivery.event.slice(0, 64),
          received_at: delivery.receivedAt,
          payload: JSON.stringify(delivery.payload ?? null),
          status: 'pending',
          facts: 0,
        })),
      )
      .onConflict('id')
      .ignore()
      .returning('id');
    return new Set(inserted.map(row => row.id));
  }

  async finish(id: string, outcome: DeliveryOutcome): Promise<void> {
    await this.finishMany([{ id, outcome }]);
  }

  /** Records the outcomes of deliveries, in one transaction. */
  async finishMany(
    outcomes: { id: string; outcome: DeliveryOutcome }[],
  ): Promise<void> {
    if (!outcomes.length) return;
    await this.db.transaction(async trx => {
      for (const { id, outcome } of outcomes) {
        await trx(TABLE)
          .where({ id })
          .update({
            status: outcome.status,
            error: outcome.error?.slice(0, 4000) ?? null,
            facts: outcome.facts,
            unmapped_repo: outcome.unmappedRepo?.slice(0, 255) ?? null,
            unmapped_user: outcome.unmappedUser?.slice(0, 255) ?? null,
          });
      }
    });
  }

  /** Deliveries stored but never interpreted (the process stopped between). */
  async pending(olderThan: Date, limit = 500): Promise<StoredDelivery[]> {
    const rows = await this.db(TABLE)
      .where('status', 'pending')
      .andWhere('received_at', '<', olderThan)
      .orderBy('received_at')
      .limit(limit);
    return rows.map(row => ({
      id: row.id,
      provider: row.provider,
      event: row.event,
      payload: JSON.parse(row.payload),
      receivedAt: new Date(row.received_at),
      status: row.status,
    }));
  }

  async counts(): Promise<DeliveryCounts> {
    const statuses: { status: DeliveryStatus; n: number | string }[] =
      await this.db(TABLE).select('status').count({ n: '*' }).groupBy('status');
    const deliveries = { good: 0, bad: 0, ignored: 0, pending: 0 };
    for (const row of statuses) deliveries[row.status] = Number(row.n);
    const repos = (await this.db(TABLE)
      .whereNotNull('unmapped_repo')
      .select({ repo: 'unmapped_repo' })
      .count({ n: '*' })
      .groupBy('unmapped_repo')
      .orderBy([{ column: 'n', order: 'desc' }, 'repo'])
      .limit(200)) as unknown as { repo: string; n: number | string }[];
    const users = (await this.db(TABLE)
      .whereNotNull('unmapped_user')
      .select({ login: 'unmapped_user' })
      .count({ n: '*' })
      .groupBy('unmapped_user')
      .orderBy([{ column: 'n', order: 'desc' }, 'login'])
      .limit(200)) as unknown as { login: string; n: number | string }[];
    const errors = await this.db(TABLE)
      .where('status', 'bad')
      .orderBy('received_at', 'desc')
      .limit(20)
      .select('id', 'event', 'received_at', 'error');
    return {
      deliveries,
      unmappedRepos: repos.map(r => ({
        repo: r.repo,
        deliveries: Number(r.n),
      })),
      unmappedUsers: users.map(u => ({
        login: u.login,
        deliveries: Number(u.n),
      })),
      recentErrors: errors.map(e => ({
        id: e.id,
        event: e.event,
        receivedAt: new Date(e.received_at).toISOString(),
        error: e.error ?? '',
      })),
    };
  }
}
