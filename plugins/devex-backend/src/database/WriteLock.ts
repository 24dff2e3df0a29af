import { Knex } from 'knex';
import { isSqlite } from './migrate';

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

  /**
   * `asyncCommit`: on PostgreSQL the transaction commits without waiting for
   * its WAL flush (set in the lock's statement, so no round trip more); for
   * writes whose caller can make them again (a server crash may lose them).
   */
  run<T>(
    db: Knex,
    fn: (trx: Knex.Transaction) => Promise<T>,
    options: { asyncCommit?: boolean } = {},
  ): Promise<T> {
    const next = this.#tail.then(() =>
      db.transaction(async trx => {
        if (!isSqlite(db)) {
          await trx.raw(
            options.asyncCommit
              ? `SELECT pg_advisory_xact_lock(?), set_config('synchronous_commit', 'off', true)`
              : 'SELECT pg_advisory_xact_lock(?)',
            [ADVISORY_KEY],
          );
        }
        return fn(trx);
      }),
    );
    this.#tail = next.catch(() => undefined);
    return next;
  }
}
