import { randomBytes } from 'node:crypto';
import { MASTER_KEYSET_ID, REFRESH_KEYSET_ID } from '@uid2-ts/core';
import { maxBidstreamLifetime, maxSharingLifetime, type RuntimeSettings } from '../config/runtime.js';
import type { Store } from '../store/store.js';
import type { KeyRecord, KeysetRecord } from '../store/types.js';

/** Which keysets a rotation covers: master (−1), refresh (−2), participants' keysets (incl. 2). */
export type KeyKind = 'master' | 'refresh' | 'site';
export const KEY_KINDS: readonly KeyKind[] = ['master', 'refresh', 'site'];

export interface KeyRotationOptions {
  /** Default: every kind. */
  readonly kinds?: readonly KeyKind[];
  /** Only these keysets (still filtered by `kinds`). */
  readonly keysetIds?: readonly number[];
  /** Rotate even keysets whose newest key is recent enough (on-demand rotation). */
  readonly force?: boolean;
  /** Audit actor; default `job:key-rotation`. */
  readonly actor?: string;
}

export interface RotatedKey {
  readonly id: number;
  readonly keysetId: number;
  readonly activates: number;
  readonly expires: number;
}

export interface KeyRotationReport {
  readonly created: readonly RotatedKey[];
  /** Ids of keys retired (expired longer ago than the retention period). */
  readonly retired: readonly number[];
}

export function kindOfKeyset(keysetId: number): KeyKind {
  if (keysetId === MASTER_KEYSET_ID) return 'master';
  if (keysetId === REFRESH_KEYSET_ID) return 'refresh';
  return 'site';
}

/**
 * The longest a token encrypted with a key of this kind can live (seconds), clock skew included:
 * refresh keys encrypt refresh tokens; master and site keys encrypt advertising tokens (bidstream)
 * and sharing tokens (which SDKs may mint with site keys up to `max_sharing_lifetime`).
 */
export function tokenLifetimeOf(kind: KeyKind, s: RuntimeSettings): number {
  const lifetime =
    kind === 'refresh'
      ? s.refresh_token_expires_after_seconds
      : Math.max(
          s.identity_token_expires_after_seconds,
          maxBidstreamLifetime(s),
          maxSharingLifetime(s),
          s.sharing_token_expiry_seconds,
        );
  return lifetime + s.allow_clock_skew_seconds;
}

/**
 * How long a rotated key stays valid after it activates: it is the active (minting) key for about
 * one rotation period (plus one lead time of slack for a late job), and a token minted with it at
 * the very end of that time must stay decryptable for its whole lifetime.
 */
export function keyLifetimeOf(kind: KeyKind, s: RuntimeSettings): number {
  return s.key_rotation_period_seconds + s.key_activation_lead_seconds + tokenLifetimeOf(kind, s);
}

/**
 * Whether a keyset needs a new key at `nowS`, given its keys: when it has none; when its newest key
 * activated more than `rotation period − lead time` ago (so that the successor activates about one
 * period after it); or when the newest key, once active, cannot cover one period of minting plus a
 * token lifetime (keys created by hand with short lifetimes).
 */
export function needsRotation(
  keys: readonly KeyRecord[],
  kind: KeyKind,
  s: RuntimeSettings,
  nowS: number,
): boolean {
  let newest: KeyRecord | undefined;
  for (const k of keys) if (newest === undefined || k.activates > newest.activates) newest = k;
  if (newest === undefined) return true;
  if (newest.activates > nowS) return false;
  if (newest.activates <= nowS - (s.key_rotation_period_seconds - s.key_activation_lead_seconds)) return true;
  return newest.expires - tokenLifetimeOf(kind, s) < newest.activates + s.key_rotation_period_seconds;
}

/**
 * Scheduled key rotation (the reference admin's `rotateKeys`/`rotateKeysetKeys` with a minimum age,
 * run as a job): for each enabled keyset selected — master (−1), refresh (−2) and every participant
 * keyset — that {@link needsRotation}, adds a key activating `key_activation_lead_seconds` from now
 * (SDKs refresh their keys hourly, so they hold it before any token uses it; a keyset's very first
 * key activates at once, as in the reference), valid for {@link keyLifetimeOf}. Then retires keys
 * expired more than `key_retention_after_expiry_seconds` ago (reference cut-off: 37 days). Key ids
 * are global (max + 1). Every created and retired key is written to the audit log.
 */
export async function rotateKeys(
  store: Store,
  settings: RuntimeSettings,
  nowMs: number,
  options: KeyRotationOptions = {},
): Promise<KeyRotationReport> {
  const nowS = Math.floor(nowMs / 1000);
  const kinds = options.kinds ?? KEY_KINDS;
  const actor = options.actor ?? 'job:key-rotation';
  const [keysets, keys] = await Promise.all([store.listKeysets(), store.listKeys()]);
  const byKeyset = new Map<number, KeyRecord[]>();
  for (const k of keys) {
    const list = byKeyset.get(k.keysetId) ?? [];
    list.push(k);
    byKeyset.set(k.keysetId, list);
  }
  let nextId = keys.reduce((max, k) => Math.max(max, k.id), 0) + 1;
  const fresh: KeyRecord[] = [];
  const selected = (ks: KeysetRecord) =>
    ks.enabled &&
    kinds.includes(kindOfKeyset(ks.keysetId)) &&
    (options.keysetIds === undefined || options.keysetIds.includes(ks.keysetId));
  for (const ks of keysets.filter(selected).sort((a, b) => a.keysetId - b.keysetId)) {
    const kind = kindOfKeyset(ks.keysetId);
    const own = byKeyset.get(ks.keysetId) ?? [];
    if (!options.force && !needsRotation(own, kind, settings, nowS)) continue;
    const activates = own.length === 0 ? nowS : nowS + settings.key_activation_lead_seconds;
    fresh.push({
      id: nextId++,
      keysetId: ks.keysetId,
      created: nowS,
      activates,
      expires: activates + keyLifetimeOf(kind, settings),
      secret: randomBytes(32),
    });
  }
  if (fresh.length > 0) await store.insertKeys(fresh);

  const cutoff = nowS - settings.key_retention_after_expiry_seconds;
  const retired = keys
    .filter(
      (k) =>
        k.expires < cutoff &&
        kinds.includes(kindOfKeyset(k.keysetId)) &&
        (options.keysetIds === undefined || options.keysetIds.includes(k.keysetId)),
    )
    .map((k) => k.id);
  if (retired.length > 0) await store.deleteKeys(retired);

  const created = fresh.map(({ id, keysetId, activates, expires }) => ({ id, keysetId, activates, expires }));
  for (const k of created) {
    await store.appendAudit({
      ts: nowMs,
      actor,
      action: 'key.rotate',
      target: `keyset:${k.keysetId}`,
      details: { keyId: k.id, activates: k.activates, expires: k.expires },
    });
  }
  if (retired.length > 0) {
    await store.appendAudit({
      ts: nowMs,
      actor,
      action: 'key.retire',
      target: 'keys',
      details: { keyIds: retired, expiredBefore: cutoff },
    });
  }
  return { created, retired };
}
