import { hash } from 'node:crypto';

/**
 * First-level hash (FLH): SHA-256 over the base64 *text* of the identity hash followed by the
 * first-level salt *string* (never base64-decoded), returned as base64 text. The FLH is what the
 * operator keeps in refresh tokens and opt-out records, and what selects the salt bucket.
 */
export function firstLevelHash(identityHashB64: string, firstLevelSalt: string): string {
  return hash('sha256', identityHashB64 + firstLevelSalt, 'base64');
}
