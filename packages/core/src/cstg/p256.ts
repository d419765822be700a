import { Buffer } from 'node:buffer';
import { createECDH, createPrivateKey, createPublicKey, type ECDH, type KeyObject } from 'node:crypto';

/** OpenSSL / node:crypto name of NIST P-256 (secp256r1). */
export const P256_CURVE = 'prime256v1';

/** Length of an uncompressed P-256 point: 0x04 || x(32) || y(32). */
export const P256_POINT_LENGTH = 65;

// DER header of SubjectPublicKeyInfo { id-ecPublicKey, prime256v1 } with a 66-byte BIT STRING
// (0 unused bits), i.e. every uncompressed P-256 public key as WebCrypto, Java and OpenSSL write it.
const SPKI_HEADER = Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex');
/** Length of the uncompressed named-curve P-256 SPKI DER (91 bytes, base64 `MFkwEwYHKoZIzj0CAQYI…`). */
export const P256_SPKI_LENGTH = SPKI_HEADER.length + P256_POINT_LENGTH;

// DER header of the short PKCS#8 form Java's SunEC writes (`MEECAQAw…`): PrivateKeyInfo v0 with
// ECPrivateKey { version 1, privateKey OCTET STRING(32) } and neither parameters nor public key.
const PKCS8_SHORT_HEADER = Buffer.from(
  '3041020100301306072a8648ce3d020106082a8648ce3d030107042730250201010420',
  'hex',
);

/**
 * The uncompressed point inside an SPKI DER when it has exactly the canonical uncompressed
 * named-curve P-256 layout, else undefined. Does not check that the point lies on the curve (ECDH
 * does). Java's SunEC key factory also accepts only uncompressed points.
 */
export function p256PointFromSpki(der: Uint8Array): Buffer | undefined {
  if (der.length !== P256_SPKI_LENGTH) return undefined;
  const b = Buffer.isBuffer(der) ? der : Buffer.from(der.buffer, der.byteOffset, der.byteLength);
  if (b.compare(SPKI_HEADER, 0, SPKI_HEADER.length, 0, SPKI_HEADER.length) !== 0) return undefined;
  if (b[SPKI_HEADER.length] !== 0x04) return undefined;
  return b.subarray(SPKI_HEADER.length);
}

/** SPKI DER (91 bytes) of an uncompressed P-256 point (65 bytes starting 0x04). */
export function p256SpkiFromPoint(point: Uint8Array): Buffer {
  if (point.length !== P256_POINT_LENGTH || point[0] !== 0x04) {
    throw new RangeError('expected a 65-byte uncompressed P-256 point');
  }
  const out = Buffer.allocUnsafe(P256_SPKI_LENGTH);
  SPKI_HEADER.copy(out, 0);
  out.set(point, SPKI_HEADER.length);
  return out;
}

/** True when `key` is an EC key object on P-256. */
export function isP256Key(key: KeyObject): boolean {
  return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === P256_CURVE;
}

/** The uncompressed point of a P-256 public (or private) KeyObject. */
export function p256PointOfKey(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' });
  if (typeof jwk.x !== 'string' || typeof jwk.y !== 'string') throw new TypeError('not an EC key');
  const out = Buffer.allocUnsafe(P256_POINT_LENGTH);
  out[0] = 0x04;
  Buffer.from(jwk.x, 'base64url').copy(out, 1);
  Buffer.from(jwk.y, 'base64url').copy(out, 33);
  return out;
}

/** The 32-byte private scalar of a P-256 private KeyObject. */
function p256Scalar(key: KeyObject): Buffer {
  if (key.type !== 'private' || !isP256Key(key)) throw new TypeError('expected a P-256 private KeyObject');
  const d = key.export({ format: 'jwk' }).d;
  if (typeof d !== 'string') throw new TypeError('expected a P-256 private KeyObject');
  return Buffer.from(d, 'base64url');
}

/** Short PKCS#8 DER (67 bytes, `MEECAQAw…`, the form the reference's keys use) of a P-256 private key. */
export function p256ShortPkcs8(key: KeyObject): Buffer {
  return Buffer.concat([PKCS8_SHORT_HEADER, p256Scalar(key)]);
}

/** Imports an SPKI DER; undefined when node:crypto rejects it. */
export function importSpki(der: Uint8Array): KeyObject | undefined {
  try {
    return createPublicKey({
      key: Buffer.from(der.buffer, der.byteOffset, der.byteLength),
      format: 'der',
      type: 'spki',
    });
  } catch {
    return undefined;
  }
}

/** Imports a PKCS#8 DER; undefined when node:crypto rejects it. */
export function importPkcs8(der: Uint8Array): KeyObject | undefined {
  try {
    return createPrivateKey({
      key: Buffer.from(der.buffer, der.byteOffset, der.byteLength),
      format: 'der',
      type: 'pkcs8',
    });
  } catch {
    return undefined;
  }
}

// ECDH objects keyed by the private KeyObject: importing a peer's raw point into an ECDH object is
// about twice as fast as building a KeyObject from its SPKI for crypto.diffieHellman.
const ecdhCache = new WeakMap<KeyObject, ECDH>();

/**
 * A node:crypto ECDH object holding the P-256 private key `key`, created once per KeyObject and
 * cached. Throws TypeError when `key` is not a P-256 private key.
 */
export function ecdhFor(key: KeyObject): ECDH {
  let ecdh = ecdhCache.get(key);
  if (ecdh === undefined) {
    ecdh = createECDH(P256_CURVE);
    ecdh.setPrivateKey(p256Scalar(key));
    ecdhCache.set(key, ecdh);
  }
  return ecdh;
}
