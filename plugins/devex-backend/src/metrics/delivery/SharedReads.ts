/**
 * Reads in flight, shared by the requests that make the same read at the
 * same time: the Delivery tab asks for the delivery, impact and onboarding
 * reports of one range at once, and the first two read the same rollup rows
 * while the last two look up the same new users.
 *
 * Nothing is kept: an entry goes when its read settles. A request joins a
 * read only if that read started after the request's own catch-up of the
 * delivery index finished, so what it gets holds every fact its catch-up
 * read.
 */
export class SharedReads {
  private readonly pending = new Map<
    string,
    { started: number; value: Promise<unknown> }
  >();

  constructor(private readonly clock: () => number = () => performance.now()) {}

  /** The time to pass as `notBefore`: when a request's catch-up ended. */
  now(): number {
    return this.clock();
  }

  /**
   * `read()`, or the same read (by `key`) still in flight if it started at
   * or after `notBefore`.
   */
  run<T>(key: string, notBefore: number, read: () => Promise<T>): Promise<T> {
    const hit = this.pending.get(key);
    if (hit && hit.started >= notBefore) return hit.value as Promise<T>;
    const entry = { started: this.clock(), value: read() as Promise<unknown> };
    this.pending.set(key, entry);
    const done = () => {
      if (this.pending.get(key) === entry) this.pending.delete(key);
    };
    entry.value.then(done, done);
    return entry.value as Promise<T>;
  }

  /** How many reads are in flight (for tests). */
  get size(): number {
    return this.pending.size;
  }
}
