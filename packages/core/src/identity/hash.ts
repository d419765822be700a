import { Buffer } from 'node:buffer';
import { hash } from 'node:crypto';

const HEX64_RE = /^[0-9A-Fa-f]{64}$/;
const B64_HASH_RE = /^[A-Za-z0-9+/]{43}=$/;

/**
 * SHA-256 of the UTF-8 bytes of an already-normalized email or phone number, as the 44-character
 * base64 text that travels on the wire (`email_hash` / `phone_hash`).
 */
export function hashNormalizedIdentity(normalized: string): string {
  return hash('sha256', normalized, 'base64');
}

/**
 * Validates a supplied identity hash (`email_hash` / `phone_hash`) the way the reference operator
 * does: exactly 44 base64 characters, or exactly 64 hex characters (either case), which are
 * converted to the base64 form. Returns the 44-character base64 text, or undefined when invalid.
 *
 * Deliberate tightening of a reference quirk: the reference accepts any 44-character base64 string,
 * including an unpadded one that decodes to 33 bytes. We accept only strings that decode to exactly
 * 32 bytes (a SHA-256 digest): 43 base64 characters followed by `=`.
 */
export function parseIdentityHash(text: string): string | undefined {
  if (text.length === 44) {
    return B64_HASH_RE.test(text) ? text : undefined;
  }
  if (text.length === 64 && HEX64_RE.test(text)) return Buffer.from(text, 'hex').toString('base64');
  return undefined;
}
