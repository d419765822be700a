import type { Buffer } from 'node:buffer';
import type { KeyObject } from 'node:crypto';
import type { IdentityScope } from '../identity/types.js';
import { fromBase64, toBase64 } from '../lib/base64.js';
import type { CodedError, Result } from '../lib/result.js';
import { fail, ok } from '../lib/result.js';
import {
  importPkcs8,
  importSpki,
  isP256Key,
  p256PointFromSpki,
  p256PointOfKey,
  p256ShortPkcs8,
} from './p256.js';

/** Environment letter of a CSTG key text: local, test, integ, prod. */
export type CstgKeyEnvironment = 'L' | 'T' | 'I' | 'P';

/** Length of every CSTG key-text prefix (`UID2-X-L-`). */
export const CSTG_KEY_PREFIX_LENGTH = 9;

export type CstgKeyTextErrorCode = 'cstg_key_bad_prefix' | 'cstg_key_bad_base64' | 'cstg_key_not_p256';
export type CstgKeyTextError = CodedError<CstgKeyTextErrorCode>;

/** A parsed CSTG server public key (`UID2-X-<env>-` + base64 SPKI DER). */
export interface CstgPublicKey {
  readonly scope: IdentityScope;
  readonly env: CstgKeyEnvironment;
  /** SPKI DER as decoded from the text. */
  readonly der: Buffer;
  readonly key: KeyObject;
  /** Uncompressed point 0x04 || x || y (65 bytes). */
  readonly point: Buffer;
}

/** A parsed CSTG server private key (`UID2-Y-<env>-` + base64 PKCS#8 DER). */
export interface CstgPrivateKey {
  readonly scope: IdentityScope;
  readonly env: CstgKeyEnvironment;
  /** PKCS#8 DER as decoded from the text (short or long form). */
  readonly der: Buffer;
  readonly key: KeyObject;
}

function prefix(scope: IdentityScope, kind: 'X' | 'Y', env: CstgKeyEnvironment): string {
  return `${scope}-${kind}-${env}-`;
}

function parsePrefix(
  text: string,
  kind: 'X' | 'Y',
): { scope: IdentityScope; env: CstgKeyEnvironment } | undefined {
  if (text.length <= CSTG_KEY_PREFIX_LENGTH) return undefined;
  const scope = text.slice(0, 4);
  const env = text[7];
  if (scope !== 'UID2' && scope !== 'EUID') return undefined;
  if (env !== 'L' && env !== 'T' && env !== 'I' && env !== 'P') return undefined;
  if (text.slice(4, 7) !== `-${kind}-` || text[8] !== '-') return undefined;
  return { scope, env };
}

function badPrefix(kind: 'X' | 'Y'): { readonly ok: false; readonly error: CstgKeyTextError } {
  const what = kind === 'X' ? 'public' : 'private';
  return fail(
    'cstg_key_bad_prefix',
    `CSTG ${what} key must start with UID2-${kind}-<env>- or EUID-${kind}-<env>- (env L, T, I or P) followed by base64`,
  );
}

/**
 * Parses a CSTG public key text: 9-character prefix `UID2-X-<env>-` / `EUID-X-<env>-` (env L, T, I
 * or P) + strict standard base64 (java.util.Base64 rules) of the X.509 SPKI DER of a P-256 key. The
 * reference strips any 9 characters; this parser also checks them. Parse once and keep the result.
 */
export function parseCstgPublicKeyText(text: string): Result<CstgPublicKey, CstgKeyTextError> {
  const head = parsePrefix(text, 'X');
  if (head === undefined) return badPrefix('X');
  const der = fromBase64(text.slice(CSTG_KEY_PREFIX_LENGTH));
  if (der === undefined) return fail('cstg_key_bad_base64', 'CSTG public key body is not valid base64');
  const key = importSpki(der);
  if (key === undefined || !isP256Key(key)) {
    return fail('cstg_key_not_p256', 'CSTG public key is not the SPKI DER of a P-256 public key');
  }
  const point = p256PointFromSpki(der) ?? p256PointOfKey(key);
  return ok({ scope: head.scope, env: head.env, der, key, point });
}

/**
 * Parses a CSTG private key text: `UID2-Y-<env>-` / `EUID-Y-<env>-` + strict base64 of a PKCS#8 DER
 * P-256 private key. Accepts the short form without embedded public key (`MEECAQAw…`) that Java
 * writes as well as the long OpenSSL form. Parse once and keep the result.
 */
export function parseCstgPrivateKeyText(text: string): Result<CstgPrivateKey, CstgKeyTextError> {
  const head = parsePrefix(text, 'Y');
  if (head === undefined) return badPrefix('Y');
  const der = fromBase64(text.slice(CSTG_KEY_PREFIX_LENGTH));
  if (der === undefined) return fail('cstg_key_bad_base64', 'CSTG private key body is not valid base64');
  const key = importPkcs8(der);
  if (key === undefined || !isP256Key(key)) {
    return fail('cstg_key_not_p256', 'CSTG private key is not the PKCS#8 DER of a P-256 private key');
  }
  return ok({ scope: head.scope, env: head.env, der, key });
}

/**
 * Formats a P-256 public KeyObject as a CSTG public key text: prefix + base64 of its SPKI DER
 * (uncompressed point, 124 base64 characters), like `ClientSideKeypair.encodePublicKeyToString`.
 * Throws TypeError when the key is not P-256.
 */
export function formatCstgPublicKeyText(
  scope: IdentityScope,
  env: CstgKeyEnvironment,
  publicKey: KeyObject,
): string {
  if (!isP256Key(publicKey)) throw new TypeError('expected a P-256 key');
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return prefix(scope, 'X', env) + toBase64(der);
}

/**
 * Formats a P-256 private KeyObject as a CSTG private key text: prefix + base64 of the short
 * PKCS#8 DER (67 bytes, `MEECAQAw…`), byte-identical to what the reference's Java generator writes.
 * Throws TypeError when the key is not a P-256 private key.
 */
export function formatCstgPrivateKeyText(
  scope: IdentityScope,
  env: CstgKeyEnvironment,
  privateKey: KeyObject,
): string {
  return prefix(scope, 'Y', env) + toBase64(p256ShortPkcs8(privateKey));
}
