/**
 * The portal's shared abuse state: fixed-window counters (rate limits) and single-use markers
 * (step-2 tokens, solved challenges). Keys are keyed hashes — never a raw IP, email or phone.
 */
export interface PortalGuard {
  /** Counts one event for `key` in the current `windowSeconds` window; returns the count so far. */
  hit(key: string, windowSeconds: number, nowSeconds: number): Promise<number>;
  /** Marks `key` used until `expiresAt` (epoch s): true the first time, false when already used. */
  consumeOnce(key: string, expiresAt: number, nowSeconds: number): Promise<boolean>;
  close(): Promise<void>;
}

/** The window a fixed-window counter is in, and when it ends. */
export function windowOf(windowSeconds: number, nowSeconds: number): { start: number; end: number } {
  const start = Math.floor(nowSeconds / windowSeconds) * windowSeconds;
  return { start, end: start + windowSeconds };
}
