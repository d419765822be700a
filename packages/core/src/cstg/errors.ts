import type { CodedError } from '../lib/result.js';

/**
 * Stable codes of the errors `POST /v2/token/client-generate` can answer before any token work,
 * in the reference's check order (`UIDOperatorVerticle.handleClientSideTokenGenerateImpl`).
 */
export type CstgErrorCode =
  /** Check 1: empty body (400 `json payload expected but not found`). */
  | 'cstg_body_missing'
  /** Check 1: body is not a JSON object (400 `json payload is not valid`). */
  | 'cstg_body_invalid_json'
  /**
   * A field has a JSON type that cannot be mapped onto the request (the reference fails with a 500
   * there; we answer 400 `client_error`, like every other bad input).
   */
  | 'cstg_body_bad_field'
  /** Check 5: `payload`, `iv` or `public_key` missing or null. */
  | 'cstg_missing_params'
  /** Check 6: `public_key` is not base64 of an uncompressed P-256 SPKI. */
  | 'cstg_bad_public_key'
  /** ECDH failed after the key was accepted (invalid point, P-384/P-521 key): 400 `bad public key` (reference: 500). */
  | 'cstg_key_agreement_failed'
  /** Check 7: `iv` is not base64 of exactly 12 bytes. */
  | 'cstg_bad_iv'
  /** Check 8: `payload` is not base64, or AES-GCM authentication failed. */
  | 'cstg_payload_decryption_failed'
  /** Check 9: the decrypted payload is not UTF-8 JSON text of an object. */
  | 'cstg_payload_invalid_json'
  /** Check 10: `phone_hash` given while phone support is disabled. */
  | 'cstg_phone_not_enabled'
  /** Check 11: neither or both of `email_hash` and `phone_hash`. */
  | 'cstg_exactly_one_hash'
  /** Check 12: the hash is not 44-character base64 or 64-character hex. */
  | 'cstg_invalid_identifier';

/**
 * A client-generate failure. `message` is the reference's exact response message and `httpStatus` /
 * `status` its HTTP status and JSON `status` string; `detail` is a diagnostic for logs only (never
 * sent to the client).
 */
export interface CstgError extends CodedError<CstgErrorCode> {
  readonly httpStatus: 400;
  readonly status: 'client_error';
  readonly detail?: string;
}

/** The reference's 500 message for any unexpected exception in the client-generate handler. */
export const CSTG_UNKNOWN_ERROR_MESSAGE = 'Unknown error while handling client side token generate';

const MESSAGES: Readonly<Record<CstgErrorCode, string>> = {
  cstg_body_missing: 'json payload expected but not found',
  cstg_body_invalid_json: 'json payload is not valid',
  cstg_body_bad_field: 'json payload is not valid: a field has the wrong type',
  cstg_missing_params: 'required parameters: payload, iv, public_key',
  cstg_bad_public_key: 'bad public key',
  cstg_key_agreement_failed: 'bad public key',
  cstg_bad_iv: 'bad iv',
  cstg_payload_decryption_failed: 'payload decryption failed',
  cstg_payload_invalid_json: 'encrypted payload contains invalid json',
  cstg_phone_not_enabled: 'phone support not enabled',
  cstg_exactly_one_hash: 'please provide exactly one of: email_hash, phone_hash',
  cstg_invalid_identifier: 'Invalid Identifier',
};

/** With phone support disabled the reference words the exactly-one check differently. */
export const CSTG_EMAIL_ONLY_MESSAGE = 'please provide email_hash';

/** Builds the failed Result for `code`, with the reference's message unless `message` overrides it. */
export function cstgFail(
  code: CstgErrorCode,
  detail?: string,
  message: string = code === 'cstg_body_bad_field' && detail
    ? `json payload is not valid: ${detail}`
    : MESSAGES[code],
): { readonly ok: false; readonly error: CstgError } {
  const error: CstgError = {
    code,
    message,
    httpStatus: 400,
    status: 'client_error',
    ...(detail === undefined ? {} : { detail }),
  };
  return { ok: false, error };
}
