import { Buffer } from 'node:buffer';
import { hash } from 'node:crypto';
import type { IdentityScope, IdentityType } from '../identity/types.js';
import { SCOPE_BITS, TYPE_BITS } from '../identity/types.js';

/**
 * Raw UID2 in the "v2" format: SHA-256 over the base64 text of the FLH followed by the bucket's
 * salt string; 32 bytes, returned as 44 base64 characters.
 */
export function rawUidV2(flhB64: string, salt: string): string {
  return hash('sha256', flhB64 + salt, 'base64');
}

/**
 * Raw UID2 in the "v3" format: one byte (scope << 4) | (type << 2) followed by the 32 v2 bytes;
 * 33 bytes, 44 base64 characters (`A…` UID2 email, `B…` UID2 phone, `E…`/`F…` EUID).
 */
export function rawUidV3(flhB64: string, salt: string, scope: IdentityScope, type: IdentityType): string {
  const out = Buffer.allocUnsafe(33);
  out[0] = (SCOPE_BITS[scope] << 4) | (TYPE_BITS[type] << 2);
  // The hash as base64 text decoded into place: a `hash` returning a Buffer costs about 1 µs more.
  out.write(hash('sha256', flhB64 + salt, 'base64'), 1, 32, 'base64');
  return out.toString('base64');
}
