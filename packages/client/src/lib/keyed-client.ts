import type { KeyContainer } from '@uid2-ts/core';
import { type AutoRefreshOptions, type KeyClientOptions, KeyRefresher } from './key-refresh.js';

/**
 * What the clients that work from a key container share (`BidstreamClient`, `SharingClient`): fetching
 * the keys from their endpoint, loading a ready response, periodic refresh, and the clock.
 */
export abstract class KeyedClient {
  readonly #keys: KeyRefresher;
  readonly #clock: () => number;

  protected constructor(options: KeyClientOptions, path: string) {
    this.#keys = new KeyRefresher(options, path);
    this.#clock = options.clock ?? Date.now;
  }

  /**
   * Fetches the current keys from the client's key endpoint. Rejects with `Uid2Error` on failure (the
   * previous keys, if any, stay in use). Concurrent calls share one request.
   */
  refresh(): Promise<void> {
    return this.#keys.refresh();
  }

  /**
   * Loads keys from an already-decrypted key-endpoint response (Java `refreshJson`): the
   * `{"status","body"}` object, its `body`, or their JSON text. Throws `Uid2Error` (`invalid_keys`).
   */
  refreshJson(json: unknown): void {
    this.#keys.load(json);
  }

  /** Refreshes the keys every `intervalMs` (default 1 hour) until {@link stopAutoRefresh}; the timer does not keep the process alive. */
  startAutoRefresh(options?: AutoRefreshOptions): void {
    this.#keys.startAutoRefresh(options);
  }

  /** Stops the periodic refresh. */
  stopAutoRefresh(): void {
    this.#keys.stopAutoRefresh();
  }

  /** True once keys have been loaded. */
  get hasKeys(): boolean {
    return this.#keys.container !== undefined;
  }

  /** The loaded key container (undefined before the first refresh). */
  protected get container(): KeyContainer | undefined {
    return this.#keys.container;
  }

  /** Now, in epoch milliseconds (the injected clock in tests). */
  protected now(): number {
    return this.#clock();
  }
}
