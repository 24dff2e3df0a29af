/**
 * Runs one piece of background work at a time, and coalesces the calls that
 * arrive while it runs: they do not start a second run, they share the
 * running one and make it pass once more when the current pass ends. The
 * dispatcher and the rollout runner are both driven this way, by the
 * scheduler and by changes that want them now.
 */
export class CoalescingRunner {
  private running?: Promise<void>;
  /** Asks so far (calls and `askAgain`): a pass runs again when this changed during it. */
  private asks = 0;
  /** Calls of `run` so far. */
  private calls = 0;
  private passStartedAt = 0;
  private wake?: () => void;

  /**
   * @param pass - One pass of the work. It may end early when `asked()`
   *   says that someone wants another pass.
   * @param settle - Runs once after the last pass, also when one failed.
   */
  constructor(
    private readonly pass: () => Promise<void>,
    private readonly settle?: () => Promise<void>,
  ) {}

  /**
   * Runs passes until one ends without being asked for another (or until
   * `stop` says so, checked before every pass); while running, asks for one
   * more pass and returns the running one.
   */
  run(stop: () => boolean = () => false): Promise<void> {
    this.calls += 1;
    this.askAgain();
    if (this.running) return this.running;
    this.running = (async () => {
      try {
        for (;;) {
          try {
            while (!stop()) {
              this.passStartedAt = this.asks;
              await this.pass();
              if (this.asks === this.passStartedAt) break;
            }
          } finally {
            this.wake = undefined;
            await this.settle?.();
          }
          // A call that came while settling was handed this run: it gets
          // its pass (it did not start one of its own).
          if (stop() || this.asks === this.passStartedAt) break;
        }
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  /** Asks for one more pass after the current one (the work found more). */
  askAgain() {
    this.asks += 1;
    this.wake?.();
  }

  /** Whether another pass was asked for since the current one started. */
  asked(): boolean {
    return this.asks !== this.passStartedAt;
  }

  /** Calls of `run` so far, to tell later whether someone called since. */
  get callCount(): number {
    return this.calls;
  }

  /**
   * Settles at the next ask (of `run` or `askAgain`). One waiter at a time:
   * a new wait replaces the previous one, which then never settles.
   */
  nextAsk(): Promise<void> {
    return new Promise(resolve => {
      this.wake = () => {
        this.wake = undefined;
        resolve();
      };
    });
  }

  /** The run in progress, if any. */
  get current(): Promise<void> | undefined {
    return this.running;
  }
}
