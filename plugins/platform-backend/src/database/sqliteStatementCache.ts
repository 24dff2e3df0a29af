import { Knex } from 'knex';

/** The part of a better-sqlite3 connection and statement used here. */
interface Connection {
  prepare(sql: string): Statement;
}
interface Statement {
  readonly busy: boolean;
}

const patched = new WeakSet<object>();

/**
 * Keeps the prepared statements of a better-sqlite3 connection for reuse.
 *
 * knex prepares every query anew, and preparing is SQLite compiling the
 * statement, with the trigger programs it fires (the FTS5 index's on every
 * insert): a tenth of a create's time on the event loop
 * (bench/platform-api/create.ts, docs/benchmarks.md). knex builds its SQL
 * with bind parameters, so the same query has the same text every time, and a
 * prepared statement runs with new bindings as often as needed. A statement
 * that is still running (a row iterator) is never handed out twice. SQLite
 * prepares a kept statement again by itself when the schema changes.
 *
 * Bounded: the `max` texts used last are kept.
 */
export function cacheSqliteStatements(connection: Connection, max = 200) {
  if (patched.has(connection)) return;
  patched.add(connection);
  const prepare = connection.prepare.bind(connection);
  const kept = new Map<string, Statement>();
  connection.prepare = (sql: string) => {
    const statement = kept.get(sql);
    if (statement && !statement.busy) {
      // Most recently used last, so the oldest goes first.
      kept.delete(sql);
      kept.set(sql, statement);
      return statement;
    }
    const prepared = prepare(sql);
    if (!statement) {
      if (kept.size >= max) kept.delete(kept.keys().next().value!);
      kept.set(sql, prepared);
    }
    return prepared;
  };
}

/**
 * Caches prepared statements on every connection of a better-sqlite3 knex
 * client: the one it holds now and those it opens later. Other clients are
 * left alone.
 */
export async function useSqliteStatementCache(db: Knex) {
  if (db.client.config.client !== 'better-sqlite3') return;
  const client = db.client as {
    acquireConnection(): Promise<Connection>;
    releaseConnection(connection: Connection): Promise<void>;
    pool?: NodeJS.EventEmitter;
  };
  client.pool?.on('createSuccess', (_id: unknown, connection: Connection) =>
    cacheSqliteStatements(connection),
  );
  const connection = await client.acquireConnection();
  try {
    cacheSqliteStatements(connection);
  } finally {
    await client.releaseConnection(connection);
  }
}
