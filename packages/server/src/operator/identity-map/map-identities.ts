import {
  currentRawUid,
  firstLevelHash,
  hashIdentityInput,
  type IdentityInputKind,
  type IdentityType,
  previousRawUid,
  type RawUidOptions,
  refreshFromSeconds,
  type SaltBucket,
} from '@uid2-ts/core';
import { type OptOutIndex, PREFETCH_CHUNK } from '../../snapshot/optout-index.js';
import { isOptedOut, type OperatorSnapshot } from '../../snapshot/snapshot.js';
import type { AsciiBody } from '../ascii-body.js';
import { bucketIds } from './bucket-ids.js';
import type { V2Element, V3Element } from './requests.js';

export const REASON_OPTOUT = 'optout';
export const REASON_INVALID = 'invalid identifier';

/** What identity mapping reads: one snapshot, the opt-out index, the raw-UID settings, one clock. */
export interface MapEnvironment {
  readonly snapshot: OperatorSnapshot;
  readonly optOuts: OptOutIndex;
  readonly rawUid: RawUidOptions;
  readonly nowMs: number;
}

interface Resolved {
  readonly type: IdentityType;
  readonly flh: string;
  readonly bucket: SaltBucket;
}

/** Identities resolved (hashed, opt-out checked, bucket found) at a time, before their raw UIDs. */
const MAP_CHUNK = PREFETCH_CHUNK;

/**
 * The shared per-identity step of both map endpoints (`UIDOperatorService.mapIdentity`), for
 * `count` values from `start` into `out[0..count)`: normalize and hash, first-level hash, opt-out
 * decision (test identities first, then the index), salt bucket; the reason string when the
 * identity is not mapped. Done a chunk at a time: between hashing and deciding, the chunk's opt-out
 * index slots, salt-bucket references, bucket objects and salts are each read in one tight loop, so
 * that the cache misses of these randomly placed reads overlap instead of stalling one identity at
 * a time (each read needs the one before it, so they are separate loops).
 */
function resolveChunk(
  kind: IdentityInputKind,
  values: ReadonlyArray<V2Element | V3Element>,
  start: number,
  count: number,
  env: MapEnvironment,
  out: Array<Resolved | string>,
  flhs: Array<string | undefined>,
  types: IdentityType[],
  buckets: Array<SaltBucket | undefined>,
): void {
  const { snapshot, optOuts } = env;
  const salt = snapshot.salts.firstLevelSalt;
  for (let j = 0; j < count; j++) {
    const value = values[start + j];
    const id = typeof value === 'string' ? hashIdentityInput(kind, value) : undefined;
    if (id === undefined) {
      flhs[j] = undefined;
      continue;
    }
    flhs[j] = firstLevelHash(id.hashB64, salt);
    types[j] = id.type;
  }
  optOuts.prefetchFirstLevelHashes(flhs, 0, count);
  const salts = snapshot.salts;
  for (let j = 0; j < count; j++) {
    const flh = flhs[j];
    buckets[j] = flh === undefined ? undefined : salts.bucketOf(flh);
  }
  touchBuckets(buckets, count);
  for (let j = 0; j < count; j++) {
    const flh = flhs[j];
    const bucket = buckets[j];
    if (flh === undefined || bucket === undefined) {
      out[j] = REASON_INVALID;
      continue;
    }
    const type = types[j] as IdentityType;
    out[j] = isOptedOut(snapshot, optOuts, type, flh, 'map') ? REASON_OPTOUT : { type, flh, bucket };
  }
}

/** Per-chunk scratch arrays of one map request. */
function chunkScratch(n: number) {
  const size = Math.min(n, MAP_CHUNK);
  return {
    resolved: new Array<Resolved | string>(size),
    flhs: new Array<string | undefined>(size),
    types: new Array<IdentityType>(size),
    buckets: new Array<SaltBucket | undefined>(size),
  };
}

function rawUidOf(r: Resolved, env: MapEnvironment): string {
  const uid = currentRawUid(r.flh, r.bucket, r.type, env.rawUid);
  if (uid === undefined) throw new Error(`salt bucket ${r.bucket.id} has neither a salt nor key material`);
  return uid;
}

export interface V2Mapped {
  readonly identifier: string;
  readonly advertising_id: string;
  readonly bucket_id: string;
}
export interface V2Unmapped {
  readonly identifier: string;
  readonly reason: string;
}
export interface V2MapBody {
  readonly mapped: V2Mapped[];
  readonly unmapped?: V2Unmapped[];
}

/**
 * `/v2/identity/map` body (`processIdentityMapV2Response`): `mapped` with the identifier as given,
 * the base64 raw UID and the bucket id; `unmapped` with reason `optout` or `invalid identifier`,
 * omitted when empty; both in input order.
 */
export function mapV2(kind: IdentityInputKind, values: readonly V2Element[], env: MapEnvironment): V2MapBody {
  const mapped: V2Mapped[] = [];
  const unmapped: V2Unmapped[] = [];
  const idOf = bucketIds(env.snapshot.salts);
  const { resolved, flhs, types, buckets } = chunkScratch(values.length);
  for (let start = 0; start < values.length; start += MAP_CHUNK) {
    const count = Math.min(values.length - start, MAP_CHUNK);
    resolveChunk(kind, values, start, count, env, resolved, flhs, types, buckets);
    for (let j = 0; j < count; j++) {
      const value = values[start + j] as V2Element;
      const r = resolved[j] as Resolved | string;
      if (typeof value !== 'string') {
        unmapped.push({ identifier: value.invalid, reason: REASON_INVALID });
      } else if (typeof r === 'string') {
        unmapped.push({ identifier: value, reason: r });
      } else {
        mapped.push({ identifier: value, advertising_id: rawUidOf(r, env), bucket_id: idOf(r.bucket.id) });
      }
    }
  }
  return unmapped.length === 0 ? { mapped } : { mapped, unmapped };
}

const V3_OPTOUT_JSON = `{"e":"${REASON_OPTOUT}"}`;
const V3_INVALID_JSON = `{"e":"${REASON_INVALID}"}`;

let touched = 0;

/**
 * Reads each bucket, then the first character of its salts (or its key), in two tight loops (see
 * `resolveChunk`). The reads are kept (in `touched`) so they are not elided.
 */
function touchBuckets(buckets: ReadonlyArray<SaltBucket | undefined>, count: number): void {
  let t = 0;
  for (let j = 0; j < count; j++) {
    const b = buckets[j];
    if (b !== undefined) t += b.lastUpdatedMs;
  }
  for (let j = 0; j < count; j++) {
    const b = buckets[j];
    if (b === undefined) continue;
    if (b.currentSalt !== null) t += b.currentSalt.charCodeAt(0);
    else if (b.currentKey !== null && typeof b.currentKey.key === 'string') t += b.currentKey.key.length;
    if (b.previousSalt !== null) t += b.previousSalt.charCodeAt(0);
  }
  touched = (touched + t) | 0;
}

/** Upper bound of one mapped `/v3/identity/map` entry without a previous UID, for size hints. */
export const V3_ENTRY_SIZE_HINT = 80;

/**
 * Appends one `/v3/identity/map` list (`processIdentityMapV3Response`) as JSON text, index-aligned
 * with the input: `{"u","p","r"}` with the current raw UID, the previous one while the bucket was
 * rotated less than 90 days ago (else null) and the bucket's refresh time in seconds (next UTC
 * midnight when stale), or `{"e": "optout" | "invalid identifier"}`. Written as ASCII text directly
 * into the response plaintext: raw UIDs are base64 and the error strings are fixed, so nothing needs
 * escaping, and a 5,000-entry list costs no object graph and no intermediate string.
 */
export function appendMapV3List(
  out: AsciiBody,
  kind: IdentityInputKind,
  values: readonly V3Element[],
  env: MapEnvironment,
): void {
  const n = values.length;
  if (n === 0) {
    out.append('[]');
    return;
  }
  const { nowMs, rawUid } = env;
  const { resolved, flhs, types, buckets } = chunkScratch(n);
  for (let start = 0; start < n; start += MAP_CHUNK) {
    const count = Math.min(n - start, MAP_CHUNK);
    resolveChunk(kind, values, start, count, env, resolved, flhs, types, buckets);
    for (let j = 0; j < count; j++) {
      const r = resolved[j] as Resolved | string;
      const sep = start + j === 0 ? '[' : ',';
      if (typeof r === 'string') {
        out.append(r === REASON_OPTOUT ? sep + V3_OPTOUT_JSON : sep + V3_INVALID_JSON);
        continue;
      }
      const p = previousRawUid(r.flh, r.bucket, r.type, rawUid, nowMs);
      out.append(
        `${sep}{"u":"${rawUidOf(r, env)}","p":${p === null ? 'null' : `"${p}"`},"r":${refreshFromSeconds(r.bucket, nowMs)}}`,
      );
    }
  }
  out.append(']');
}
