import { Buffer } from 'node:buffer';
import type { IdentityScope } from '../../identity/types.js';
import { SCOPE_BITS } from '../../identity/types.js';
import { gcmDecrypt, gcmEncrypt } from '../../lib/aes-gcm.js';
import { fromBase64, toBase64 } from '../../lib/base64.js';
import { randomBytes } from '../../lib/random.js';
import { type CodedError, fail, ok, type Result } from '../../lib/result.js';
import type { KeyLookup, TokenKey } from '../types.js';
import { WRAPPED_REFRESH_TOKEN_LENGTH } from './types.js';

/** What a client receives as `refresh_token`, and what it sends back to /v2/token/refresh. */
export interface WrappedRefreshToken {
  /** The 388-character base64 text. */
  readonly refreshToken: string;
  /** base64 of a fresh 32-byte key; the refresh response will be encrypted with it. */
  readonly refreshResponseKey: string;
}

export type WrappedRefreshErrorCode = 'invalid_base64' | 'unknown_key' | 'decrypt_failed' | 'invalid_format';

/**
 * Wraps an inner refresh token for the client: `scope(1) | refreshKeyId(4) | GCM(refreshKey, JSON)`
 * where JSON is `{"refresh_response_key":"…","refresh_token":"<base64 inner>"}` in that key order,
 * all base64 — 388 characters for a 124-byte inner token. Throws if the result is not 388
 * characters long, as the reference does.
 */
export function wrapRefreshToken(
  innerToken: Uint8Array,
  scope: IdentityScope,
  refreshKey: TokenKey,
  refreshResponseKey: Uint8Array = randomBytes(32),
): WrappedRefreshToken {
  const responseKey = toBase64(refreshResponseKey);
  const json = `{"refresh_response_key":"${responseKey}","refresh_token":"${toBase64(innerToken)}"}`;
  const blob = gcmEncrypt(refreshKey.secret, Buffer.from(json, 'latin1'));
  const out = Buffer.allocUnsafe(5 + blob.length);
  out[0] = SCOPE_BITS[scope] << 4;
  out.writeInt32BE(refreshKey.id, 1);
  blob.copy(out, 5);
  const refreshToken = out.toString('base64');
  if (refreshToken.length !== WRAPPED_REFRESH_TOKEN_LENGTH) {
    throw new RangeError(`wrapped refresh token is ${refreshToken.length} characters, must be 388`);
  }
  return { refreshToken, refreshResponseKey: responseKey };
}

/** The content of a wrapped refresh token. */
export interface UnwrappedRefreshToken {
  readonly refreshKeyId: number;
  /** base64 text of the inner token. */
  readonly innerToken: string;
  /** The 32-byte key the response to this refresh must be encrypted with. */
  readonly refreshResponseKey: Buffer;
}

/**
 * Opens a wrapped refresh token (operator side). Errors carry the reference's exact 400 messages:
 * "Invalid body: Body is not valid base64.", "Invalid key: Generator of this token (Key ID: n) does
 * not exist.", "Invalid data: Check encryption method and encryption key.", "Invalid format: Payload
 * is not valid json or missing required data.". Never throws.
 */
export function unwrapRefreshToken(
  text: string,
  getKey: KeyLookup,
): Result<UnwrappedRefreshToken, CodedError<WrappedRefreshErrorCode>> {
  const bytes = fromBase64(text);
  if (!bytes || bytes.length < 5) return fail('invalid_base64', 'Invalid body: Body is not valid base64.');
  const keyId = bytes.readInt32BE(1);
  const key = getKey(keyId);
  if (!key)
    return fail('unknown_key', `Invalid key: Generator of this token (Key ID: ${keyId}) does not exist.`);
  const plain = gcmDecrypt(key.secret, bytes.subarray(5));
  if (!plain) return fail('decrypt_failed', 'Invalid data: Check encryption method and encryption key.');
  const invalid = fail(
    'invalid_format',
    'Invalid format: Payload is not valid json or missing required data.',
  );
  let parsed: unknown;
  try {
    parsed = JSON.parse(plain.toString('utf8'));
  } catch {
    return invalid;
  }
  if (typeof parsed !== 'object' || parsed === null) return invalid;
  const { refresh_token: innerToken, refresh_response_key: responseKeyText } = parsed as Record<
    string,
    unknown
  >;
  if (typeof innerToken !== 'string' || typeof responseKeyText !== 'string') return invalid;
  const refreshResponseKey = fromBase64(responseKeyText);
  if (refreshResponseKey?.length !== 32) return invalid;
  return ok({ refreshKeyId: keyId, innerToken, refreshResponseKey });
}
