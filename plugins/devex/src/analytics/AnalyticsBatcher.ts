import { ResponseError } from '@backstage/errors';
import { AnalyticsEventInput } from '@trellis/backstage-plugin-devex-common';

/** How a batch reaches the backend; resolves only once the backend committed it. */
export type SendAnalyticsBatch = (
  events: AnalyticsEventInput[],
  options: { keepalive: boolean },
) => Promise<unknown>;

/** @public */
export interface AnalyticsBatcherOptions {
  send: SendAnalyticsBatch;
  /** A batch goes out as soon as it has this many events. Default 50. */
  maxBatchSize?: number;
  /** …or this long after its first event. Default 10 s. */
  flushIntervalMs?: number;
  /** Events held at most while the backend is unreachable; newer ones are dropped beyond. Default 5,000. */
  maxPendingEvents?: number;
  /** First retry delay; doubles on each failure of the same batch. Default 1 s. */
  initialRetryDelayMs?: number;
  /** Longest retry delay. Default 5 min. */
  maxRetryDelayMs?: number;
  /** For tests: the jitter source. */
  random?: () => number;
  /** Where page-hide is observed; defaults to the browser's window, if any. */
  target?: Pick<Window, 'addEventListener' | 'removeEventListener'> & {
    document?: { visibilityState: DocumentVisibilityState };
  };
}

// fetch refuses keepalive bodies over 64 KiB in all (queued keepalive requests together).
const KEEPALIVE_BODY_LIMIT = 60 * 1024;

interface Batch {
  events: AnalyticsEventInput[];
  attempt: number;
}

/** Statuses after which sending the same batch again cannot work. */
function isPermanent(error: unknown): boolean {
  if (!(error instanceof ResponseError)) return false;
  return [400, 403, 404, 413, 422].includes(error.statusCode);
}

/**
 * Collects analytics events and delivers them in batches, by size and by
 * time, and everything at once (with `keepalive`) when the page is hidden.
 * A batch is kept, and sent again with exponential backoff, until the backend
 * acknowledges it; every event carries its own id, so the backend stores a
 * batch that arrives twice only once.
 */
export class AnalyticsBatcher {
  private readonly send: SendAnalyticsBatch;
  private readonly maxBatchSize: number;
  private readonly flushIntervalMs: number;
  private readonly maxPendingEvents: number;
  private readonly initialRetryDelayMs: number;
  private readonly maxRetryDelayMs: number;
  private readonly random: () => number;
  private readonly target?: AnalyticsBatcherOptions['target'];

  private queue: AnalyticsEventInput[] = [];
  private batches: Batch[] = [];
  private sending = false;
  private flushTimer?: ReturnType<typeof setTimeout>;
  private retryTimer?: ReturnType<typeof setTimeout>;
  private droppedCount = 0;

  constructor(options: AnalyticsBatcherOptions) {
    this.send = options.send;
    this.maxBatchSize = options.maxBatchSize ?? 50;
    this.flushIntervalMs = options.flushIntervalMs ?? 10_000;
    this.maxPendingEvents = options.maxPendingEvents ?? 5_000;
    this.initialRetryDelayMs = options.initialRetryDelayMs ?? 1_000;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 5 * 60_000;
    this.random = options.random ?? Math.random;
    this.target =
      options.target ?? (typeof window === 'undefined' ? undefined : window);
    this.target?.addEventListener('pagehide', this.onPageHide);
    this.target?.addEventListener('visibilitychange', this.onVisibilityChange);
  }

  /** Events captured but not yet acknowledged by the backend. */
  get pendingCount(): number {
    return (
      this.queue.length +
      this.batches.reduce((sum, batch) => sum + batch.events.length, 0)
    );
  }

  /** Events refused because too many were pending, or the backend refused their batch for good. */
  get dropped(): number {
    return this.droppedCount;
  }

  add(event: AnalyticsEventInput) {
    if (this.pendingCount >= this.maxPendingEvents) {
      this.droppedCount += 1;
      return;
    }
    this.queue.push(event);
    if (this.queue.length >= this.maxBatchSize) {
      this.cutBatches(this.maxBatchSize);
      this.pump();
    } else if (!this.flushTimer) {
      this.flushTimer = setTimeout(() => {
        this.flushTimer = undefined;
        this.cutBatches(this.maxBatchSize);
        this.pump();
      }, this.flushIntervalMs);
    }
  }

  /**
   * Sends everything pending now. With `keepalive`, for a page about to go
   * away: every pending batch goes out in requests that outlive the page,
   * including one already in flight (a duplicate is harmless).
   */
  flush(options: { keepalive?: boolean } = {}) {
    this.clearFlushTimer();
    if (!options.keepalive) {
      this.cutBatches(this.maxBatchSize);
      this.pump();
      return;
    }
    this.cutKeepaliveBatches();
    let budget = KEEPALIVE_BODY_LIMIT;
    for (const batch of [...this.batches]) {
      const size = bodySize(batch.events);
      if (size > budget) break;
      budget -= size;
      this.send(batch.events, { keepalive: true }).then(
        () => this.acknowledge(batch),
        () => {
          // Still pending: the normal path sends it again if the page lives on.
        },
      );
    }
  }

  /** Stops listening to the page and cancels timers; pending events are sent with keepalive. */
  dispose() {
    this.flush({ keepalive: true });
    this.clearFlushTimer();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.target?.removeEventListener('pagehide', this.onPageHide);
    this.target?.removeEventListener(
      'visibilitychange',
      this.onVisibilityChange,
    );
  }

  private readonly onPageHide = () => this.flush({ keepalive: true });

  private readonly onVisibilityChange = () => {
    if (this.target?.document?.visibilityState === 'hidden') {
      this.flush({ keepalive: true });
    } else {
      // Back from hiding: whatever a keepalive request did not deliver goes now.
      this.pump();
    }
  };

  private clearFlushTimer() {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
  }

  private cutBatches(size: number) {
    while (this.queue.length > 0) {
      this.batches.push({ events: this.queue.splice(0, size), attempt: 0 });
    }
  }

  /** Batches small enough for a keepalive request each. */
  private cutKeepaliveBatches() {
    while (this.queue.length > 0) {
      let count = 0;
      let size = 0;
      while (count < this.queue.length && count < this.maxBatchSize) {
        const next = bodySize([this.queue[count]]);
        if (count > 0 && size + next > KEEPALIVE_BODY_LIMIT / 4) break;
        size += next;
        count += 1;
      }
      this.batches.push({ events: this.queue.splice(0, count), attempt: 0 });
    }
  }

  private acknowledge(batch: Batch) {
    this.batches = this.batches.filter(b => b !== batch);
  }

  private pump() {
    if (this.sending || this.retryTimer) return;
    const batch = this.batches[0];
    if (!batch) return;
    this.sending = true;
    this.send(batch.events, { keepalive: false }).then(
      () => {
        this.sending = false;
        this.acknowledge(batch);
        this.pump();
      },
      error => {
        this.sending = false;
        if (!this.batches.includes(batch)) {
          // A keepalive copy was acknowledged meanwhile.
          this.pump();
        } else if (isPermanent(error)) {
          this.droppedCount += batch.events.length;
          this.acknowledge(batch);
          this.pump();
        } else {
          batch.attempt += 1;
          this.retryTimer = setTimeout(() => {
            this.retryTimer = undefined;
            this.pump();
          }, this.retryDelay(batch.attempt));
        }
      },
    );
  }

  /** Exponential backoff with jitter, so browsers do not return all at once. */
  private retryDelay(attempt: number): number {
    const ceiling = Math.min(
      this.maxRetryDelayMs,
      this.initialRetryDelayMs * 2 ** (attempt - 1),
    );
    return Math.round(ceiling * (0.5 + this.random() / 2));
  }
}

function bodySize(events: AnalyticsEventInput[]): number {
  // UTF-8 length without TextEncoder, which not every test environment has.
  return encodeURIComponent(JSON.stringify({ events })).replace(
    /%[0-9A-F]{2}/g,
    'x',
  ).length;
}
