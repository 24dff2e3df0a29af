import {
  DatabaseService,
  LoggerService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { Knex } from 'knex';
import {
  ChangeRequestStore,
  KnexChangeRequestStore,
} from '../approvals/ChangeRequestStore';
import { CapabilityCache, KnexCapabilityCache } from './CapabilityCache';
import { DispatchOutbox } from './DispatchOutbox';
import { GroupCommit } from './GroupCommit';
import {
  IdempotencyKeyStore,
  KnexIdempotencyKeyStore,
} from './IdempotencyKeyStore';
import { KnexDispatchOutbox } from './KnexDispatchOutbox';
import { KnexResourceHistory } from './KnexResourceHistory';
import { KnexResourceStore } from './KnexResourceStore';
import { KnexRolloutStore } from './KnexRolloutStore';
import { isSqlite } from './knexHelpers';
import { COUNT_CAP, hasTextIndex, ResourceQueries } from './resourceQueries';
import { ResourceHistory, ResourceStore } from './ResourceStore';
import { RolloutStore } from './RolloutStore';
import { startSqliteCheckpointer } from './sqliteCheckpointer';
import { useSqliteStatementCache } from './sqliteStatementCache';

const MIGRATIONS_DIR = resolvePackagePath(
  '@trellis/backstage-plugin-platform-backend',
  'migrations',
);

/**
 * The platform plugin's persistence, one interface per concern. Every query
 * works on SQLite and PostgreSQL; rows stay inside `database/`.
 */
export interface PlatformStores {
  resources: ResourceStore;
  history: ResourceHistory;
  outbox: DispatchOutbox;
  rollouts: RolloutStore;
  capabilities: CapabilityCache;
  idempotencyKeys: IdempotencyKeyStore;
  /** Changes waiting for a person's approval. */
  changeRequests: ChangeRequestStore;
  /** Stops background work; the database client is its owner's to close. */
  close(): Promise<void>;
}

export interface PlatformStoresOptions {
  /** Lists count matches up to this many (default 10,000). */
  countCap?: number;
  logger?: LoggerService;
}

/**
 * Opens the platform's stores on the plugin's database: migrates it (unless
 * the database service says to skip), and on SQLite switches to a
 * write-ahead log, keeps prepared statements and checkpoints off the event
 * loop. The creates, dispatches and observations of all stores share one
 * group commit.
 */
export async function openPlatformStores(
  database: DatabaseService,
  options: PlatformStoresOptions = {},
): Promise<PlatformStores> {
  const db = await database.getClient();
  await useWriteAheadLog(db);
  if (!database.migrations?.skip) {
    await db.migrate.latest({
      directory: MIGRATIONS_DIR,
      tableName: 'platform_knex_migrations',
    });
  }
  await useSqliteStatementCache(db);
  const writes = new GroupCommit(db);
  const idempotencyKeys = new KnexIdempotencyKeyStore(db);
  const queries = new ResourceQueries(
    db,
    options.countCap ?? COUNT_CAP,
    await hasTextIndex(db),
  );
  const stopCheckpointer = await startSqliteCheckpointer(db, {
    onError: message =>
      options.logger?.warn(`SQLite checkpoint failed: ${message}`),
  });
  return {
    resources: new KnexResourceStore(db, writes, queries, idempotencyKeys),
    history: new KnexResourceHistory(db),
    outbox: new KnexDispatchOutbox(db, writes),
    rollouts: new KnexRolloutStore(db),
    capabilities: new KnexCapabilityCache(db),
    idempotencyKeys,
    changeRequests: new KnexChangeRequestStore(db),
    close: async () => {
      await stopCheckpointer?.();
    },
  };
}

/**
 * Switches a file-backed SQLite database to a write-ahead log with
 * `synchronous = NORMAL`. In SQLite's default rollback-journal mode every
 * commit waits for several fsyncs, and better-sqlite3 waits on the event
 * loop: a create (four commits, with its dispatch and observation) held the
 * whole backend for about 30 ms, and the dispatcher's single-statement
 * updates took 12 ms each (bench/platform-api/create.ts, docs/benchmarks.md).
 * With the log, a commit is an append without fsync; checkpoints sync.
 * Every committed transaction survives a crash of the process (`kill -9`);
 * a power loss or an operating-system crash can lose the last ones, never
 * corrupt the file. The log mode is a property of the file (set once, kept);
 * `synchronous` is one of the connection, set on every new one. In-memory
 * databases (tests) have no log and are left alone.
 */
async function useWriteAheadLog(db: Knex) {
  if (!isSqlite(db)) return;
  const rows: Array<{ journal_mode?: string }> = await db.raw(
    'PRAGMA journal_mode = WAL',
  );
  if (rows?.[0]?.journal_mode !== 'wal') return;
  await db.raw('PRAGMA synchronous = NORMAL');
  (db.client as { pool?: NodeJS.EventEmitter }).pool?.on(
    'createSuccess',
    (_id: unknown, connection: { pragma?: (sql: string) => unknown }) => {
      connection.pragma?.('synchronous = NORMAL');
    },
  );
}
