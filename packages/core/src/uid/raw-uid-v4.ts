import { Buffer } from 'node:buffer';
import { createCipheriv, hash } from 'node:crypto';
import type { IdentityEnvironment, IdentityScope, IdentityType } from '../identity/types.js';
import { ENVIRONMENT_BITS, SCOPE_BITS, TYPE_BITS } from '../identity/types.js';

/** A new-format salt bucket's key material: a 24-bit id, a key string and a salt string. */
export interface SaltKeyMaterial {
  readonly id: number;
  /** Used as AES key through its ASCII bytes (32 characters → AES-256), never base64-decoded. */
  readonly key: string;
  readonly salt: string;
}

/** Metadata byte of a v4 raw UID: (env << 6) | (1 << 5) | (scope << 4) | (type << 2). */
export function rawUidV4Metadata(env: IdentityEnvironment, scope: IdentityScope, type: IdentityType): number {
  return (ENVIRONMENT_BITS[env] << 6) | (1 << 5) | (SCOPE_BITS[scope] << 4) | (TYPE_BITS[type] << 2);
}

const CTR_ALGORITHMS: Record<number, 'aes-128-ctr' | 'aes-192-ctr' | 'aes-256-ctr'> = {
  16: 'aes-128-ctr',
  24: 'aes-192-ctr',
  32: 'aes-256-ctr',
};

/** AES-CTR counter block (IV || 00000000), reused: `createCipheriv` copies it before returning. */
const counter = Buffer.alloc(16);
/** The 16 FLH bytes that are encrypted, copied here (`update` reads them before returning). */
const plain = Buffer.alloc(16);
/** Scratch for the IV hash input (salt || FLH[16..32) || meta || keyId), resized when a salt's length differs. */
let ivInput = Buffer.alloc(64);

/**
 * Raw UID2 in the "v4" format (33 bytes, 44 base64 characters), keyed per salt bucket:
 * `meta(1) || keyId(3) || iv(12) || AES-CTR(key, iv || 00000000)(FLH[16..32)) || xor-checksum(1)`,
 * with `iv = SHA-256(salt || FLH[16..32) || meta || keyId)[0..12)`. Deterministic.
 *
 * Besides the cipher it allocates only the result: the IV hash is taken as base64 text (its first
 * 16 characters are exactly the 12 IV bytes) and decoded straight into the result, the key goes
 * to the cipher as its (checked ASCII) text, and the hash input, counter block and plaintext are
 * reused scratch buffers filled byte by byte (a Buffer `subarray` or a `hash` with Buffer output
 * costs more than the bytes it saves copying).
 */
export function rawUidV4(flh: Uint8Array, material: SaltKeyMaterial, meta: number): Buffer {
  const keyText = material.key;
  const algorithm = CTR_ALGORITHMS[keyText.length];
  if (!algorithm || Buffer.byteLength(keyText, 'utf8') !== keyText.length) {
    throw new RangeError(`salt bucket key must be 16, 24 or 32 ASCII characters (key id ${material.id})`);
  }
  if (flh.length !== 32) throw new RangeError('first-level hash must be 32 bytes');
  const id = material.id & 0xffffff;
  const out = Buffer.allocUnsafe(33);
  out[0] = meta;
  out[1] = id >>> 16;
  out[2] = (id >>> 8) & 0xff;
  out[3] = id & 0xff;
  const saltLength = Buffer.byteLength(material.salt, 'utf8');
  if (ivInput.length !== saltLength + 20) ivInput = Buffer.alloc(saltLength + 20);
  ivInput.write(material.salt, 0, 'utf8');
  for (let i = 0; i < 16; i++) {
    const b = flh[16 + i] as number;
    ivInput[saltLength + i] = b;
    plain[i] = b;
  }
  for (let i = 0; i < 4; i++) ivInput[saltLength + 16 + i] = out[i] as number;
  const ivText = hash('sha256', ivInput, 'base64');
  out.write(ivText.slice(0, 16), 4, 12, 'base64');
  out.copy(counter, 0, 4, 16);
  createCipheriv(algorithm, keyText, counter).update(plain).copy(out, 16);
  let x = 0;
  for (let i = 0; i < 32; i++) x ^= out[i] as number;
  out[32] = x;
  return out;
}
