import type { Result } from '../lib/result.js';
import { ok } from '../lib/result.js';
import { type CstgError, cstgFail } from './errors.js';
import { NOT_JSON, parseJsonText } from './json.js';

/** The JSON body of `POST /v2/token/client-generate` after top-level validation (wire field names). */
export interface CstgRequestBody {
  /** base64 of AES-GCM ciphertext || tag (the IV travels separately). */
  readonly payload?: string;
  /** base64 of the 12-byte IV. */
  readonly iv?: string;
  /** base64 SPKI DER of the client's ephemeral P-256 public key (no prefix). */
  readonly public_key?: string;
  /** Epoch milliseconds; only bound into the AAD (0 when absent, like Java's primitive `long`). */
  readonly timestamp: number;
  readonly subscription_id?: string;
  /** Mobile SDKs only; when present (even empty) it is part of the AAD. */
  readonly app_name?: string;
}

/**
 * The request fields server-side decryption reads. Values may be any JSON value: they are coerced
 * the way the reference's Jackson mapping onto `CstgRequest` does, so raw `JSON.parse` output works.
 */
export interface CstgRequestFields {
  readonly payload?: unknown;
  readonly iv?: unknown;
  readonly public_key?: unknown;
  readonly timestamp?: unknown;
  readonly app_name?: unknown;
}

/** A mapping failure: Jackson cannot turn this JSON value into the field's Java type. */
export const UNMAPPABLE: unique symbol = Symbol('unmappable');

/**
 * Coerces a JSON value onto a Java `String` field like Jackson's defaults: strings as is, numbers
 * and booleans as their text, null/absent as undefined, objects and arrays unmappable.
 */
export function coerceCstgText(value: unknown): string | undefined | typeof UNMAPPABLE {
  switch (typeof value) {
    case 'string':
      return value;
    case 'undefined':
      return undefined;
    case 'number':
    case 'boolean':
      return String(value);
    default:
      return value === null ? undefined : UNMAPPABLE;
  }
}

const INTEGER_TEXT = /^[+-]?[0-9]+$/;

/**
 * Coerces a JSON value onto the Java primitive `long timestamp` like Jackson's defaults: absent or
 * null → 0, fractional numbers truncated toward zero, integer strings parsed; anything else (and any
 * value outside JS's exact integer range, whose AAD text could not be reproduced) is unmappable.
 */
export function coerceCstgTimestamp(value: unknown): number | typeof UNMAPPABLE {
  let n: number;
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number') {
    n = Math.trunc(value);
  } else if (typeof value === 'string') {
    const text = value.trim();
    if (!INTEGER_TEXT.test(text)) return UNMAPPABLE;
    n = Number(text);
  } else {
    return UNMAPPABLE;
  }
  if (!Number.isSafeInteger(n)) return UNMAPPABLE;
  return n === 0 ? 0 : n; // no -0: it would print as 0 anyway
}

/** True for a JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Own property of a JSON object (never inherited ones). */
export function ownField(obj: Readonly<Record<string, unknown>>, name: string): unknown {
  return Object.hasOwn(obj, name) ? obj[name] : undefined;
}

const TEXT_FIELDS = ['payload', 'iv', 'public_key', 'subscription_id', 'app_name'] as const;
const KNOWN_FIELDS: ReadonlySet<string> = new Set<string>([...TEXT_FIELDS, 'timestamp']);

/**
 * Validates the top-level shape of an already-parsed client-generate body (between the reference's
 * check 1 and the subscription lookup): null/absent → `cstg_body_missing`, a non-object →
 * `cstg_body_invalid_json`, a field Jackson cannot map (object/array for a string field, non-integer
 * text or boolean for `timestamp`) or an unknown top-level field → `cstg_body_bad_field` (the
 * reference's `body.mapTo(CstgRequest.class)` throws there, Jackson failing on unknown properties by
 * default, and the handler answers 500). Scalars are coerced like Jackson. Never throws.
 */
export function cstgRequestFromJson(value: unknown): Result<CstgRequestBody, CstgError> {
  if (value === null || value === undefined) return cstgFail('cstg_body_missing');
  if (!isJsonObject(value)) return cstgFail('cstg_body_invalid_json', 'body is not a JSON object');
  for (const name in value) {
    if (Object.hasOwn(value, name) && !KNOWN_FIELDS.has(name)) {
      return cstgFail('cstg_body_bad_field', `unknown field ${JSON.stringify(name)}`);
    }
  }
  const timestamp = coerceCstgTimestamp(ownField(value, 'timestamp'));
  if (timestamp === UNMAPPABLE) return cstgFail('cstg_body_bad_field', 'timestamp is not an integer');
  const fields: { -readonly [K in (typeof TEXT_FIELDS)[number]]?: string } = {};
  for (const name of TEXT_FIELDS) {
    const text = coerceCstgText(ownField(value, name));
    if (text === UNMAPPABLE) return cstgFail('cstg_body_bad_field', `${name} is not a string`);
    if (text !== undefined) fields[name] = text;
  }
  return ok({ ...fields, timestamp });
}

/**
 * Parses the raw client-generate body (text, or bytes decoded as strict UTF-8; any Content-Type)
 * and validates its shape with {@link cstgRequestFromJson}. An empty body or JSON `null` gives
 * `cstg_body_missing` (400 `json payload expected but not found`), anything that is not JSON text
 * of an object `cstg_body_invalid_json` (400 `json payload is not valid`). Never throws.
 */
export function parseCstgRequestBody(body: string | Uint8Array): Result<CstgRequestBody, CstgError> {
  if (body.length === 0) return cstgFail('cstg_body_missing');
  const value = parseJsonText(body);
  if (value === NOT_JSON) return cstgFail('cstg_body_invalid_json', 'body is not UTF-8 JSON text');
  return cstgRequestFromJson(value);
}
