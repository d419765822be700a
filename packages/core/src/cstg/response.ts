import { Buffer } from 'node:buffer';
import { gcmDecrypt, gcmEncrypt } from '../lib/aes-gcm.js';
import { fromBase64, toBase64 } from '../lib/base64.js';
import type { CodedError, Result } from '../lib/result.js';
import { fail, ok } from '../lib/result.js';
import { NOT_JSON, parseJsonText } from './json.js';
import { isJsonObject } from './request-body.js';

export type CstgResponseErrorCode =
  | 'cstg_response_bad_base64'
  | 'cstg_response_decryption_failed'
  | 'cstg_response_invalid_json';
export type CstgResponseError = CodedError<CstgResponseErrorCode>;

/**
 * Encrypts a client-generate HTTP 200 body (`{"body":{…},"status":"success"}` or
 * `{"status":"optout"}`): base64(IV(12) || AES-256-GCM(sharedKey, UTF-8 JSON) || tag(16)), no AAD and,
 * unlike other v2 responses, no timestamp/nonce prefix. `iv` is random unless given (test vectors
 * only). Throws RangeError when the key is not 32 bytes.
 */
export function encryptCstgResponse(sharedKey: Uint8Array, response: object, iv?: Uint8Array): string {
  if (sharedKey.length !== 32) throw new RangeError('CSTG shared key must be 32 bytes');
  const json = JSON.stringify(response);
  if (typeof json !== 'string') throw new TypeError('CSTG response must serialize to JSON');
  return toBase64(gcmEncrypt(sharedKey, Buffer.from(json, 'utf8'), iv));
}

/**
 * Client side: decrypts a client-generate HTTP 200 body (see {@link encryptCstgResponse}) into its
 * JSON object, as the browser SDK does (IV = first 12 bytes). Typed errors for text that is not
 * strict base64, a blob that is too short or fails authentication, and plaintext that is not UTF-8
 * JSON of an object. Never throws.
 */
export function decryptCstgResponse(
  sharedKey: Uint8Array,
  body: string,
): Result<Readonly<Record<string, unknown>>, CstgResponseError> {
  const blob = typeof body === 'string' ? fromBase64(body) : undefined;
  if (blob === undefined) return fail('cstg_response_bad_base64', 'CSTG response is not base64');
  const plaintext = gcmDecrypt(sharedKey, blob);
  if (plaintext === undefined) {
    return fail(
      'cstg_response_decryption_failed',
      'CSTG response is too short or fails AES-GCM authentication',
    );
  }
  const json = parseJsonText(plaintext);
  if (json === NOT_JSON || !isJsonObject(json)) {
    return fail('cstg_response_invalid_json', 'CSTG response plaintext is not JSON of an object');
  }
  return ok(json);
}
