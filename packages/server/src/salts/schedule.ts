import type { SaltBucketRecord, SaltFormat } from '../store/types.js';

export const DAY_MS = 86_400_000;

/** Start of the UTC day containing `ms`. */
export function truncDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

/**
 * When a bucket becomes eligible for rotation (the reference's formula, SaltRotation):
 * truncDay(lastUpdated) + (floor(ageDays / 30) + 1) × 30 days, with the age taken at `asOfMs`.
 */
export function refreshFromFor(lastUpdatedMs: number, asOfMs: number): number {
  const ageDays = Math.floor((asOfMs - lastUpdatedMs) / DAY_MS);
  return truncDay(lastUpdatedMs) + (Math.floor(ageDays / 30) + 1) * 30 * DAY_MS;
}

/**
 * A new deployment's buckets: generation 0, last updated at spread-out times over the past year so
 * that rotation (about 1/365 of the buckets a day) starts evenly; `random` returns [0, 1).
 */
export function* initialSaltBuckets(
  count: number,
  nowMs: number,
  format: SaltFormat,
  random: () => number,
): Generator<SaltBucketRecord> {
  for (let idx = 0; idx < count; idx++) {
    const lastUpdatedMs = nowMs - 1 - Math.floor(random() * 365 * DAY_MS);
    yield {
      idx,
      generation: 0,
      format,
      keyId: format === 'key' ? idx + 1 : 0,
      previousGeneration: null,
      previousFormat: null,
      previousKeyId: null,
      lastUpdatedMs,
      refreshFromMs: refreshFromFor(lastUpdatedMs, nowMs),
    };
  }
}
