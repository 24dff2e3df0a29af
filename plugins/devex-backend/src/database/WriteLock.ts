import { Knex } from 'knex';

/** pg_advisory_xact_lock key of devex writes ("devx" in ASCII). */
const ADVISORY_KEY = 0x64657678;

/**
 * Serializes writes to the fact store: one transaction at a time in this
 * process (SQLite has one writer anyway), and on PostgreSQL a transaction
 * advisory lock so that several backend replicas never interleave the
 * read-modify-write of subjects and rollups.
 */
export class WriteLock {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(db: Knex, fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    const next = this.#tail.then(() =>
      db.transaction(async trx => {
        if (String(db.client.config.client).includes('pg')) {
          await trx.raw('SELECT pg_advisory_xact_lock(?)', [ADVISORY_KEY]);
        }
        return fn(trx);
      }),
    );
    this.#tail = next.catch(() => undefined);
    return next;
  }
}
