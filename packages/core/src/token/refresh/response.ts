import { Buffer } from 'node:buffer';
import { gcmDecrypt, gcmEncrypt } from '../../lib/aes-gcm.js';

/**
 * Encrypts a /v2/token/refresh response: plain AES-256-GCM of the UTF-8 JSON under the request's
 * `refresh_response_key` — no timestamp and no nonce, unlike every other v2 response.
 * Returns the raw blob (IV || ciphertext || tag); send it as base64 text, or as bytes when the
 * request was `application/octet-stream`.
 */
export function encryptRefreshResponse(refreshResponseKey: Uint8Array, json: string): Buffer {
  return gcmEncrypt(refreshResponseKey, Buffer.from(json, 'utf8'));
}

/** Client side: decrypts a refresh response blob to its JSON text, or undefined. Never throws. */
export function decryptRefreshResponse(refreshResponseKey: Uint8Array, blob: Uint8Array): string | undefined {
  return gcmDecrypt(refreshResponseKey, blob)?.toString('utf8');
}
