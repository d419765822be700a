import type { Buffer } from 'node:buffer';
import { fromBase64 } from '../../lib/base64.js';
import { fail, type Result } from '../../lib/result.js';
import type { KeyLookup, TokenError } from '../types.js';
import { decodeRefreshTokenV2 } from './inner-v2.js';
import { decodeRefreshTokenV3 } from './inner-v3.js';
import type { DecodedRefreshToken } from './types.js';

/** Decodes inner refresh-token bytes: byte 1 == 0x70 → v3, else byte 0 == 0x02 → v2. Never throws. */
export function decodeRefreshTokenBytes(
  bytes: Buffer,
  getKey: KeyLookup,
): Result<DecodedRefreshToken, TokenError> {
  if (bytes.length >= 2 && bytes[1] === 0x70) return decodeRefreshTokenV3(bytes, getKey);
  if (bytes.length >= 1 && bytes[0] === 0x02) return decodeRefreshTokenV2(bytes, getKey);
  return fail('version_not_supported', 'unknown refresh token version');
}

/** Decodes an inner refresh token given as standard base64 text. Never throws. */
export function decodeRefreshToken(text: string, getKey: KeyLookup): Result<DecodedRefreshToken, TokenError> {
  const bytes = typeof text === 'string' ? fromBase64(text) : undefined;
  if (!bytes) return fail('invalid_payload', 'refresh token is not valid base64');
  return decodeRefreshTokenBytes(bytes, getKey);
}
