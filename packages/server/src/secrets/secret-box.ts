import { Buffer } from 'node:buffer';
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

const PREFIX = 'v1.';

/**
 * Encrypts secrets at rest with the deployment master key: AES-256-GCM, random IV, and the record's
 * identity (e.g. `keys:42`) as additional data, so a ciphertext cannot be moved to another record.
 * Text form: `v1.` + base64(IV ‖ ciphertext ‖ tag).
 */
export class SecretBox {
  readonly #key: Buffer;

  constructor(masterKey: Buffer) {
    if (masterKey.length !== 32) throw new RangeError('the master key must be 32 bytes');
    this.#key = Buffer.from(masterKey);
  }

  seal(plaintext: Buffer | string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    return PREFIX + Buffer.concat([iv, body]).toString('base64');
  }

  open(sealed: string, context: string): Buffer {
    if (!sealed.startsWith(PREFIX)) throw new Error(`secret for ${context} is not in a known format`);
    const blob = Buffer.from(sealed.slice(PREFIX.length), 'base64');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, blob.subarray(0, 12));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(blob.subarray(blob.length - 16));
      return Buffer.concat([decipher.update(blob.subarray(12, blob.length - 16)), decipher.final()]);
    } catch {
      throw new Error(`secret for ${context} does not decrypt with this master key`);
    }
  }

  /**
   * A 32-byte key for another purpose (e.g. `portal step token v1`), derived from the master key with
   * HKDF-SHA256 so that no two uses share key material and the master key itself is never used twice.
   */
  deriveKey(purpose: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.#key, Buffer.alloc(0), `uid2-ts ${purpose}`, 32));
  }

  /** A value that identifies the master key without revealing it (stored to detect a wrong key). */
  checkValue(): string {
    return createHmac('sha256', this.#key).update('uid2-ts master key check v1').digest('base64');
  }
}
