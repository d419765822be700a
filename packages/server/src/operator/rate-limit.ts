/**
 * Token-bucket rate limiting per key (API key id or CSTG subscription id), in memory. A rate of 0
 * disables the limiter. Buckets idle for a minute are swept so the map stays small.
 */
export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; updatedMs: number }>();
  #lastSweepMs = 0;

  constructor(
    readonly perSecond: number,
    readonly burst: number,
  ) {}

  get enabled(): boolean {
    return this.perSecond > 0;
  }

  /** Takes one token for `key`: 0 when allowed, otherwise the seconds to wait before retrying. */
  take(key: string, nowMs: number): number {
    if (!this.enabled) return 0;
    if (nowMs - this.#lastSweepMs > 60_000) this.#sweep(nowMs);
    let b = this.#buckets.get(key);
    if (!b) {
      b = { tokens: this.burst, updatedMs: nowMs };
      this.#buckets.set(key, b);
    }
    b.tokens = Math.min(this.burst, b.tokens + ((nowMs - b.updatedMs) / 1000) * this.perSecond);
    b.updatedMs = nowMs;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return (1 - b.tokens) / this.perSecond;
  }

  #sweep(nowMs: number): void {
    this.#lastSweepMs = nowMs;
    for (const [k, b] of this.#buckets) if (nowMs - b.updatedMs > 60_000) this.#buckets.delete(k);
  }
}
