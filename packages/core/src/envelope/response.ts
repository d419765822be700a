import { Buffer } from 'node:buffer';
import { gcmDecrypt, gcmEncrypt } from '../lib/aes-gcm.js';
import { fromBase64, toBase64, toBase64Bytes } from '../lib/base64.js';
import { asBuffer, readInt64BE, writeInt64BE } from '../lib/bytes.js';
import { type CodedError, fail, ok, type Result } from '../lib/result.js';
import {
  OCTET_STREAM_CONTENT_TYPE,
  TEXT_PLAIN_CONTENT_TYPE,
  V2_ENVELOPE_HEADER_LENGTH,
  V2_ENVELOPE_NONCE_LENGTH,
  V2_RESPONSE_ENVELOPE_MIN_LENGTH,
} from './constants.js';
import { checkedIv } from './iv.js';

export interface SealResponseEnvelopeOptions {
  /** Server timestamp, epoch ms (default Date.now()). */
  readonly nowMs?: number;
  /** 12-byte GCM IV (default random; fix it only for test vectors). */
  readonly iv?: Uint8Array;
}

/**
 * Server side: `IV(12) ‖ AES-GCM(timestamp(8) ‖ nonce(8) ‖ json) ‖ tag(16)` with the client secret
 * (V2PayloadHandler.encryptResponse). No version byte. `json` is the response JSON text (or its
 * UTF-8 bytes); `nonce` is the request's nonce, echoed. Only HTTP 200 responses are sealed. Throws
 * only on programmer errors (secret not 16/24/32 bytes, nonce not 8 bytes, IV not 12 bytes).
 */
export function sealResponseEnvelope(
  json: string | Uint8Array,
  nonce: Uint8Array,
  secret: Uint8Array,
  options: SealResponseEnvelopeOptions = {},
): Buffer {
  const body = typeof json === 'string' ? Buffer.from(json, 'utf8') : json;
  const plaintext = Buffer.allocUnsafe(V2_ENVELOPE_HEADER_LENGTH + body.length);
  plaintext.set(body, V2_ENVELOPE_HEADER_LENGTH);
  return sealResponsePlaintext(plaintext, nonce, secret, options);
}

/**
 * Like sealResponseEnvelope, for a plaintext built in place: the response JSON is already in
 * `plaintext` from byte 16 on, and bytes 0–15 are overwritten here with the timestamp and the
 * echoed nonce. Saves copying large bodies (identity map) into a second buffer. Throws only on
 * programmer errors (plaintext shorter than 16 bytes, secret or nonce of the wrong length).
 */
export function sealResponsePlaintext(
  plaintext: Buffer,
  nonce: Uint8Array,
  secret: Uint8Array,
  options: SealResponseEnvelopeOptions = {},
): Buffer {
  if (nonce.length !== V2_ENVELOPE_NONCE_LENGTH) {
    throw new RangeError(`envelope nonce must be ${V2_ENVELOPE_NONCE_LENGTH} bytes, got ${nonce.length}`);
  }
  if (plaintext.length < V2_ENVELOPE_HEADER_LENGTH) {
    throw new RangeError(`response plaintext must start with ${V2_ENVELOPE_HEADER_LENGTH} reserved bytes`);
  }
  writeInt64BE(plaintext, Math.floor(options.nowMs ?? Date.now()), 0);
  plaintext.set(nonce, 8);
  return gcmEncrypt(secret, plaintext, checkedIv(options.iv));
}

/** An envelope (request or response) in its wire form, with the Content-Type that goes with it. */
export interface EnvelopeWireBody {
  readonly body: string | Buffer;
  readonly contentType: typeof OCTET_STREAM_CONTENT_TYPE | typeof TEXT_PLAIN_CONTENT_TYPE;
}

/** Above this many bytes a text envelope's base64 is returned as ASCII bytes rather than a string. */
const LARGE_TEXT_ENVELOPE = 32 * 1024;

/**
 * The wire form of a sealed envelope: raw bytes as `application/octet-stream` when `binary`
 * (for responses: the effective form reported by openRequestEnvelope), else standard base64 text
 * as `text/plain` (what the reference sends back for every non-binary request): a string, or its
 * ASCII bytes for envelopes over 32 KiB.
 */
export function envelopeWireBody(envelope: Uint8Array, binary: boolean): EnvelopeWireBody {
  return binary
    ? { body: asBuffer(envelope), contentType: OCTET_STREAM_CONTENT_TYPE }
    : envelope.length > LARGE_TEXT_ENVELOPE
      ? { body: toBase64Bytes(envelope), contentType: TEXT_PLAIN_CONTENT_TYPE }
      : { body: toBase64(envelope), contentType: TEXT_PLAIN_CONTENT_TYPE };
}

/**
 * Whether a Content-Type header selects the binary envelope form: the reference compares the whole
 * header value, case-insensitively, with `application/octet-stream` (so parameters such as
 * `; charset=…` make it a text request). Any one of several header values may match. Surrounding
 * spaces/tabs are ignored, as HTTP parsers strip them.
 */
export function isOctetStreamContentType(value: string | readonly string[] | undefined | null): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== 'string') return value.some((v) => isOctetStreamContentType(v));
  return value.trim().toLowerCase() === OCTET_STREAM_CONTENT_TYPE;
}

export type ResponseEnvelopeErrorCode =
  | 'not_base64'
  | 'too_short'
  | 'decrypt_failed'
  | 'nonce_mismatch'
  | 'bad_json';
export type ResponseEnvelopeError = CodedError<ResponseEnvelopeErrorCode>;

export interface OpenedResponseEnvelope {
  /** The server's timestamp, epoch ms. */
  readonly timestampMs: number;
  /** The parsed response JSON (normally `{"status":…,"body":…}`). */
  readonly json: unknown;
  /** The JSON text as received. */
  readonly text: string;
}

/**
 * Client side: opens a v2 response. `body` is the base64 text (strict decoding) or, when the
 * response Content-Type was `application/octet-stream`, the raw bytes. Checks that the echoed nonce
 * equals `expectedNonce` (the SDKs all refuse a mismatch) and parses the JSON. Never throws.
 */
export function openResponseEnvelope(
  body: string | Uint8Array,
  secret: Uint8Array,
  expectedNonce: Uint8Array,
): Result<OpenedResponseEnvelope, ResponseEnvelopeError> {
  let bytes: Buffer;
  if (typeof body === 'string') {
    const decoded = fromBase64(body);
    if (decoded === undefined) return fail('not_base64', 'Response body is not valid base64');
    bytes = decoded;
  } else {
    bytes = asBuffer(body);
  }
  if (bytes.length < V2_RESPONSE_ENVELOPE_MIN_LENGTH) {
    return fail('too_short', `Response envelope too short: ${bytes.length} bytes`);
  }
  const plaintext = gcmDecrypt(secret, bytes);
  if (plaintext === undefined) {
    return fail('decrypt_failed', 'Response envelope failed to decrypt (wrong client secret?)');
  }
  if (!plaintext.subarray(8, V2_ENVELOPE_HEADER_LENGTH).equals(asBuffer(expectedNonce))) {
    return fail('nonce_mismatch', 'Response nonce does not match the request nonce');
  }
  const text = plaintext.toString('utf8', V2_ENVELOPE_HEADER_LENGTH);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return fail('bad_json', 'Response payload is not valid JSON');
  }
  return ok({ timestampMs: readInt64BE(plaintext, 0), json, text });
}
