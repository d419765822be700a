import {
  activeKeyInSorted,
  type Keyset,
  type KeysetKey,
  MASTER_KEYSET_ID,
  REFRESH_KEYSET_ID,
  sortKeysByActivates,
  type TokenKey,
} from '@uid2-ts/core';
import type { KeyRecord, KeysetRecord } from '../store/types.js';

/** The advertising-token fallback publisher keyset (reference `AdvertisingTokenSiteId`). */
export const FALLBACK_SITE_ID = 2;

export class NoActiveKeyError extends Error {
  override readonly name = 'NoActiveKeyError';
}

/** Keys and keysets, indexed for token minting (active keys) and decryption (by id). */
export class KeyRing {
  readonly keys: readonly KeysetKey[];
  readonly keysets: readonly Keyset[];
  readonly #byId = new Map<number, KeysetKey>();
  readonly #byKeyset = new Map<number, KeysetKey[]>();
  readonly #keysetById = new Map<number, Keyset>();
  readonly #defaultKeysetOfSite = new Map<number, Keyset>();

  constructor(keysets: readonly KeysetRecord[], keys: readonly KeyRecord[]) {
    this.keysets = keysets.map((k) => ({
      keysetId: k.keysetId,
      siteId: k.siteId,
      name: k.name,
      allowedSites: k.allowedSites === null ? null : [...k.allowedSites],
      created: k.created,
      enabled: k.enabled,
      isDefault: k.isDefault,
    }));
    for (const ks of this.keysets) {
      this.#keysetById.set(ks.keysetId, ks);
      if (ks.enabled && ks.isDefault) this.#defaultKeysetOfSite.set(ks.siteId, ks);
    }
    this.keys = keys.map((k) => ({ ...k }));
    for (const k of this.keys) {
      this.#byId.set(k.id, k);
      const list = this.#byKeyset.get(k.keysetId) ?? [];
      list.push(k);
      this.#byKeyset.set(k.keysetId, list);
    }
    for (const [id, list] of this.#byKeyset) this.#byKeyset.set(id, sortKeysByActivates(list));
  }

  /** Decryption looks keys up by id only, whatever their activation window (reference rule). */
  readonly getKey = (id: number): TokenKey | undefined => this.#byId.get(id);

  keyset(id: number): Keyset | undefined {
    return this.#keysetById.get(id);
  }

  /** The keyset's keys, sorted by activation time. */
  keysOf(keysetId: number): readonly KeysetKey[] {
    return this.#byKeyset.get(keysetId) ?? [];
  }

  defaultKeysetOf(siteId: number): Keyset | undefined {
    return this.#defaultKeysetOfSite.get(siteId);
  }

  /** The active key of a keyset by the operator rule (activates ≤ now, not expired). */
  activeKey(keysetId: number, nowMs: number): KeysetKey | undefined {
    return activeKeyInSorted(this.keysOf(keysetId), nowMs, 'operator');
  }

  activeMasterKey(nowMs: number): KeysetKey {
    const k = this.activeKey(MASTER_KEYSET_ID, nowMs);
    if (!k) throw new NoActiveKeyError('no active master key');
    return k;
  }

  activeRefreshKey(nowMs: number): KeysetKey {
    const k = this.activeKey(REFRESH_KEYSET_ID, nowMs);
    if (!k) throw new NoActiveKeyError('no active refresh key');
    return k;
  }

  /** The site's default-keyset key, falling back to site 2's default keyset (reference behaviour). */
  activeSiteKey(siteId: number, nowMs: number): KeysetKey {
    const own = this.defaultKeysetOf(siteId);
    const k = own ? this.activeKey(own.keysetId, nowMs) : undefined;
    if (k) return k;
    const fallback = this.defaultKeysetOf(FALLBACK_SITE_ID);
    const f = fallback ? this.activeKey(fallback.keysetId, nowMs) : undefined;
    if (!f) throw new NoActiveKeyError(`no active key for site ${siteId}`);
    return f;
  }
}
