import type { RuntimeSettings } from '../config/runtime.js';
import { DAY_MS, truncDay } from '../salts/schedule.js';
import type { Store } from '../store/store.js';
import type { SaltBucketRecord, SaltFormat } from '../store/types.js';

/** The reference's age windows (SaltService): buckets are picked oldest first, window by window. */
export const SALT_ROTATION_MIN_AGES_DAYS: readonly number[] = [
  30, 60, 90, 120, 150, 180, 210, 240, 270, 300, 330, 360, 390,
];
/** No single age window may supply more than this share of a day's quota (reference: 0.8). */
export const MAX_SHARE_PER_AGE_WINDOW = 0.8;
/** Previous salts and keys are kept while the bucket is younger than this (reference: 90 days). */
export const PREVIOUS_SALT_WINDOW_DAYS = 90;
/** v4 bucket key ids are 24-bit. */
const MAX_KEY_ID = 0xff_ff_ff;

export interface SaltRotationOptions {
  /** Share of all buckets to rotate; default `salt_rotation_fraction` (about 1/365). */
  readonly fraction?: number;
  /** The UTC day rotated for (start of day, epoch ms); default the day after `nowMs`. */
  readonly targetDayMs?: number;
  /** [0, 1) source for the shuffle inside an age window; default Math.random. */
  readonly random?: () => number;
  /** Audit actor; default `job:salt-rotation`. */
  readonly actor?: string;
}

export interface SaltRotationReport {
  readonly targetDayMs: number;
  /** Buckets whose refreshFrom fell on the target day. */
  readonly eligible: number;
  /** Indexes of the rotated buckets. */
  readonly rotated: readonly number[];
  /** Bucket records written (rotated ones plus those whose refreshFrom or previous salt changed). */
  readonly written: number;
}

/** Whole days from the bucket's last-update day to the target day (reference `TargetDate.saltAgeInDays`). */
export function saltAgeInDays(bucket: Pick<SaltBucketRecord, 'lastUpdatedMs'>, targetDayMs: number): number {
  return Math.floor((targetDayMs - truncDay(bucket.lastUpdatedMs)) / DAY_MS);
}

/**
 * The reference's `refreshFrom` of a bucket as of the target day:
 * truncDay(lastUpdated) + (floor(age / 30) + 1) × 30 days, with the age in whole days from the
 * last-update day, so the result always lies after the target day.
 */
export function refreshFromAt(lastUpdatedMs: number, targetDayMs: number): number {
  const age = saltAgeInDays({ lastUpdatedMs }, targetDayMs);
  return truncDay(lastUpdatedMs) + (Math.floor(age / 30) + 1) * 30 * DAY_MS;
}

/**
 * The reference's selection (`SaltRotation.pickSaltsToRotate`): among buckets whose `refreshFrom`
 * falls on the target day, take `ceil(total × fraction)`, oldest first across the age windows
 * [0, t−390 d), [t−390 d, t−360 d), …, [t−60 d, t−30 d) — buckets updated less than 30 days before
 * the target are never picked — each window supplying at most 80 % of the quota (at least one
 * bucket, so that tiny deployments rotate at all), shuffled inside a window.
 */
export function pickBucketsToRotate(
  buckets: readonly SaltBucketRecord[],
  targetDayMs: number,
  fraction: number,
  random: () => number = Math.random,
): SaltBucketRecord[] {
  const quota = Math.ceil(buckets.length * fraction);
  const perWindow = Math.max(1, Math.floor(quota * MAX_SHARE_PER_AGE_WINDOW));
  const eligible = buckets.filter((b) => truncDay(b.refreshFromMs) === targetDayMs);
  const thresholds = SALT_ROTATION_MIN_AGES_DAYS.map((d) => targetDayMs - d * DAY_MS).sort((a, b) => a - b);
  const picked: SaltBucketRecord[] = [];
  let from = 0;
  for (const to of thresholds) {
    if (picked.length >= quota) break;
    const max = Math.min(quota - picked.length, perWindow);
    const candidates = eligible.filter((b) => from <= b.lastUpdatedMs && b.lastUpdatedMs < to);
    if (candidates.length > max) {
      for (let i = candidates.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [candidates[i], candidates[j]] = [
          candidates[j] as SaltBucketRecord,
          candidates[i] as SaltBucketRecord,
        ];
      }
      candidates.length = max;
    }
    picked.push(...candidates);
    from = to;
  }
  return picked;
}

/** Allocates 24-bit key ids (never 0) that no bucket uses, as current or previous key. */
class KeyIdAllocator {
  readonly #used = new Set<number>();
  #next: number;

  constructor(buckets: readonly SaltBucketRecord[]) {
    let max = 0;
    for (const b of buckets) {
      if (b.format === 'key') this.#used.add(b.keyId);
      if (b.previousFormat === 'key' && b.previousKeyId !== null) this.#used.add(b.previousKeyId);
    }
    for (const id of this.#used) max = Math.max(max, id);
    this.#next = max >= MAX_KEY_ID ? 1 : max + 1;
  }

  take(): number {
    for (let tries = 0; tries < MAX_KEY_ID; tries++) {
      const id = this.#next;
      this.#next = id >= MAX_KEY_ID ? 1 : id + 1;
      if (!this.#used.has(id)) {
        this.#used.add(id);
        return id;
      }
    }
    throw new Error('no free 24-bit salt key id left');
  }
}

/**
 * Salt rotation for one target day (reference `SaltRotation.rotateSalts`), on derived salts: a
 * rotated bucket's previous salt or key becomes its current one (generation, format, key id) and its
 * current one generation + 1, in the format `raw_uid_format` asks for (`v4` → key material with a
 * fresh 24-bit key id; otherwise a salt); `lastUpdatedMs` is the rotation time and `refreshFromMs`
 * the target day + 30 days (what the reference, which dates the rotation at the target day, writes).
 * Every other bucket due by the target day gets the reference's recomputed `refreshFrom`, and every
 * bucket loses its previous salt once it is 90 days old or more. Only changed records are written (`updateSaltBuckets`, which bumps the
 * salt version operators reload on). Idempotent: afterwards no bucket's `refreshFrom` falls on the
 * target day, so a second run for the same day rotates nothing.
 */
export async function rotateSalts(
  store: Store,
  settings: RuntimeSettings,
  nowMs: number,
  options: SaltRotationOptions = {},
): Promise<SaltRotationReport> {
  const targetDayMs = truncDay(options.targetDayMs ?? truncDay(nowMs) + DAY_MS);
  const fraction = options.fraction ?? settings.salt_rotation_fraction;
  if (!(fraction > 0 && fraction <= 1)) throw new Error('salt rotation fraction must be in (0, 1]');
  const buckets: SaltBucketRecord[] = [];
  await store.forEachSaltBucket((b) => {
    buckets.push(b);
  });
  const eligible = buckets.reduce((n, b) => n + (truncDay(b.refreshFromMs) === targetDayMs ? 1 : 0), 0);
  const picked = new Set(
    pickBucketsToRotate(buckets, targetDayMs, fraction, options.random).map((b) => b.idx),
  );
  const format: SaltFormat = settings.raw_uid_format === 'v4' ? 'key' : 'salt';
  const keyIds = format === 'key' ? new KeyIdAllocator(buckets) : undefined;

  const changed: SaltBucketRecord[] = [];
  for (const b of buckets) {
    let next: SaltBucketRecord;
    if (picked.has(b.idx)) {
      next = {
        idx: b.idx,
        generation: b.generation + 1,
        format,
        keyId: keyIds ? keyIds.take() : 0,
        previousGeneration: b.generation,
        previousFormat: b.format,
        previousKeyId: b.keyId,
        lastUpdatedMs: nowMs,
        refreshFromMs: targetDayMs + 30 * DAY_MS,
      };
    } else {
      const dropPrevious =
        b.previousGeneration !== null && saltAgeInDays(b, targetDayMs) >= PREVIOUS_SALT_WINDOW_DAYS;
      // Buckets due on (or, after missed days, before) the target day move to their next 30-day
      // boundary; later ones already have the value the reference's formula gives.
      const refreshFromMs =
        b.refreshFromMs < targetDayMs + DAY_MS
          ? refreshFromAt(b.lastUpdatedMs, targetDayMs)
          : b.refreshFromMs;
      if (!dropPrevious && refreshFromMs === b.refreshFromMs) continue;
      next = dropPrevious
        ? { ...b, previousGeneration: null, previousFormat: null, previousKeyId: null, refreshFromMs }
        : { ...b, refreshFromMs };
    }
    changed.push(next);
  }
  if (changed.length > 0) await store.updateSaltBuckets(changed);
  const rotated = [...picked].sort((a, b) => a - b);
  if (rotated.length > 0) {
    await store.appendAudit({
      ts: nowMs,
      actor: options.actor ?? 'job:salt-rotation',
      action: 'salt.rotate',
      target: 'salts',
      details: {
        targetDay: new Date(targetDayMs).toISOString().slice(0, 10),
        fraction,
        eligible,
        rotated: rotated.length,
        buckets: rotated.slice(0, 100),
        format,
      },
    });
  }
  return { targetDayMs, eligible, rotated, written: changed.length };
}
