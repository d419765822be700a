import type { Buffer } from 'node:buffer';

/**
 * One symmetric key of a keyset (reference `KeysetKey`). Times are epoch **seconds**, as in key JSON;
 * `secret` is the raw AES key (32 bytes for every UID2 key). Key ids are global across keysets.
 */
export interface KeysetKey {
  readonly id: number;
  readonly keysetId: number;
  readonly created: number;
  readonly activates: number;
  readonly expires: number;
  readonly secret: Buffer;
}

/**
 * A keyset (reference `Keyset`): owned by one site, optionally shared with `allowedSites`
 * (`null` means "no list": visible to ID_READER callers only). Each site has at most one enabled
 * default keyset. `created` is epoch seconds.
 */
export interface Keyset {
  readonly keysetId: number;
  readonly siteId: number;
  readonly name: string;
  readonly allowedSites: readonly number[] | null;
  readonly created: number;
  readonly enabled: boolean;
  readonly isDefault: boolean;
}

/** Keyset −1: master keys (encrypt the outer layer of advertising tokens). Always visible to key clients. */
export const MASTER_KEYSET_ID = -1;
/** Keyset −2: refresh-token keys. Never sent to SDKs. */
export const REFRESH_KEYSET_ID = -2;
/** Keyset 2 (owned by site 2): fallback publisher keyset when a site has no default keyset. */
export const FALLBACK_PUBLISHER_KEYSET_ID = 2;
/** Site −1 owns the master keyset. */
export const MASTER_KEY_SITE_ID = -1;
/** Site −2 owns the refresh keyset. */
export const REFRESH_KEY_SITE_ID = -2;
/** Site 1: deprecated default client site. */
export const DEFAULT_CLIENT_SITE_ID = 1;
/** Site 2 (`AdvertisingTokenSiteId`): owner of the fallback publisher keyset. */
export const FALLBACK_PUBLISHER_SITE_ID = 2;
/** What `/v2/key/sharing` writes in place of keyset −1, because SDKs assume positive keyset ids. */
export const MASTER_KEYSET_ID_FOR_SDKS = 9999999;
/** Seconds the operator adds to the published maximum token lifetimes (`TOKEN_LIFETIME_TOLERANCE`). */
export const TOKEN_LIFETIME_TOLERANCE_SECONDS = 10;
/** Default `allow_clock_skew_seconds` (operator config and SDK parsers). */
export const DEFAULT_ALLOW_CLOCK_SKEW_SECONDS = 1800;
/** SDK default for a missing or zero `token_expiry_seconds`: 30 days. */
export const DEFAULT_SHARING_TOKEN_EXPIRY_SECONDS = 2592000;
