import { randomBytes } from '../lib/random.js';

/** The base58 alphabet (digits and letters without `0`, `O`, `I`, `l`). */
export const CSTG_SUBSCRIPTION_ID_ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/** Length of generated subscription ids. */
export const CSTG_SUBSCRIPTION_ID_LENGTH = 10;

// 232 = 4 * 58: bytes at or above it are discarded, so `byte % 58` is uniform (no modulo bias).
const LIMIT = 256 - (256 % CSTG_SUBSCRIPTION_ID_ALPHABET.length);

/**
 * A new CSTG subscription id: 10 characters drawn uniformly from the base58 alphabet with a CSPRNG
 * and rejection sampling (e.g. `4WvryDGbR5`), like the admin's `generateRandomSubscriptionId`.
 * The caller must still check it is unused.
 */
export function generateSubscriptionId(): string {
  let id = '';
  while (id.length < CSTG_SUBSCRIPTION_ID_LENGTH) {
    const bytes = randomBytes(16);
    for (let i = 0; i < bytes.length && id.length < CSTG_SUBSCRIPTION_ID_LENGTH; i++) {
      const b = bytes[i] as number;
      if (b < LIMIT) id += CSTG_SUBSCRIPTION_ID_ALPHABET[b % CSTG_SUBSCRIPTION_ID_ALPHABET.length];
    }
  }
  return id;
}
