import { Buffer } from 'node:buffer';
import { GCM_IV_LENGTH, gcmEncrypt } from '../lib/aes-gcm.js';
import { toBase64 } from '../lib/base64.js';
import { cstgAad } from './aad.js';

/** The encrypted part of a CSTG request: base64 `payload` (ciphertext || tag) and base64 `iv`. */
export interface CstgSealedPayload {
  readonly payload: string;
  readonly iv: string;
}

/**
 * Encrypts a CSTG request plaintext (normally `{"email_hash":…}` / `{"phone_hash":…}` JSON) with
 * AES-256-GCM under the shared key, the AAD `[timestamp]` / `[timestamp,"appName"]` and a random
 * 12-byte IV (fixed IVs for test vectors only), as the browser SDK's `CstgBox.encrypt` does.
 * Throws RangeError on a wrong key or IV length or an unsafe timestamp.
 */
export function sealCstgPayload(options: {
  readonly sharedKey: Uint8Array;
  readonly plaintext: string | Uint8Array;
  readonly timestampMs: number;
  readonly appName?: string;
  readonly iv?: Uint8Array;
}): CstgSealedPayload {
  const { sharedKey, plaintext, timestampMs, appName, iv } = options;
  if (sharedKey.length !== 32) throw new RangeError('CSTG shared key must be 32 bytes');
  if (iv !== undefined && iv.length !== GCM_IV_LENGTH) throw new RangeError('CSTG IV must be 12 bytes');
  const pt = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
  const blob = gcmEncrypt(sharedKey, pt, iv, cstgAad(timestampMs, appName));
  return { payload: toBase64(blob.subarray(GCM_IV_LENGTH)), iv: toBase64(blob.subarray(0, GCM_IV_LENGTH)) };
}
