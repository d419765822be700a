import { decryptTokenWithContainer, type SdkDecryptionResult } from '@uid2-ts/core';
import type { KeyClientOptions } from './lib/key-refresh.js';
import { KeyedClient } from './lib/keyed-client.js';

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
export class BidstreamClient extends KeyedClient {
  /** Creates a client; `clock` (epoch ms) is for tests and defaults to `Date.now`. */
  constructor(options: KeyClientOptions) {
    super(options, PATH);
  }

  /**
   * Decrypts an advertising token into its raw UID2, synchronously, in the reference SDKs' check
   * order (keys loaded → keys current → token version → identity scope → master key → site key →
   * payload → expiry → domain/app name for client-side tokens → token lifetime). `domainOrAppName`
   * is the bid request's site domain or app name; it is checked only for client-side-generated
   * tokens (`DomainOrAppNameCheckFailed`). Never throws.
   */
  decryptTokenIntoRawUid(token: string, domainOrAppName?: string | null): DecryptionResponse {
    return decryptTokenWithContainer(this.container, token, {
      nowMs: this.now(),
      mode: 'bidstream',
      domainOrAppName,
    });
  }
}
