/**
 * A work queue with Kubernetes controller semantics: a key is processed by
 * at most one worker at a time, adding a key that is already waiting is a
 * no-op, and adding a key while it is processed makes it run once more
 * afterwards. Delayed adds implement retry backoff; they are one-shot timers
 * owned by the queue and cleared when it stops.
 */
export class WorkQueue {
  private readonly waiting = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly timers = new Map<
    string,
    { at: number; timer: NodeJS.Timeout }
  >();
  private readonly inFlight = new Set<Promise<void>>();
  private running = false;

  constructor(
    private readonly options: {
      concurrency: number;
      process(key: string): Promise<void>;
      onError(key: string, error: unknown): void;
    },
  ) {}

  start() {
    this.running = true;
    this.pump();
  }

  /** Stops taking work and waits for the work in progress to finish. */
  async stop() {
    this.running = false;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.inFlight]);
  }

  add(key: string) {
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    this.waiting.add(key);
    this.pump();
  }

  /** Adds the key after `delayMs`, unless an earlier add is already timed. */
  addAfter(key: string, delayMs: number) {
    const at = Date.now() + Math.max(0, delayMs);
    const existing = this.timers.get(key);
    if (existing && existing.at <= at) {
      return;
    }
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, Math.max(0, delayMs));
    this.timers.set(key, { at, timer });
  }

  private pump() {
    while (
      this.running &&
      this.processing.size < this.options.concurrency &&
      this.waiting.size > 0
    ) {
      const key = this.waiting.values().next().value as string;
      this.waiting.delete(key);
      this.processing.add(key);
      const work = this.options
        .process(key)
        .catch(error => this.options.onError(key, error))
        .finally(() => {
          this.processing.delete(key);
          this.inFlight.delete(work);
          if (this.dirty.delete(key)) {
            this.waiting.add(key);
          }
          this.pump();
        });
      this.inFlight.add(work);
    }
  }
}
