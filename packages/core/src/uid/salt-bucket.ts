import { Buffer } from 'node:buffer';
import type { IdentityEnvironment, IdentityScope, IdentityType } from '../identity/types.js';
import { rawUidV2, rawUidV3 } from './raw-uid-v2.js';
import { rawUidV4, rawUidV4Metadata, type SaltKeyMaterial } from './raw-uid-v4.js';

const DAY_MS = 86_400_000;
/** Previous salts and keys are used for `previous_raw_uid` while the bucket is younger than this. */
export const PREVIOUS_UID_WINDOW_DAYS = 90;

/**
 * One salt bucket (a line of the reference's salt file). An old-format bucket has salts; a
 * new-format bucket has key material instead (then `currentSalt` is null).
 */
export interface SaltBucket {
  readonly id: number;
  readonly lastUpdatedMs: number;
  readonly refreshFromMs: number;
  readonly currentSalt: string | null;
  readonly previousSalt: string | null;
  readonly currentKey: SaltKeyMaterial | null;
  readonly previousKey: SaltKeyMaterial | null;
}

/** Operator settings that decide the raw-UID format. */
export interface RawUidOptions {
  readonly scope: IdentityScope;
  /** Runtime config `identity_v3`: emit 33-byte v3 raw UIDs from salt buckets (default false → v2). */
  readonly identityV3: boolean;
  /** Written into v4 raw UIDs (key-material buckets). */
  readonly environment: IdentityEnvironment;
}

function usableKey(k: SaltKeyMaterial | null): k is SaltKeyMaterial {
  return k !== null && typeof k.key === 'string' && typeof k.salt === 'string';
}

function fromSalt(flhB64: string, salt: string, type: IdentityType, o: RawUidOptions): string {
  return o.identityV3 ? rawUidV3(flhB64, salt, o.scope, type) : rawUidV2(flhB64, salt);
}

function fromKey(flhB64: string, key: SaltKeyMaterial, type: IdentityType, o: RawUidOptions): string {
  const flh = Buffer.from(flhB64, 'base64');
  return rawUidV4(flh, key, rawUidV4Metadata(o.environment, o.scope, type)).toString('base64');
}

/**
 * The current raw UID (base64) of a first-level hash in its bucket: from `currentSalt` when present
 * (v2 or v3 format), otherwise from `currentKey` (v4 format). Undefined if the bucket has neither.
 */
export function currentRawUid(
  flhB64: string,
  bucket: SaltBucket,
  type: IdentityType,
  options: RawUidOptions,
): string | undefined {
  if (bucket.currentSalt !== null) return fromSalt(flhB64, bucket.currentSalt, type, options);
  if (usableKey(bucket.currentKey)) return fromKey(flhB64, bucket.currentKey, type, options);
  return undefined;
}

/**
 * The previous raw UID for `/v3/identity/map` (`p`): only while the bucket was rotated less than 90
 * whole days before `asOfMs`, from `previousSalt`, else `previousKey`; null otherwise.
 */
export function previousRawUid(
  flhB64: string,
  bucket: SaltBucket,
  type: IdentityType,
  options: RawUidOptions,
  asOfMs: number,
): string | null {
  if (Math.floor((asOfMs - bucket.lastUpdatedMs) / DAY_MS) >= PREVIOUS_UID_WINDOW_DAYS) return null;
  if (bucket.previousSalt !== null) return fromSalt(flhB64, bucket.previousSalt, type, options);
  if (usableKey(bucket.previousKey)) return fromKey(flhB64, bucket.previousKey, type, options);
  return null;
}

/**
 * When the mapping should be refreshed (`r` in `/v3/identity/map`, in epoch seconds): the bucket's
 * `refreshFrom` if it is not in the past, otherwise the next UTC midnight after `nowMs`.
 */
export function refreshFromSeconds(bucket: SaltBucket, nowMs: number): number {
  const ms = bucket.refreshFromMs >= nowMs ? bucket.refreshFromMs : (Math.floor(nowMs / DAY_MS) + 1) * DAY_MS;
  return Math.floor(ms / 1000);
}
