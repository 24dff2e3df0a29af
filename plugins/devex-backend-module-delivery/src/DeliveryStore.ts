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

/** Ids bound in one statement at most (SQLite allows 32,766 variables). */
const IDS_PER_STATEMENT = 500;

const isPostgres = (db: Knex) => String(db.client.config.client).includes('pg');

type OutcomeRow = {
  status: DeliveryOutcome['status'];
  error: string | null;
  facts: number;
  unmapped_repo: string | null;
  unmapped_user: string | null;
};

function outcomeRow(outcome: DeliveryOutcome): OutcomeRow {
  return {
    status: outcome.status,
    error: outcome.error?.slice(0, 4000) ?? null,
    facts: outcome.facts,
    unmapped_repo: outcome.unmappedRepo?.slice(0, 255) ?? null,
    unmapped_user: outcome.unmappedUser?.slice(0, 255) ?? null,
  };
}

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

  /**
   * Records the outcomes of deliveries: one UPDATE per distinct outcome (a
   * batch's deliveries mostly share theirs).
   *
   * An outcome can be lost without losing a delivery: its delivery stays
   * pending, and `retryPending` interprets the durable raw row again (its
   * facts are written once: the fact store keeps one per source id). So on
   * PostgreSQL each UPDATE commits on its own without waiting for its WAL
   * flush (`set_config('synchronous_commit', 'off', true)` lasts for the
   * statement's transaction; about 2 ms a commit on a busy disk, and one
   * round trip where BEGIN, SET LOCAL, UPDATE, COMMIT are four). On SQLite
   * they share one transaction, so one commit.
   */
  async finishMany(
    outcomes: { id: string; outcome: DeliveryOutcome }[],
  ): Promise<void> {
    const groups = new Map<string, { row: OutcomeRow; ids: string[] }>();
    for (const { id, outcome } of outcomes) {
      const row = outcomeRow(outcome);
      const key = JSON.stringify(row);
      const group = groups.get(key);
      if (group) group.ids.push(id);
      else groups.set(key, { row, ids: [id] });
    }
    if (!groups.size) return;
    const updateEach = async (table: () => Knex.QueryBuilder) => {
      for (const { row, ids } of groups.values()) {
        for (let i = 0; i < ids.length; i += IDS_PER_STATEMENT) {
          await table()
            .whereIn('id', ids.slice(i, i + IDS_PER_STATEMENT))
            .update(row);
        }
      }
    };
    if (isPostgres(this.db)) {
      const db = this.db;
      await updateEach(() =>
        db
          .with(
            'async_commit',
            db.raw(`SELECT set_config('synchronous_commit', 'off', true)`),
          )
          .table(TABLE)
          .whereExists(db.select(db.raw('1')).from('async_commit')),
      );
    } else {
      await this.db.transaction(trx => updateEach(() => trx(TABLE)));
    }
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
