import { decodeIdentityByte } from '../../identity/types.js';
import { fail, ok, type Result } from '../../lib/result.js';
import { decodeTokenText } from '../../lib/token-base64.js';
import type { TokenError } from '../types.js';
import type { AdvertisingTokenHeader } from './types.js';

/**
 * Decodes a token's text and reads its header, with the SDKs' dispatch rules: byte 0 == 2 → v2,
 * byte 1 == 0x70 → v3, byte 1 == 0x80 → v4 (either base64 alphabet is accepted, as Java and Python
 * do for v4); anything else is `version_not_supported`. Text that is not base64 or too short to
 * hold a header is `invalid_payload`.
 */
export function parseAdvertisingTokenHeader(token: string): Result<AdvertisingTokenHeader, TokenError> {
  if (typeof token !== 'string' || token.length < 4) return fail('invalid_payload', 'token is too short');
  const bytes = decodeTokenText(token);
  if (bytes === undefined) return fail('invalid_payload', 'token is not valid base64');
  if (bytes.length >= 1 && bytes[0] === 0x02) {
    if (bytes.length < 5) return fail('invalid_payload', 'token is too short');
    return ok({ version: 2, scope: 'UID2', type: 'email', masterKeyId: bytes.readInt32BE(1), bytes });
  }
  if (bytes.length < 2) return fail('invalid_payload', 'token is too short');
  const v = bytes[1];
  if (v !== 0x70 && v !== 0x80) return fail('version_not_supported', `unsupported token version byte ${v}`);
  if (bytes.length < 6) return fail('invalid_payload', 'token is too short');
  const { scope, type } = decodeIdentityByte(bytes[0] as number);
  return ok({ version: v === 0x70 ? 3 : 4, scope, type, masterKeyId: bytes.readInt32BE(2), bytes });
}
