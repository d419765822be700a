import {
  decryptTokenWithContainer,
  encryptRawUidIntoToken,
  type SdkDecryptionResult,
  type SdkEncryptionResult,
} from '@uid2-ts/core';
import { type AutoRefreshOptions, type KeyClientOptions, KeyRefresher } from './lib/key-refresh.js';

/**
 * Sharing-encryption outcome: `status` is `Success` (with `token`), `NotInitialized`, `KeysNotSynced`,
 * `NotAuthorizedForMasterKey`, `NotAuthorizedForKey` or `EncryptionFailure`.
 */
export type EncryptionResponse = SdkEncryptionResult;

const PATH = '/v2/key/sharing';

/**
 * Encrypts raw UID2s into sharing tokens and decrypts tokens shared with the caller (the reference
 * `SharingClient`), with keys from `POST /v2/key/sharing` (SHARER or ID_READER key). Call
 * {@link SharingClient.refresh} before use, then periodically.
 */
export class SharingClient {
  readonly #keys: KeyRefresher;
  readonly #clock: () => number;

  /** Creates a client; `clock` (epoch ms) is for tests and defaults to `Date.now`. */
  constructor(options: KeyClientOptions) {
    this.#keys = new KeyRefresher(options, PATH);
    this.#clock = options.clock ?? Date.now;
  }

  /** Fetches the current keys from `/v2/key/sharing`; rejects with `Uid2Error` (previous keys stay). */
  refresh(): Promise<void> {
    return this.#keys.refresh();
  }

  /** Loads keys from an already-decrypted `/v2/key/sharing` response (Java `refreshJson`). Throws `Uid2Error`. */
  refreshJson(json: unknown): void {
    this.#keys.load(json);
  }

  /** Refreshes the keys every `intervalMs` (default 1 hour) until {@link stopAutoRefresh}. */
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
   * Encrypts a base64 raw UID2 into a v4 sharing token under the caller's default keyset and the
   * current master key, valid for the container's `token_expiry_seconds`. Never throws.
   */
  encryptRawUidIntoToken(rawUid: string): EncryptionResponse {
    return encryptRawUidIntoToken(this.#keys.container, rawUid, { nowMs: this.#clock() });
  }

  /**
   * Decrypts a sharing token into its raw UID2 (sharing lifetime rules, no domain check), with the
   * same statuses and check order as the bidstream client. Never throws.
   */
  decryptTokenIntoRawUid(token: string): SdkDecryptionResult {
    return decryptTokenWithContainer(this.#keys.container, token, { nowMs: this.#clock(), mode: 'sharing' });
  }
}
