import { normalizeEmail } from './email.js';
import { hashNormalizedIdentity, parseIdentityHash } from './hash.js';
import { isNormalizedPhone } from './phone.js';
import type { IdentityType } from './types.js';

/** The four ways a participant can supply an identity (the JSON field names of the API). */
export type IdentityInputKind = 'email' | 'phone' | 'email_hash' | 'phone_hash';

export const IDENTITY_INPUT_KINDS: readonly IdentityInputKind[] = [
  'email',
  'phone',
  'email_hash',
  'phone_hash',
];

/** A validated identity: its type and the base64 text of SHA-256(normalized DII). */
export interface HashedIdentity {
  readonly type: IdentityType;
  readonly hashB64: string;
}

export function identityTypeOfInput(kind: IdentityInputKind): IdentityType {
  return kind === 'email' || kind === 'email_hash' ? 'email' : 'phone';
}

/**
 * Turns one supplied value into a hashed identity: emails are normalized then hashed, phones are
 * validated (never normalized) then hashed, hashes are validated (44-char base64 or 64-char hex).
 * Returns undefined for an invalid identifier — the caller chooses the reference's message for its
 * endpoint ("Invalid Identifier", "invalid identifier", …). Never throws; non-strings are invalid.
 */
export function hashIdentityInput(kind: IdentityInputKind, value: unknown): HashedIdentity | undefined {
  if (typeof value !== 'string') return undefined;
  switch (kind) {
    case 'email': {
      const normalized = normalizeEmail(value);
      return normalized === undefined
        ? undefined
        : { type: 'email', hashB64: hashNormalizedIdentity(normalized) };
    }
    case 'phone':
      return isNormalizedPhone(value) ? { type: 'phone', hashB64: hashNormalizedIdentity(value) } : undefined;
    case 'email_hash':
    case 'phone_hash': {
      const hashB64 = parseIdentityHash(value);
      return hashB64 === undefined ? undefined : { type: identityTypeOfInput(kind), hashB64 };
    }
  }
}
