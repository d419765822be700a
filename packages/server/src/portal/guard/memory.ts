import { type PortalGuard, windowOf } from './guard.js';

/** In-process guard: right for one portal process (the embedded, single-process deployment). */
export class MemoryPortalGuard implements PortalGuard {
  readonly #counters = new Map<string, { end: number; count: number }>();
  readonly #used = new Map<string, number>();
  #lastSweep = 0;

  async hit(key: string, windowSeconds: number, nowSeconds: number): Promise<number> {
    this.#sweep(nowSeconds);
    const { start, end } = windowOf(windowSeconds, nowSeconds);
    const id = `${key}|${start}`;
    const entry = this.#counters.get(id);
    if (entry) return ++entry.count;
    this.#counters.set(id, { end, count: 1 });
    return 1;
  }

  async consumeOnce(key: string, expiresAt: number, nowSeconds: number): Promise<boolean> {
    this.#sweep(nowSeconds);
    const until = this.#used.get(key);
    if (until !== undefined && until > nowSeconds) return false;
    this.#used.set(key, expiresAt);
    return true;
  }

  async close(): Promise<void> {}

  #sweep(nowSeconds: number): void {
    if (nowSeconds - this.#lastSweep < 60) return;
    this.#lastSweep = nowSeconds;
    for (const [k, v] of this.#counters) if (v.end <= nowSeconds) this.#counters.delete(k);
    for (const [k, until] of this.#used) if (until <= nowSeconds) this.#used.delete(k);
  }
}
