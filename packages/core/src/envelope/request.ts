import { Buffer, isAscii } from 'node:buffer';
import type { IdentityScope } from '../identity/types.js';
import { gcmDecrypt, gcmEncrypt } from '../lib/aes-gcm.js';
import { fromBase64, fromBase64Bytes } from '../lib/base64.js';
import { asBuffer, readInt64BE, writeInt64BE } from '../lib/bytes.js';
import { randomBytes } from '../lib/random.js';
import { type CodedError, fail, ok, type Result } from '../lib/result.js';
import {
  V2_ENVELOPE_FUTURE_TOLERANCE_MS,
  V2_ENVELOPE_HEADER_LENGTH,
  V2_ENVELOPE_MIN_LENGTH,
  V2_ENVELOPE_NONCE_LENGTH,
  V2_ENVELOPE_TIMESTAMP_TOLERANCE_MS,
  V2_ENVELOPE_VERSION,
} from './constants.js';
import { checkedIv } from './iv.js';
import { parseJsonObjectLikeReference } from './json.js';
import {
  ENVELOPE_BODY_MISSING_MESSAGE,
  ENVELOPE_INVALID_PAYLOAD_MESSAGE,
  ENVELOPE_INVALID_TIMESTAMP_MESSAGE,
  envelopeBadKeyMessage,
  envelopeBadVersionMessage,
  envelopeNotBase64Message,
  envelopeTooShortMessage,
  envelopeUnencryptedJsonMessage,
} from './messages.js';

/** Why a request envelope was refused. Each maps to one reference 400 message (`client_error`). */
export type EnvelopeErrorCode =
  | 'body_missing'
  | 'not_base64'
  | 'unencrypted_json'
  | 'too_short'
  | 'bad_version'
  | 'bad_key'
  | 'bad_timestamp'
  | 'bad_payload';

/** `message` is the reference operator's exact 400 message, to send as `{"status":"client_error","message":…}`. */
export type EnvelopeError = CodedError<EnvelopeErrorCode>;

export interface OpenedRequestEnvelope {
  /** The client's timestamp, epoch ms. */
  readonly timestampMs: number;
  /** The 8-byte nonce; echo it in the response envelope. */
  readonly nonce: Buffer;
  /** The request JSON object; undefined when the plaintext is exactly 16 bytes (no JSON at all). */
  readonly payload: Record<string, unknown> | undefined;
  /**
   * The effective wire form: true only when the request was binary and parsed as binary. A binary
   * request that only parsed through the base64 fallback is a text request (answer in base64).
   */
  readonly binary: boolean;
}

export interface OpenRequestEnvelopeOptions {
  /** The client secret (base64-decoded): 32 bytes normally; 16/24 also work, like Java. */
  readonly secret: Uint8Array;
  /** Server "now", epoch ms, for the timestamp check. */
  readonly nowMs: number;
  /** Selects the docs host in messages: unifiedid.com (UID2, default) or euid.eu (EUID). */
  readonly scope?: IdentityScope;
  /** True when the request Content-Type was (case-insensitively, exactly) `application/octet-stream`. */
  readonly binary: boolean;
}

/**
 * The reference skew rule: reject when `abs(Duration.between(ts, now).toMinutes()) > 1`. Accepts
 * timestamps from 119,999 ms in the past up to 119,000 ms in the future (see the tolerance
 * constants for why the bounds differ). False for non-finite input.
 */
export function isRequestTimestampFresh(timestampMs: number, nowMs: number): boolean {
  const ageMs = nowMs - timestampMs;
  return ageMs < V2_ENVELOPE_TIMESTAMP_TOLERANCE_MS && ageMs >= -V2_ENVELOPE_FUTURE_TOLERANCE_MS;
}

function looksLikeUnencryptedJson(bytes: Buffer): boolean {
  return parseJsonObjectLikeReference(bytes.toString('utf8')) !== undefined;
}

type EnvelopeResult = Result<OpenedRequestEnvelope, EnvelopeError>;

/** V2RequestUtil.parseRequestCommon: steps from "body missing" (empty) to the JSON payload. */
function openEnvelopeBytes(
  bytes: Buffer,
  options: OpenRequestEnvelopeOptions,
  scope: IdentityScope,
  binary: boolean,
): EnvelopeResult {
  if (bytes.length === 0) return fail('body_missing', ENVELOPE_BODY_MISSING_MESSAGE);
  if (bytes.length < V2_ENVELOPE_MIN_LENGTH) {
    return looksLikeUnencryptedJson(bytes)
      ? fail('unencrypted_json', envelopeUnencryptedJsonMessage(scope))
      : fail('too_short', envelopeTooShortMessage(scope));
  }
  const version = bytes[0] as number;
  if (version !== V2_ENVELOPE_VERSION) {
    return looksLikeUnencryptedJson(bytes)
      ? fail('unencrypted_json', envelopeUnencryptedJsonMessage(scope))
      : fail('bad_version', envelopeBadVersionMessage(version, scope));
  }
  const plaintext = gcmDecrypt(options.secret, bytes.subarray(1));
  if (plaintext === undefined) return fail('bad_key', envelopeBadKeyMessage(scope));
  const timestampMs = readInt64BE(plaintext, 0);
  if (!isRequestTimestampFresh(timestampMs, options.nowMs)) {
    return fail('bad_timestamp', ENVELOPE_INVALID_TIMESTAMP_MESSAGE);
  }
  let payload: Record<string, unknown> | undefined;
  if (plaintext.length > V2_ENVELOPE_HEADER_LENGTH) {
    // ASCII JSON (nearly every request) becomes a string by a plain copy; UTF-8 decoding is slower.
    const json = plaintext.subarray(V2_ENVELOPE_HEADER_LENGTH);
    payload = parseJsonObjectLikeReference(json.toString(isAscii(json) ? 'latin1' : 'utf8'));
    if (payload === undefined) return fail('bad_payload', ENVELOPE_INVALID_PAYLOAD_MESSAGE);
  }
  const nonce = Buffer.from(plaintext.subarray(8, V2_ENVELOPE_HEADER_LENGTH));
  return ok({ timestampMs, nonce, payload, binary });
}

/**
 * Server side: opens a v2 request envelope exactly like the reference operator
 * (`V2RequestUtil.parseRequest`), in its order and with its messages:
 * 1. empty/missing body → `Invalid body: Body is missing.`
 * 2. (text form) not strict base64 → the unencrypted-JSON message if the text is a JSON object,
 *    else `Invalid body: Body is not valid base64.<hint>`
 * 3. shorter than 45 bytes → unencrypted-JSON message if the bytes are a JSON object, else
 *    `Invalid body: Body too short. Check encryption method.<hint>`
 * 4. first byte ≠ 1 → unencrypted-JSON message if JSON object, else
 *    `Invalid body: Invalid request envelope format version: received <n>, must be 1.<hint>`
 * 5. AES-GCM open fails → `Invalid body: Check encryption key (ClientSecret).<hint>`
 * 6. timestamp skew (see isRequestTimestampFresh) → `Invalid timestamp: Request too old or client time drift.`
 * 7. plaintext longer than 16 bytes whose rest is not a JSON object →
 *    `Invalid payload in body: Data is not valid json string.`
 *
 * Text form (`binary: false`): `body` is the base64 text; a Uint8Array body is UTF-8 decoded first.
 * Binary form (`binary: true`): `body` is the raw bytes (a string is UTF-8 encoded first). If that
 * parse fails and the body, read as UTF-8 text, is valid base64, the decoded bytes are parsed
 * instead and that outcome wins (success → `binary: false`); otherwise the binary error stands.
 * Never throws for any body.
 */
export function openRequestEnvelope(
  body: string | Uint8Array | null | undefined,
  options: OpenRequestEnvelopeOptions,
): EnvelopeResult {
  const scope = options.scope ?? 'UID2';
  if (body === undefined || body === null) return fail('body_missing', ENVELOPE_BODY_MISSING_MESSAGE);

  if (options.binary) {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : asBuffer(body);
    const asBinary = openEnvelopeBytes(bytes, options, scope, true);
    if (asBinary.ok) return asBinary;
    const decoded = fromBase64Bytes(bytes);
    if (decoded === undefined) return asBinary;
    return openEnvelopeBytes(decoded, options, scope, false);
  }

  const decoded = typeof body === 'string' ? fromBase64(body) : fromBase64Bytes(body);
  if (decoded === undefined) {
    const text = typeof body === 'string' ? body : asBuffer(body).toString('utf8');
    return parseJsonObjectLikeReference(text) !== undefined
      ? fail('unencrypted_json', envelopeUnencryptedJsonMessage(scope))
      : fail('not_base64', envelopeNotBase64Message(scope));
  }
  return openEnvelopeBytes(decoded, options, scope, false);
}

export interface SealRequestEnvelopeOptions {
  /** Request timestamp, epoch ms (default Date.now()). */
  readonly nowMs?: number;
  /** 8-byte nonce (default random). */
  readonly nonce?: Uint8Array;
  /** 12-byte GCM IV (default random; fix it only for test vectors). */
  readonly iv?: Uint8Array;
}

export interface SealedRequestEnvelope {
  /** `0x01 ‖ IV(12) ‖ AES-GCM(timestamp(8) ‖ nonce(8) ‖ JSON) ‖ tag(16)`: the binary wire form. */
  readonly envelope: Buffer;
  /** The nonce inside; the response must echo it (pass it to openResponseEnvelope). */
  readonly nonce: Buffer;
  readonly timestampMs: number;
}

/**
 * Client side: builds a v2 request envelope. `payload` is an object (serialized with
 * JSON.stringify), a string used verbatim as the JSON text (`""` gives the bare 16-byte plaintext
 * the SDKs send to /v2/key/sharing), or undefined (also no JSON). Send `envelope` as raw bytes with
 * `Content-Type: application/octet-stream`, or its base64 (see envelopeWireBody) otherwise.
 * Throws only on programmer errors (secret not 16/24/32 bytes, nonce not 8 bytes, IV not 12 bytes,
 * an object JSON.stringify cannot serialize).
 */
export function sealRequestEnvelope(
  payload: object | string | undefined,
  secret: Uint8Array,
  options: SealRequestEnvelopeOptions = {},
): SealedRequestEnvelope {
  const nonce =
    options.nonce === undefined ? randomBytes(V2_ENVELOPE_NONCE_LENGTH) : Buffer.from(options.nonce);
  if (nonce.length !== V2_ENVELOPE_NONCE_LENGTH) {
    throw new RangeError(`envelope nonce must be ${V2_ENVELOPE_NONCE_LENGTH} bytes, got ${nonce.length}`);
  }
  const timestampMs = Math.floor(options.nowMs ?? Date.now());
  let json: Buffer;
  if (payload === undefined) {
    json = Buffer.alloc(0);
  } else {
    const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
    if (typeof text !== 'string') throw new TypeError('request payload is not JSON-serializable');
    json = Buffer.from(text, 'utf8');
  }
  const plaintext = Buffer.allocUnsafe(V2_ENVELOPE_HEADER_LENGTH + json.length);
  writeInt64BE(plaintext, timestampMs, 0);
  nonce.copy(plaintext, 8);
  json.copy(plaintext, V2_ENVELOPE_HEADER_LENGTH);
  const blob = gcmEncrypt(secret, plaintext, checkedIv(options.iv));
  const envelope = Buffer.allocUnsafe(1 + blob.length);
  envelope[0] = V2_ENVELOPE_VERSION;
  blob.copy(envelope, 1);
  return { envelope, nonce, timestampMs };
}
