import { GCM_IV_LENGTH } from '../lib/aes-gcm.js';

/**
 * Validates a caller-supplied GCM IV. node:crypto accepts any GCM IV length, which would silently
 * break the IV(12) ‖ ciphertext ‖ tag layout. Internal to this folder (not re-exported).
 */
export function checkedIv(iv: Uint8Array | undefined): Uint8Array | undefined {
  if (iv !== undefined && iv.length !== GCM_IV_LENGTH) {
    throw new RangeError(`GCM IV must be ${GCM_IV_LENGTH} bytes, got ${iv.length}`);
  }
  return iv;
}
