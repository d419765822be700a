import { Buffer } from 'node:buffer';
import type { KeyObject } from 'node:crypto';
import { parseIdentityHash } from '../identity/hash.js';
import type { IdentityType } from '../identity/types.js';
import { GCM_IV_LENGTH, gcmDecrypt } from '../lib/aes-gcm.js';
import { fromBase64 } from '../lib/base64.js';
import type { Result } from '../lib/result.js';
import { ok } from '../lib/result.js';
import { cstgAad } from './aad.js';
import { CSTG_EMAIL_ONLY_MESSAGE, type CstgError, cstgFail } from './errors.js';
import { NOT_JSON, parseJsonText } from './json.js';
import { ecdhFor, importSpki, p256PointFromSpki } from './p256.js';
import {
  type CstgRequestFields,
  coerceCstgText,
  coerceCstgTimestamp,
  isJsonObject,
  ownField,
  UNMAPPABLE,
} from './request-body.js';

/** What a valid client-generate request carries, once decrypted and checked. */
export interface CstgDecryptedRequest {
  readonly identityType: IdentityType;
  /** The identity hash as 44-character base64 (hex input converted). */
  readonly hashB64: string;
  /** ECDH shared key: encrypt the response with it ({@link encryptCstgResponse}). */
  readonly sharedKey: Buffer;
}

/** Operator options that change the client-generate checks. */
export interface CstgDecryptOptions {
  /** Config `enable_phone_support` (default true); when false `phone_hash` is refused. */
  readonly phoneSupport?: boolean;
}

// Java's EC key factory also accepts P-384 and P-521 keys; ECDH with the P-256 server key then
// throws outside any check, and the reference answers 500. Uncompressed SPKI lengths of those curves:
const OTHER_JAVA_CURVE_SPKI_LENGTH: Readonly<Record<string, number>> = { secp384r1: 120, secp521r1: 158 };

function rejectPublicKey(der: Buffer): { readonly ok: false; readonly error: CstgError } {
  const key = importSpki(der);
  const curve = key?.asymmetricKeyType === 'ec' ? key.asymmetricKeyDetails?.namedCurve : undefined;
  if (curve !== undefined && OTHER_JAVA_CURVE_SPKI_LENGTH[curve] === der.length) {
    return cstgFail('cstg_key_agreement_failed', `client public key is on ${curve}, not P-256`);
  }
  return cstgFail('cstg_bad_public_key', 'public_key is not an uncompressed P-256 SPKI');
}

/**
 * Server side of `POST /v2/token/client-generate`: the reference's checks 5-12 in order
 * (`handleClientSideTokenGenerateImpl`), after the server has done JSON parsing, subscription lookup,
 * the disabled check and the origin/app-name check.
 *
 * 5. `payload`, `iv` or `public_key` absent/null → 400 `required parameters: payload, iv, public_key`
 * 6. `public_key` not strict base64 of an uncompressed named-curve P-256 SPKI → 400 `bad public key`;
 *    ECDH (server private × client public, raw x-coordinate = AES key) failing on an invalid point or
 *    a P-384/P-521 key → 500, as the reference's uncaught exception does
 * 7. `iv` not base64 of exactly 12 bytes → 400 `bad iv`
 * 8. `payload` not base64, or AES-256-GCM with AAD `[timestamp]` / `[timestamp,"app_name"]` fails →
 *    400 `payload decryption failed`
 * 9. plaintext not UTF-8 JSON of an object → 400 `encrypted payload contains invalid json`
 * 10. `phone_hash` while `phoneSupport` is false → 400 `phone support not enabled`
 * 11. not exactly one of `email_hash` / `phone_hash` (null counts as absent) → 400
 *    `please provide exactly one of: email_hash, phone_hash` (`please provide email_hash` without phone support)
 * 12. hash not 44-char base64 of 32 bytes or 64-char hex (`parseIdentityHash`) → 400 `Invalid Identifier`
 *
 * Field values are coerced like the reference's Jackson mapping (see {@link CstgRequestFields});
 * an unmappable one gives `cstg_body_bad_field` (400; the reference fails with a 500). `serverPrivateKey` is the parsed key (parse it
 * once); its ECDH state is cached per KeyObject. Never throws.
 *
 * Known differences from the reference, all for inputs no official client sends: the plaintext must
 * be UTF-8 JSON without comments (Jackson also reads UTF-16/32 and, in Vert.x, C-style comments); a
 * hash given as a 64-digit JSON number (which Vert.x stringifies into valid hex) is refused; a
 * plaintext of `null` is `cstg_payload_invalid_json` (the reference throws, 500); P-256 keys with
 * explicit curve parameters are `bad public key`.
 */
export function decryptCstgRequest(
  request: CstgRequestFields,
  serverPrivateKey: KeyObject,
  options?: CstgDecryptOptions,
): Result<CstgDecryptedRequest, CstgError> {
  if (!isJsonObject(request)) return cstgFail('cstg_body_invalid_json', 'request is not an object');
  const payloadText = coerceCstgText(request.payload);
  const ivText = coerceCstgText(request.iv);
  const publicKeyText = coerceCstgText(request.public_key);
  const appName = coerceCstgText(request.app_name);
  const timestamp = coerceCstgTimestamp(request.timestamp);
  if (
    payloadText === UNMAPPABLE ||
    ivText === UNMAPPABLE ||
    publicKeyText === UNMAPPABLE ||
    appName === UNMAPPABLE ||
    timestamp === UNMAPPABLE
  ) {
    return cstgFail('cstg_body_bad_field', 'a field has the wrong type');
  }

  // 5
  if (payloadText === undefined || ivText === undefined || publicKeyText === undefined) {
    return cstgFail('cstg_missing_params');
  }

  // 6, then ECDH (before the IV check, as in the reference)
  const der = fromBase64(publicKeyText);
  if (der === undefined) return cstgFail('cstg_bad_public_key', 'public_key is not base64');
  const point = p256PointFromSpki(der);
  if (point === undefined) return rejectPublicKey(der);
  let sharedKey: Buffer;
  try {
    sharedKey = ecdhFor(serverPrivateKey).computeSecret(point);
  } catch {
    return cstgFail('cstg_key_agreement_failed', 'ECDH failed: client point not on P-256 or bad server key');
  }

  // 7
  const iv = fromBase64(ivText);
  if (iv === undefined || iv.length !== GCM_IV_LENGTH) {
    return cstgFail(
      'cstg_bad_iv',
      iv === undefined ? 'iv is not base64' : `iv is ${iv.length} bytes, not 12`,
    );
  }

  // 8
  const ciphertext = fromBase64(payloadText);
  if (ciphertext === undefined) return cstgFail('cstg_payload_decryption_failed', 'payload is not base64');
  const blob = Buffer.allocUnsafe(GCM_IV_LENGTH + ciphertext.length);
  iv.copy(blob, 0);
  ciphertext.copy(blob, GCM_IV_LENGTH);
  const plaintext = gcmDecrypt(sharedKey, blob, cstgAad(timestamp, appName));
  if (plaintext === undefined)
    return cstgFail('cstg_payload_decryption_failed', 'AES-GCM authentication failed');

  // 9
  const json = parseJsonText(plaintext);
  if (json === NOT_JSON || !isJsonObject(json)) {
    return cstgFail('cstg_payload_invalid_json', 'plaintext is not UTF-8 JSON of an object');
  }

  // 10, 11
  const email = ownField(json, 'email_hash');
  const phone = ownField(json, 'phone_hash');
  const hasEmail = email !== undefined && email !== null;
  const hasPhone = phone !== undefined && phone !== null;
  const phoneSupport = options?.phoneSupport ?? true;
  if (hasPhone && !phoneSupport) return cstgFail('cstg_phone_not_enabled');
  if (hasEmail === hasPhone) {
    const detail = hasEmail ? 'both hashes given' : 'no hash given';
    return phoneSupport
      ? cstgFail('cstg_exactly_one_hash', detail)
      : cstgFail('cstg_exactly_one_hash', detail, CSTG_EMAIL_ONLY_MESSAGE);
  }

  // 12 (a non-string value is what Vert.x getString would stringify; none of those is a valid hash)
  const value = hasEmail ? email : phone;
  const hashB64 = typeof value === 'string' ? parseIdentityHash(value) : undefined;
  if (hashB64 === undefined)
    return cstgFail('cstg_invalid_identifier', 'hash is not 44-char base64 or 64-char hex');
  return ok({ identityType: hasEmail ? 'email' : 'phone', hashB64, sharedKey });
}
