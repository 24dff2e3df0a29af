import { Knex } from 'knex';

interface Job {
  work: (tx: Knex.Transaction) => Promise<unknown>;
  resolve: (value: any) => void;
  reject: (error: unknown) => void;
}

/**
 * Runs small write transactions that arrive together as one transaction (a
 * group commit, as databases do with their own log). While one group
 * commits, the next collects; nobody waits for a timer, so a write that
 * arrives alone commits at the end of the event loop's turn. Each caller is answered after the commit
 * that holds its write, so what it was told is durable. When a group fails,
 * it is rolled back and every write is tried again on its own, so that only
 * the write that failed fails (a unique violation, say), with its own error.
 *
 * Works must touch nothing but the transaction: they may run twice (once in
 * the group that failed, once alone).
 *
 * On SQLite one commit is one append to the write-ahead log, whatever it
 * holds: many creates at once cost one commit instead of one each.
 */
export class GroupCommit {
  private queue: Job[] = [];
  private draining = false;

  constructor(private readonly db: Knex, private readonly maxGroup = 64) {}

  run<T>(work: (tx: Knex.Transaction) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  private async drain() {
    this.draining = true;
    try {
      // The writes that the rest of this turn of the event loop brings (other
      // requests read from their sockets at the same time, the observation a
      // dispatch's engine call reports) join the first group.
      await new Promise(resolve => setImmediate(resolve));
      while (this.queue.length) {
        await this.commit(this.queue.splice(0, this.maxGroup));
      }
    } finally {
      this.draining = false;
    }
  }

  private async commit(group: Job[]) {
    if (group.length > 1) {
      let results: unknown[] | undefined;
      try {
        results = await this.db.transaction(async tx => {
          const out: unknown[] = [];
          for (const job of group) out.push(await job.work(tx));
          return out;
        });
      } catch {
        // One of them failed: each on its own below, so that only it fails.
      }
      if (results) {
        group.forEach((job, i) => job.resolve(results![i]));
        return;
      }
    }
    for (const job of group) {
      try {
        job.resolve(await this.db.transaction(tx => job.work(tx)));
      } catch (error) {
        job.reject(error);
      }
    }
  }
}
