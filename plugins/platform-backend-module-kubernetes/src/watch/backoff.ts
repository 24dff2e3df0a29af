/** Exponential backoff with jitter for reconnecting to an API server. */
export interface BackoffOptions {
  initialDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = {
  initialDelayMs: 500,
  maxDelayMs: 30_000,
};

/**
 * The delay before retry number `failures` (1-based): doubling from the
 * initial delay up to the maximum, with jitter so that many watchers that
 * lost the same server do not reconnect in lock-step.
 */
export function backoffDelay(
  failures: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  const exponential = options.initialDelayMs * 2 ** Math.max(0, failures - 1);
  const capped = Math.min(options.maxDelayMs, exponential);
  return Math.round(capped * (0.5 + random() / 2));
}
