import { decryptTokenWithContainer, type SdkDecryptionResult } from '@uid2-ts/core';
import { type AutoRefreshOptions, type KeyClientOptions, KeyRefresher } from './lib/key-refresh.js';

/**
 * Decryption outcome: `status` is one of the SDK statuses (`Success`, `NotAuthorizedForMasterKey`,
 * `NotAuthorizedForKey`, `NotInitialized`, `InvalidPayload`, `ExpiredToken`, `KeysNotSynced`,
 * `VersionNotSupported`, `InvalidIdentityScope`, `DomainOrAppNameCheckFailed`,
 * `InvalidTokenLifetime`); `uid` (base64 raw UID2) only on `Success`. Times are epoch ms.
 */
export type DecryptionResponse = SdkDecryptionResult;

const PATH = '/v2/key/bidstream';

/**
 * Decrypts advertising tokens from the bidstream (the reference `BidstreamClient`), with keys from
 * `POST /v2/key/bidstream` (ID_READER key). Call {@link BidstreamClient.refresh} once before
 * decrypting, then periodically ({@link BidstreamClient.startAutoRefresh}).
 */
export class BidstreamClient {
  readonly #keys: KeyRefresher;
  readonly #clock: () => number;

  /** Creates a client; `clock` (epoch ms) is for tests and defaults to `Date.now`. */
  constructor(options: KeyClientOptions) {
    this.#keys = new KeyRefresher(options, PATH);
    this.#clock = options.clock ?? Date.now;
  }

  /**
   * Fetches the current keys from `/v2/key/bidstream`. Rejects with `Uid2Error` on failure (the
   * previous keys, if any, stay in use). Concurrent calls share one request.
   */
  refresh(): Promise<void> {
    return this.#keys.refresh();
  }

  /**
   * Loads keys from an already-decrypted `/v2/key/bidstream` response (Java `refreshJson`): the
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

  /**
   * Decrypts an advertising token into its raw UID2, synchronously, in the reference SDKs' check
   * order (keys loaded → keys current → token version → identity scope → master key → site key →
   * payload → expiry → domain/app name for client-side tokens → token lifetime). `domainOrAppName`
   * is the bid request's site domain or app name; it is checked only for client-side-generated
   * tokens (`DomainOrAppNameCheckFailed`). Never throws.
   */
  decryptTokenIntoRawUid(token: string, domainOrAppName?: string | null): DecryptionResponse {
    return decryptTokenWithContainer(this.#keys.container, token, {
      nowMs: this.#clock(),
      mode: 'bidstream',
      domainOrAppName,
    });
  }
}
