import type { Buffer } from 'node:buffer';
import { diffieHellman, type KeyObject } from 'node:crypto';
import { isP256Key } from './p256.js';

/**
 * The CSTG shared key: the raw P-256 ECDH secret (the 32-byte x-coordinate), used directly as the
 * AES-256-GCM key with no KDF, like Java `KeyAgreement("ECDH").generateSecret()` and WebCrypto
 * `deriveKey(ECDH → AES-GCM 256)`. Either side works: server private × client public or client
 * private × server public. Throws TypeError when the keys are not P-256.
 */
export function cstgSharedKey(privateKey: KeyObject, publicKey: KeyObject): Buffer {
  if (!isP256Key(privateKey) || !isP256Key(publicKey)) throw new TypeError('CSTG keys must be P-256 keys');
  return diffieHellman({ privateKey, publicKey });
}
