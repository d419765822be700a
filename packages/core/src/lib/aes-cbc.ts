import { Buffer } from 'node:buffer';
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { randomBytes } from './random.js';

export const CBC_IV_LENGTH = 16;

/** AES-256-CBC with PKCS#7 padding: IV(16) || ciphertext. Used by v2 advertising and refresh tokens. */
export function cbcEncrypt(key: Uint8Array, plaintext: Uint8Array, iv?: Uint8Array): Buffer {
  const nonce = iv ?? randomBytes(CBC_IV_LENGTH);
  const cipher = createCipheriv('aes-256-cbc', key, nonce);
  return Buffer.concat([nonce, cipher.update(plaintext), cipher.final()]);
}

/** Opens IV || ciphertext. Returns undefined on bad length, bad key or bad padding; never throws. */
export function cbcDecrypt(key: Uint8Array, blob: Uint8Array): Buffer | undefined {
  if (key.length !== 32 || blob.length < CBC_IV_LENGTH + 16 || (blob.length - CBC_IV_LENGTH) % 16 !== 0) {
    return undefined;
  }
  const b = blob as Buffer;
  try {
    const decipher = createDecipheriv('aes-256-cbc', key, b.subarray(0, CBC_IV_LENGTH));
    return Buffer.concat([decipher.update(b.subarray(CBC_IV_LENGTH)), decipher.final()]);
  } catch {
    return undefined;
  }
}
