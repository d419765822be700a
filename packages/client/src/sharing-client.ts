import {
  decryptTokenWithContainer,
  encryptRawUidIntoToken,
  type SdkDecryptionResult,
  type SdkEncryptionResult,
} from '@uid2-ts/core';
import type { KeyClientOptions } from './lib/key-refresh.js';
import { KeyedClient } from './lib/keyed-client.js';

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
export class SharingClient extends KeyedClient {
  /** Creates a client; `clock` (epoch ms) is for tests and defaults to `Date.now`. */
  constructor(options: KeyClientOptions) {
    super(options, PATH);
  }

  /**
   * Encrypts a base64 raw UID2 into a v4 sharing token under the caller's default keyset and the
   * current master key, valid for the container's `token_expiry_seconds`. Never throws.
   */
  encryptRawUidIntoToken(rawUid: string): EncryptionResponse {
    return encryptRawUidIntoToken(this.container, rawUid, { nowMs: this.now() });
  }

  /**
   * Decrypts a sharing token into its raw UID2 (sharing lifetime rules, no domain check), with the
   * same statuses and check order as the bidstream client. Never throws.
   */
  decryptTokenIntoRawUid(token: string): SdkDecryptionResult {
    return decryptTokenWithContainer(this.container, token, { nowMs: this.now(), mode: 'sharing' });
  }
}
