import type { CodedError } from '../lib/result.js';

/** A symmetric key as the token codecs need it: its id (written into tokens) and 32-byte secret. */
export interface TokenKey {
  readonly id: number;
  readonly secret: Uint8Array;
}

/** Looks a key up by id. Decryption never filters by activation window (reference rule). */
export type KeyLookup = (id: number) => TokenKey | undefined;

/** The operator that minted a token: (siteId 0, type 1 = service, version 0, keyId 0) for ours. */
export interface OperatorIdentity {
  readonly siteId: number;
  readonly type: number;
  readonly version: number;
  readonly keyId: number;
}

export const DEFAULT_OPERATOR_IDENTITY: OperatorIdentity = Object.freeze({
  siteId: 0,
  type: 1,
  version: 0,
  keyId: 0,
});

export type TokenErrorCode =
  | 'invalid_payload'
  | 'version_not_supported'
  | 'unknown_master_key'
  | 'unknown_site_key'
  | 'unknown_refresh_key'
  | 'identity_mismatch';

export type TokenError = CodedError<TokenErrorCode>;

/** Privacy bits written into tokens (reference `PrivacyBits`). */
export const PRIVACY_BIT_LEGACY = 1;
export const PRIVACY_BIT_CLIENT_SIDE = 2;
export const PRIVACY_BIT_OPTED_OUT = 4;
