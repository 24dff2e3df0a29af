import { Knex } from 'knex';

/** A knex client or one of its transactions. */
export type Tx = Knex | Knex.Transaction;

/** Timestamps are ISO-8601 strings in UTC: they sort alike on both databases. */
export const nowIso = () => new Date().toISOString();

/** True for knex clients of SQLite (better-sqlite3, sqlite3). */
export function isSqlite(db: Knex): boolean {
  return String(db.client.config.client).includes('sqlite');
}

export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return (
    e?.code === '23505' ||
    e?.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    /UNIQUE constraint failed|duplicate key value/.test(e?.message ?? '')
  );
}
