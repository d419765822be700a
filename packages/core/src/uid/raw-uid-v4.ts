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

/**
 * Raw UID2 in the "v4" format (33 bytes, 44 base64 characters), keyed per salt bucket:
 * `meta(1) || keyId(3) || iv(12) || AES-CTR(key, iv || 00000000)(FLH[16..32)) || xor-checksum(1)`,
 * with `iv = SHA-256(salt || FLH[16..32) || meta || keyId)[0..12)`. Deterministic.
 */
export function rawUidV4(flh: Uint8Array, material: SaltKeyMaterial, meta: number): Buffer {
  const key = Buffer.from(material.key, 'utf8');
  const algorithm = CTR_ALGORITHMS[key.length];
  if (!algorithm || key.length !== material.key.length) {
    throw new RangeError(`salt bucket key must be 16, 24 or 32 ASCII characters (key id ${material.id})`);
  }
  if (flh.length !== 32) throw new RangeError('first-level hash must be 32 bytes');
  const out = Buffer.allocUnsafe(33);
  out[0] = meta;
  out.writeUIntBE(material.id & 0xffffff, 1, 3);
  const tail = (flh as Buffer).subarray(16, 32);
  const saltLength = Buffer.byteLength(material.salt, 'utf8');
  const ivInput = Buffer.allocUnsafe(saltLength + 20);
  ivInput.write(material.salt, 0, 'utf8');
  tail.copy(ivInput, saltLength);
  out.copy(ivInput, saltLength + 16, 0, 4);
  const iv = hash('sha256', ivInput, 'buffer') as Buffer;
  iv.copy(out, 4, 0, 12);
  const counter = Buffer.alloc(16);
  iv.copy(counter, 0, 0, 12);
  const cipher = createCipheriv(algorithm, key, counter);
  cipher.update(tail).copy(out, 16);
  let x = 0;
  for (let i = 0; i < 32; i++) x ^= out[i] as number;
  out[32] = x;
  return out;
}
