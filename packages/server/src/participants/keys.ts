import { randomBytes } from 'node:crypto';
import type { Store } from '../store/store.js';
import type { KeyRecord, KeysetRecord } from '../store/types.js';

export const DAY_S = 86_400;
/** Lifetime of keys created at bootstrap; rotation replaces them well before. */
export const BOOTSTRAP_KEY_LIFETIME_S = 365 * DAY_S;

/** Creates a keyset if it does not exist. Returns whether it did. */
export async function ensureKeyset(store: Store, keyset: KeysetRecord): Promise<boolean> {
  const existing = (await store.listKeysets()).find((k) => k.keysetId === keyset.keysetId);
  if (existing) return false;
  await store.upsertKeyset(keyset);
  return true;
}

/**
 * Makes sure a keyset has a key active at `nowS` (activates ≤ now < expires); creates one that is
 * active at once otherwise. Key ids are global: the next id is max(existing) + 1.
 */
export async function ensureActiveKey(
  store: Store,
  keysetId: number,
  nowS: number,
): Promise<KeyRecord | undefined> {
  const keys = await store.listKeys();
  if (keys.some((k) => k.keysetId === keysetId && k.activates <= nowS && nowS < k.expires)) return undefined;
  const id = keys.reduce((max, k) => Math.max(max, k.id), 0) + 1;
  const key: KeyRecord = {
    id,
    keysetId,
    created: nowS,
    activates: nowS - 1,
    expires: nowS + BOOTSTRAP_KEY_LIFETIME_S,
    secret: randomBytes(32),
  };
  await store.insertKeys([key]);
  return key;
}

/** The next free keyset id for a participant's keyset (≥ 3, after the reserved ones). */
export async function nextKeysetId(store: Store): Promise<number> {
  return (await store.listKeysets()).reduce((max, k) => Math.max(max, k.keysetId), 2) + 1;
}

/** The next free site id: max(existing, 2) + 1, as the reference admin does. */
export async function nextSiteId(store: Store): Promise<number> {
  return (await store.listSites()).reduce((max, s) => Math.max(max, s.id), 2) + 1;
}
