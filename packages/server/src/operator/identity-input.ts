import { type HashedIdentity, hashIdentityInput, type IdentityInputKind } from '@uid2-ts/core';

export const EXACTLY_ONE_MESSAGE =
  'Required Parameter Missing: exactly one of [email, email_hash, phone, phone_hash] must be specified';
export const EXACTLY_ONE_EMAIL_MESSAGE =
  'Required Parameter Missing: exactly one of email or email_hash must be specified';
export const INVALID_IDENTIFIER_MESSAGE = 'Invalid Identifier';

export type SingleIdentity =
  | {
      readonly ok: true;
      readonly kind: IdentityInputKind;
      readonly input: unknown;
      readonly identity: HashedIdentity;
    }
  | {
      readonly ok: false;
      readonly reason: 'missing' | 'invalid';
      readonly kind?: IdentityInputKind;
      readonly input?: unknown;
    };

/**
 * The "exactly one of email, email_hash, phone, phone_hash" rule of generate, validate and logout:
 * a key whose value is JSON null counts as absent; with phone support off the phone keys are ignored.
 */
export function singleIdentity(
  payload: Record<string, unknown> | undefined,
  phoneSupport: boolean,
): SingleIdentity {
  const kinds: IdentityInputKind[] = phoneSupport
    ? ['email', 'email_hash', 'phone', 'phone_hash']
    : ['email', 'email_hash'];
  let found: IdentityInputKind | undefined;
  for (const k of kinds) {
    const v = payload?.[k];
    if (v === undefined || v === null) continue;
    if (found !== undefined) return { ok: false, reason: 'missing' };
    found = k;
  }
  if (found === undefined) return { ok: false, reason: 'missing' };
  const input = payload?.[found];
  const identity = hashIdentityInput(found, input);
  return identity
    ? { ok: true, kind: found, input, identity }
    : { ok: false, reason: 'invalid', kind: found, input };
}

export function exactlyOneMessage(phoneSupport: boolean): string {
  return phoneSupport ? EXACTLY_ONE_MESSAGE : EXACTLY_ONE_EMAIL_MESSAGE;
}
