import { Buffer } from 'node:buffer';
import { decodeIdentityByte, identityPrefixByte } from '../../identity/types.js';
import { gcmDecrypt, gcmSealInto } from '../../lib/aes-gcm.js';
import { readInt64BE, writeInt64BE } from '../../lib/bytes.js';
import { fail, ok, type Result } from '../../lib/result.js';
import type { KeyLookup, TokenError, TokenKey } from '../types.js';
import type { DecodedRefreshToken, RefreshTokenFields } from './types.js';

const PAYLOAD = 90;
/** Byte length of an inner v3 refresh token (168 base64 characters). */
export const REFRESH_TOKEN_V3_LENGTH = 6 + 12 + PAYLOAD + 16;

/**
 * Encodes the inner v3 refresh token (124 bytes):
 * `identity(1) | 0x70 | refreshKeyId(4) | GCM(refreshKey, expires(8) | created(8) | operator(13) |
 * siteId(4) publisherId(8) clientKeyId(4) | privacy(4) | established(8) | identity(1) | FLH(32))`.
 */
export function encodeRefreshTokenV3(fields: RefreshTokenFields, refreshKey: TokenKey): Buffer {
  const flh = Buffer.from(fields.firstLevelHash, 'base64');
  if (flh.length !== 32) throw new RangeError('first-level hash must be 32 bytes');
  const prefix = identityPrefixByte(fields.scope, fields.type);
  const p = Buffer.allocUnsafe(PAYLOAD);
  writeInt64BE(p, fields.expiresMs, 0);
  writeInt64BE(p, fields.createdMs, 8);
  p.writeInt32BE(fields.operator.siteId, 16);
  p[20] = fields.operator.type & 0xff;
  p.writeInt32BE(fields.operator.version, 21);
  p.writeInt32BE(fields.operator.keyId, 25);
  p.writeInt32BE(fields.siteId, 29);
  writeInt64BE(p, fields.publisherId, 33);
  p.writeInt32BE(fields.clientKeyId, 41);
  p.writeInt32BE(fields.privacyBits, 45);
  writeInt64BE(p, fields.establishedMs, 49);
  p[57] = prefix;
  flh.copy(p, 58);
  const out = Buffer.allocUnsafe(REFRESH_TOKEN_V3_LENGTH);
  out[0] = prefix;
  out[1] = 0x70;
  out.writeInt32BE(refreshKey.id, 2);
  gcmSealInto(refreshKey.secret, p, out, 6);
  return out;
}

/** Decodes an inner v3 refresh token; the identity bytes inside and outside must agree. */
export function decodeRefreshTokenV3(
  bytes: Buffer,
  getKey: KeyLookup,
): Result<DecodedRefreshToken, TokenError> {
  if (bytes.length < 6) return fail('invalid_payload', 'refresh token is too short');
  const refreshKeyId = bytes.readInt32BE(2);
  const key = getKey(refreshKeyId);
  if (!key) return fail('unknown_refresh_key', `unknown refresh key ${refreshKeyId}`);
  const p = gcmDecrypt(key.secret, bytes.subarray(6));
  if (!p || p.length !== PAYLOAD) return fail('invalid_payload', 'refresh token does not decrypt');
  const outer = decodeIdentityByte(bytes[0] as number);
  const inner = decodeIdentityByte(p[57] as number);
  if (outer.scope !== inner.scope || outer.type !== inner.type) {
    return fail('identity_mismatch', 'refresh token identity bytes disagree');
  }
  return ok({
    version: 3,
    refreshKeyId,
    scope: outer.scope,
    type: outer.type,
    expiresMs: readInt64BE(p, 0),
    createdMs: readInt64BE(p, 8),
    operator: {
      siteId: p.readInt32BE(16),
      type: p[20] as number,
      version: p.readInt32BE(21),
      keyId: p.readInt32BE(25),
    },
    siteId: p.readInt32BE(29),
    publisherId: readInt64BE(p, 33),
    clientKeyId: p.readInt32BE(41),
    privacyBits: p.readInt32BE(45),
    establishedMs: readInt64BE(p, 49),
    firstLevelHash: p.subarray(58, 90).toString('base64'),
  });
}
