import { createHmac } from 'node:crypto';
import type { SaltKeyMaterial } from '@uid2-ts/core';

/**
 * Bucket salts and v4 key material are not stored: each is an HMAC-SHA256 of the bucket index and
 * generation under the deployment's secret salt seed (itself encrypted at rest). Rotating a bucket
 * means bumping its generation. The outputs have the reference's shapes: a salt is base64 of 32
 * bytes (44 characters); a key is base64 of 24 bytes (32 ASCII characters, used as an AES-256 key);
 * a key salt is base64 of 32 bytes.
 */
export function deriveSalt(seed: Uint8Array, idx: number, generation: number): string {
  return createHmac('sha256', seed).update(`salt:${idx}:${generation}`).digest('base64');
}

export function deriveKeyMaterial(
  seed: Uint8Array,
  idx: number,
  generation: number,
  keyId: number,
): SaltKeyMaterial {
  const key = createHmac('sha256', seed)
    .update(`key:${idx}:${generation}`)
    .digest()
    .subarray(0, 24)
    .toString('base64');
  const salt = createHmac('sha256', seed).update(`key-salt:${idx}:${generation}`).digest('base64');
  return { id: keyId, key, salt };
}
