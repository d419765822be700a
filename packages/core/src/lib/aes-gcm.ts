import { Buffer } from 'node:buffer';
import { type CipherGCMTypes, createCipheriv, createDecipheriv } from 'node:crypto';
import { randomBytes } from './random.js';

export const GCM_IV_LENGTH = 12;
export const GCM_TAG_LENGTH = 16;
/** Bytes encrypted or decrypted per `update` call for large inputs. */
const GCM_PIECE = 64 * 1024;
/** IV + tag: what a "GCM blob" adds to its plaintext. */
export const GCM_OVERHEAD = GCM_IV_LENGTH + GCM_TAG_LENGTH;

function algorithm(key: Uint8Array): CipherGCMTypes {
  switch (key.length) {
    case 32:
      return 'aes-256-gcm';
    case 16:
      return 'aes-128-gcm';
    case 24:
      return 'aes-192-gcm';
    default:
      throw new RangeError(`AES key must be 16, 24 or 32 bytes, got ${key.length}`);
  }
}

/**
 * AES-GCM "blob": IV(12) || ciphertext || tag(16), 128-bit tag. `iv` is random unless given
 * (fixed IVs are for test vectors only).
 */
export function gcmEncrypt(
  key: Uint8Array,
  plaintext: Uint8Array,
  iv?: Uint8Array,
  aad?: Uint8Array,
): Buffer {
  const nonce = iv ?? randomBytes(GCM_IV_LENGTH);
  const cipher = createCipheriv(algorithm(key), key, nonce);
  if (aad) cipher.setAAD(aad);
  const out = Buffer.allocUnsafe(GCM_IV_LENGTH + plaintext.length + GCM_TAG_LENGTH);
  out.set(nonce, 0);
  if (plaintext.length <= GCM_PIECE) {
    cipher.update(plaintext).copy(out, GCM_IV_LENGTH);
  } else {
    // Large plaintexts (identity map responses) in pieces: each output is a small allocation that
    // memory is reused for, instead of one more buffer as large as the plaintext.
    const src = Buffer.from(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength);
    for (let i = 0; i < src.length; i += GCM_PIECE) {
      cipher.update(src.subarray(i, Math.min(src.length, i + GCM_PIECE))).copy(out, GCM_IV_LENGTH + i);
    }
  }
  cipher.final();
  cipher.getAuthTag().copy(out, GCM_IV_LENGTH + plaintext.length);
  return out;
}

/**
 * Opens an AES-GCM blob (IV || ciphertext || tag). Returns undefined when the blob is too short,
 * the key has an unusable length, or authentication fails. Never throws.
 */
export function gcmDecrypt(key: Uint8Array, blob: Uint8Array, aad?: Uint8Array): Buffer | undefined {
  if (blob.length < GCM_OVERHEAD) return undefined;
  if (key.length !== 32 && key.length !== 16 && key.length !== 24) return undefined;
  const b = blob as Buffer;
  try {
    const decipher = createDecipheriv(algorithm(key), key, b.subarray(0, GCM_IV_LENGTH));
    decipher.setAuthTag(b.subarray(b.length - GCM_TAG_LENGTH));
    if (aad) decipher.setAAD(aad);
    const end = b.length - GCM_TAG_LENGTH;
    if (end - GCM_IV_LENGTH <= GCM_PIECE) {
      const body = decipher.update(b.subarray(GCM_IV_LENGTH, end));
      decipher.final();
      return body;
    }
    // Large blobs (identity map requests) in pieces, as in gcmEncrypt.
    const body = Buffer.allocUnsafe(end - GCM_IV_LENGTH);
    for (let i = GCM_IV_LENGTH; i < end; i += GCM_PIECE) {
      decipher.update(b.subarray(i, Math.min(end, i + GCM_PIECE))).copy(body, i - GCM_IV_LENGTH);
    }
    decipher.final();
    return body;
  } catch {
    return undefined;
  }
}

/**
 * Like gcmEncrypt, but writes IV || ciphertext || tag into `out` at `offset` (which must have room for
 * plaintext.length + GCM_OVERHEAD bytes). Saves a copy when a blob is nested inside another payload.
 */
export function gcmSealInto(key: Uint8Array, plaintext: Uint8Array, out: Buffer, offset: number): void {
  const nonce = randomBytes(GCM_IV_LENGTH);
  const cipher = createCipheriv(algorithm(key), key, nonce);
  nonce.copy(out, offset);
  cipher.update(plaintext).copy(out, offset + GCM_IV_LENGTH);
  cipher.final();
  cipher.getAuthTag().copy(out, offset + GCM_IV_LENGTH + plaintext.length);
}
