import type { IdentityScope, IdentityType } from '../../identity/types.js';
import { decodeIdentityByte } from '../../identity/types.js';
import { fail, ok, type Result } from '../../lib/result.js';
import type { KeyLookup, TokenError, TokenKey } from '../types.js';
import { parseAdvertisingTokenHeader } from './header.js';
import type { AdvertisingTokenHeader, AdvertisingTokenInput, DecodedAdvertisingToken } from './types.js';
import { decryptAdvertisingTokenV2, encodeAdvertisingTokenV2 } from './v2.js';
import { decryptAdvertisingTokenV3V4, encodeAdvertisingTokenV3V4 } from './v3v4.js';

/**
 * Mints an advertising token in the requested version (v4 by default): v4 is base64url without
 * padding, v3 and v2 standard base64. Throws RangeError on keys of the wrong length.
 */
export function encodeAdvertisingToken(
  input: AdvertisingTokenInput,
  masterKey: TokenKey,
  siteKey: TokenKey,
): string {
  const version = input.version ?? 4;
  if (masterKey.secret.length !== 32 || siteKey.secret.length !== 32) {
    throw new RangeError('token keys must be 32 bytes');
  }
  return version === 2
    ? encodeAdvertisingTokenV2(input, masterKey, siteKey)
    : encodeAdvertisingTokenV3V4(input, version, masterKey, siteKey);
}

/** Decrypts a token whose header was parsed with parseAdvertisingTokenHeader. Never throws. */
export function decryptAdvertisingToken(
  header: AdvertisingTokenHeader,
  getKey: KeyLookup,
): Result<DecodedAdvertisingToken, TokenError> {
  return header.version === 2
    ? decryptAdvertisingTokenV2(header, getKey)
    : decryptAdvertisingTokenV3V4(header, getKey);
}

/** Parses and decrypts an advertising token in one step. Never throws. */
export function decodeAdvertisingToken(
  token: string,
  getKey: KeyLookup,
): Result<DecodedAdvertisingToken, TokenError> {
  const header = parseAdvertisingTokenHeader(token);
  return header.ok ? decryptAdvertisingToken(header.value, getKey) : header;
}

/**
 * The identity the reference operator reads from a decrypted token (`decodeAdvertisingTokenV3orV4`,
 * used by /v2/token/validate): a 32-byte raw UID counts as UID2/email whatever the header says; a
 * longer one carries scope and type in its first byte, which must agree with the header's.
 */
export function operatorViewOfTokenIdentity(
  token: DecodedAdvertisingToken,
): Result<{ scope: IdentityScope; type: IdentityType }, TokenError> {
  if (token.version === 2 || token.rawUid.length <= 32) return ok({ scope: 'UID2', type: 'email' });
  const fromUid = decodeIdentityByte(token.rawUid[0] as number);
  if (fromUid.scope !== token.scope || fromUid.type !== token.type) {
    return fail('identity_mismatch', 'raw UID identity does not match the token header');
  }
  return ok(fromUid);
}
