import type { IdentityInputKind } from '@uid2-ts/core';
import { exactlyOneMessage } from '../identity-input.js';

/** The four identity lists of the map endpoints, in the reference's order. */
export const MAP_KINDS: readonly IdentityInputKind[] = ['email', 'email_hash', 'phone', 'phone_hash'];
const EMAIL_KINDS: readonly IdentityInputKind[] = ['email', 'email_hash'];

export const INCORRECT_REQUEST_FORMAT = 'Incorrect request format';
export const ONE_OR_MORE_MESSAGE =
  'Required Parameter Missing: one or more of [email, email_hash, phone, phone_hash] must be specified';
export const ONE_OR_MORE_EMAIL_MESSAGE =
  'Required Parameter Missing: one or more of [email, email_hash] must be specified';

/**
 * One element of a v2 map list: a string is the identifier itself; any other non-null JSON value
 * can never be a valid identifier (the reference turns it into its Java text form and reports it
 * as `invalid identifier`), so it is carried as the text to echo, already known invalid.
 */
export type V2Element = string | { readonly invalid: string };

export type V2MapRequest =
  | { readonly ok: true; readonly kind: IdentityInputKind; readonly values: readonly V2Element[] }
  | { readonly ok: false; readonly message: string };

/**
 * `/v2/identity/map` input (`getIdentityMapV2Input`): keys are read in the order email,
 * email_hash, phone, phone_hash (phone keys are ignored when phone support is off); JSON null
 * counts as absent; a present non-array value fails with `<key> must be an array`; a second
 * non-empty list, or no key at all, fails with the "exactly one" message. Unknown keys are
 * ignored. Where the reference crashes with a 500 (no JSON in the envelope, a null element in the
 * chosen list) this answers 400 instead. All lists empty → `kind` email with no values.
 */
export function parseV2MapRequest(
  payload: Record<string, unknown> | undefined,
  phoneSupport: boolean,
): V2MapRequest {
  const missing = { ok: false, message: exactlyOneMessage(phoneSupport) } as const;
  if (payload === undefined) return missing;
  let present = false;
  let chosen: IdentityInputKind | undefined;
  let list: readonly unknown[] = [];
  for (const kind of phoneSupport ? MAP_KINDS : EMAIL_KINDS) {
    const value = payload[kind];
    if (value === undefined || value === null) continue;
    if (!Array.isArray(value)) return { ok: false, message: `${kind} must be an array` };
    present = true;
    if (value.length === 0) continue;
    if (chosen !== undefined) return missing;
    chosen = kind;
    list = value;
  }
  if (!present) return missing;
  if (chosen === undefined) return { ok: true, kind: 'email', values: [] };
  const values: V2Element[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const v = list[i];
    if (typeof v === 'string') values[i] = v;
    else if (v === null) return { ok: false, message: `${chosen} must not contain null values` };
    else values[i] = { invalid: typeof v === 'object' ? JSON.stringify(v) : String(v) };
  }
  return { ok: true, kind: chosen, values };
}

/** A v3 list element: the identifier text, or null for a number/boolean (never a valid identifier). */
export type V3Element = string | null;

export type V3MapRequest =
  | { readonly ok: true; readonly lists: Readonly<Record<IdentityInputKind, readonly V3Element[]>> }
  | { readonly ok: false; readonly message: string };

const EMPTY: readonly V3Element[] = [];

/**
 * `/v3/identity/map` input, read like the reference's strict Jackson binding of
 * `IdentityMapV3Request`: no JSON or `{}` → the "one or more" message (email-only wording when
 * phone support is off; phone lists are still mapped then, as in the reference); any other key
 * (`link_id` included), a non-array value, or a null/object/array element → `Incorrect request
 * format`; a key whose value is null is an empty list. Numbers and booleans are coerced to text
 * by Jackson and can never be valid identifiers, so they are kept as null (→ `invalid identifier`).
 */
export function parseV3MapRequest(
  payload: Record<string, unknown> | undefined,
  phoneSupport: boolean,
): V3MapRequest {
  if (payload === undefined) return { ok: false, message: oneOrMoreMessage(phoneSupport) };
  let keys = 0;
  for (const key in payload) {
    if (!Object.hasOwn(payload, key)) continue;
    keys++;
    if (key !== 'email' && key !== 'email_hash' && key !== 'phone' && key !== 'phone_hash') {
      return { ok: false, message: INCORRECT_REQUEST_FORMAT };
    }
  }
  if (keys === 0) return { ok: false, message: oneOrMoreMessage(phoneSupport) };
  const lists: Record<IdentityInputKind, readonly V3Element[]> = {
    email: EMPTY,
    email_hash: EMPTY,
    phone: EMPTY,
    phone_hash: EMPTY,
  };
  for (const kind of MAP_KINDS) {
    const value = payload[kind];
    if (value === undefined || value === null) continue;
    if (!Array.isArray(value)) return { ok: false, message: INCORRECT_REQUEST_FORMAT };
    let coerced: V3Element[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      if (typeof v === 'string') continue;
      if (typeof v !== 'number' && typeof v !== 'boolean')
        return { ok: false, message: INCORRECT_REQUEST_FORMAT };
      coerced ??= value.slice() as V3Element[];
      coerced[i] = null;
    }
    lists[kind] = coerced ?? (value as string[]);
  }
  return { ok: true, lists };
}

export function oneOrMoreMessage(phoneSupport: boolean): string {
  return phoneSupport ? ONE_OR_MORE_MESSAGE : ONE_OR_MORE_EMAIL_MESSAGE;
}
