/**
 * @uid2-ts/client — Node.js server-side SDK for UID2 operators (uid2-ts or any UID2 operator).
 * One client per integration: publishers, advertisers/data providers (identity map), DSPs
 * (bidstream), sharers and opt-out status. No runtime dependencies beyond `@uid2-ts/core`.
 */

export type { SdkDecryptionStatus, SdkEncryptionStatus } from '@uid2-ts/core';
export { BidstreamClient, type DecryptionResponse } from './bidstream-client.js';
export {
  IdentityMapClient,
  type IdentityMapClientOptions,
  type IdentityMapInput,
  type IdentityMapResult,
  MAX_IDENTITY_MAP_BATCH,
  type MappedIdentity,
  type UnmappedIdentity,
  type UnmappedReason,
} from './identity-map-client.js';
export {
  IdentityMapV2Client,
  type IdentityMapV2Result,
  type MappedIdentityV2,
} from './identity-map-v2-client.js';
export { Uid2Error, type Uid2ErrorCode } from './lib/errors.js';
export type { RetryOptions, Uid2ClientOptions } from './lib/http.js';
export type { AutoRefreshOptions, KeyClientOptions } from './lib/key-refresh.js';
export { OptOutClient, type OptOutIdentity, type OptOutRequestOptions } from './optout-client.js';
export {
  OptOutStatusClient,
  type OptOutStatusClientOptions,
  type OptOutStatusResult,
} from './optout-status-client.js';
export {
  type IdentityTokens,
  identityFromJson,
  identityToJson,
  isDueForRefresh,
  isIdentityExpired,
  isRefreshable,
  PublisherClient,
  type TokenGenerateInput,
  type TokenGenerateOptions,
  type TokenResult,
} from './publisher-client.js';
export { type EncryptionResponse, SharingClient } from './sharing-client.js';

/** Version of the Node.js UID2 SDK, sent as X-UID2-Client-Version. */
export { CLIENT_VERSION } from './version.js';
