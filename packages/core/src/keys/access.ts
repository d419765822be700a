import { type Keyset, MASTER_KEYSET_ID, REFRESH_KEYSET_ID } from './model.js';

/** The caller of a key endpoint: its site and its roles (`'ID_READER'`, `'SHARER'`, …). */
export interface KeyClient {
  readonly siteId: number;
  readonly roles: readonly string[];
}

/**
 * The §5.1 access rule (`UIDOperatorVerticle.getAccessibleKeys` + `KeysetSnapshot.canClientAccessKey`):
 * the master keyset (−1) is always visible; otherwise the keyset must exist and be enabled, and be
 * owned by the caller's site, or list it in `allowedSites`, or — for ID_READER callers only — have
 * `allowedSites === null`.
 */
export function canClientAccessKeyset(keyset: Keyset | undefined, client: KeyClient): boolean {
  if (keyset === undefined) return false;
  if (keyset.keysetId === MASTER_KEYSET_ID) return true;
  if (!keyset.enabled) return false;
  if (keyset.siteId === client.siteId) return true;
  if (keyset.allowedSites === null) return client.roles.includes('ID_READER');
  return keyset.allowedSites.includes(client.siteId);
}

/** Indexes keysets by id (a `Map` is used as is). */
export function keysetsById(
  keysets: readonly Keyset[] | ReadonlyMap<number, Keyset>,
): ReadonlyMap<number, Keyset> {
  if (!Array.isArray(keysets)) return keysets as ReadonlyMap<number, Keyset>;
  const map = new Map<number, Keyset>();
  for (const keyset of keysets as readonly Keyset[]) map.set(keyset.keysetId, keyset);
  return map;
}

/**
 * The keys a key endpoint lists for `client`, in ascending id order: keys of known keysets other
 * than the refresh keyset (`KeyManager.getKeysForSharingOrDsps`), filtered by
 * {@link canClientAccessKeyset}. No filtering by activation or expiry.
 */
export function accessibleKeys<K extends { readonly id: number; readonly keysetId: number }>(
  keys: readonly K[],
  keysets: ReadonlyMap<number, Keyset>,
  client: KeyClient,
): K[] {
  return keys
    .filter(
      (k) =>
        k.keysetId !== REFRESH_KEYSET_ID &&
        keysets.has(k.keysetId) &&
        canClientAccessKeyset(keysets.get(k.keysetId), client),
    )
    .sort((a, b) => a.id - b.id);
}
