/** Retry policy of webhook delivery. */
export interface RetryPolicy {
  /** The first retry happens within this delay. */
  readonly initialMs: number;
  /** Cap of the delay. */
  readonly maxMs: number;
  /** Attempts in all (the first one included) before an entry is dead-lettered. */
  readonly maxAttempts: number;
}

/**
 * Delay before retry number `retry` (1 for the first retry): exponential (`initialMs · 2^(retry-1)`,
 * capped at `maxMs`) with "equal jitter": a uniform draw from the upper half of that delay, so that
 * partners recovering from an outage are not hit by every sender at once. The reference retries
 * after a fixed delay and not at all on network errors (optout.md §6); this is the §12 improvement.
 */
export function retryDelayMs(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(Math.max(retry - 1, 0), 30));
  return Math.round(exp / 2 + (random() * exp) / 2);
}

/** Whether a failed attempt is worth retrying: network errors and timeouts (status undefined), 408, 429, 5xx. */
export function isRetryable(status: number | undefined): boolean {
  return status === undefined || status === 408 || status === 429 || status >= 500;
}
