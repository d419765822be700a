import { Buffer } from 'node:buffer';
import { cbcDecrypt, cbcEncrypt } from '../../lib/aes-cbc.js';
import { readInt64BE, writeInt64BE } from '../../lib/bytes.js';
import { fail, ok, type Result } from '../../lib/result.js';
import { DEFAULT_OPERATOR_IDENTITY, type KeyLookup, type TokenError, type TokenKey } from '../types.js';
import { decodeV2Identity, encodeV2Identity } from '../v2-identity.js';
import type { DecodedRefreshToken, RefreshTokenFields } from './types.js';

/** v2 refresh tokens stay valid until expires + 60 s (`validTill`). */
export const REFRESH_V2_GRACE_MS = 60_000;

/**
 * Encodes a legacy v2 refresh token (125 bytes): `0x02 | created(8) | expires(8) | validTill(8) |
 * refreshKeyId(4) | CBC(refreshKey, siteId(4) | len(4) | FLH text | privacy(4) | established(8))`.
 * The operator no longer emits these; the encoder exists to test the decoder.
 */
export function encodeRefreshTokenV2(fields: RefreshTokenFields, refreshKey: TokenKey): Buffer {
  const idText = Buffer.from(fields.firstLevelHash, 'latin1');
  const identity = encodeV2Identity(fields.siteId, idText, fields.privacyBits, fields.establishedMs);
  const blob = cbcEncrypt(refreshKey.secret, identity);
  const out = Buffer.allocUnsafe(29 + blob.length);
  out[0] = 0x02;
  writeInt64BE(out, fields.createdMs, 1);
  writeInt64BE(out, fields.expiresMs, 9);
  writeInt64BE(out, fields.expiresMs + REFRESH_V2_GRACE_MS, 17);
  out.writeInt32BE(refreshKey.id, 25);
  blob.copy(out, 29);
  return out;
}

/** Decodes a v2 refresh token; its expiry is validTill (offset 17) and its identity UID2/email. */
export function decodeRefreshTokenV2(
  bytes: Buffer,
  getKey: KeyLookup,
): Result<DecodedRefreshToken, TokenError> {
  if (bytes.length < 29 + 32) return fail('invalid_payload', 'refresh token is too short');
  const refreshKeyId = bytes.readInt32BE(25);
  const key = getKey(refreshKeyId);
  if (!key) return fail('unknown_refresh_key', `unknown refresh key ${refreshKeyId}`);
  const plain = cbcDecrypt(key.secret, bytes.subarray(29));
  const identity = plain && decodeV2Identity(plain);
  if (!identity) return fail('invalid_payload', 'refresh token does not decrypt');
  return ok({
    version: 2,
    refreshKeyId,
    scope: 'UID2',
    type: 'email',
    createdMs: readInt64BE(bytes, 1),
    expiresMs: readInt64BE(bytes, 17),
    operator: DEFAULT_OPERATOR_IDENTITY,
    siteId: identity.siteId,
    publisherId: 0,
    clientKeyId: 0,
    firstLevelHash: identity.idText.toString('latin1'),
    privacyBits: identity.privacyBits,
    establishedMs: identity.establishedMs,
  });
}
