import { base64CharValue } from '../lib/base64.js';

/** Production salt-bucket count: 2^20. */
export const SALT_BUCKET_COUNT = 1_048_576;

/**
 * Salt-bucket index of a first-level hash: (FLH[0] << 12) | (FLH[1] << 4) | (FLH[2] & 0x0F), a 20-bit
 * value, taken modulo the bucket count when that is not 2^20. Reads the first four base64 characters
 * of the FLH text directly (they encode bytes 0–2) instead of decoding the whole hash.
 */
export function saltBucketIndex(flhB64: string, bucketCount: number): number {
  const v0 = base64CharValue(flhB64, 0);
  const v1 = base64CharValue(flhB64, 1);
  const v2 = base64CharValue(flhB64, 2);
  const v3 = base64CharValue(flhB64, 3);
  if ((v0 | v1 | v2 | v3) < 0) throw new RangeError('first-level hash must be standard base64 text');
  const b0 = (v0 << 2) | (v1 >> 4);
  const b1 = ((v1 & 0x0f) << 4) | (v2 >> 2);
  const idx = (b0 << 12) | (b1 << 4) | (v3 & 0x0f);
  return bucketCount === SALT_BUCKET_COUNT ? idx : idx % bucketCount;
}
