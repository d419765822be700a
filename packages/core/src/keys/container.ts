import type { IdentityScope } from '../identity/types.js';
import { activeKeyInSorted } from './active-key.js';
import { foldDomainOrAppName } from './domain-names.js';
import type { KeysetKey } from './model.js';

/**
 * A key as an SDK holds it. `keysetId` is 0 when the JSON had none (such keys only decrypt);
 * `siteId` is the legacy `/v2/key/latest` `site_id`, 0 for keyset-style containers (it is what
 * decryption reports as `siteKeySiteId`, like the reference SDKs).
 */
export interface ContainerKey extends KeysetKey {
  readonly siteId: number;
}

/**
 * Parsed key-distribution response (`/v2/key/sharing`, `/v2/key/bidstream`, or the legacy
 * `/v2/key/latest` array), indexed once for the decrypt/encrypt hot paths. Defaults follow §6.6.
 */
export interface KeyContainer {
  /** `keyset` for sharing/bidstream bodies (an object), `legacy` for the `/v2/key/latest` array. */
  readonly format: 'keyset' | 'legacy';
  readonly callerSiteId: number;
  readonly masterKeysetId: number;
  readonly defaultKeysetId: number;
  /** Sharing-token lifetime; 0 or missing → 30 days. */
  readonly tokenExpirySeconds: number;
  readonly identityScope: IdentityScope;
  /** `Infinity` when missing. */
  readonly maxBidstreamLifetimeSeconds: number;
  /** `Infinity` when missing. */
  readonly maxSharingLifetimeSeconds: number;
  readonly allowClockSkewSeconds: number;
  /** Every key by id (a later duplicate id replaces an earlier one, as in Java's `HashMap`). */
  readonly keysById: ReadonlyMap<number, ContainerKey>;
  /** Keys with `keysetId > 0`, grouped by keyset, each list stably sorted by `activates`. */
  readonly keysByKeyset: ReadonlyMap<number, readonly ContainerKey[]>;
  /** `site_data`: site id → case-folded domain/app names. */
  readonly siteNames: ReadonlyMap<number, ReadonlySet<string>>;
  /** Latest `expires` over all keys, in epoch ms (−Infinity without keys). */
  readonly latestKeyExpiryMs: number;
  /** `keysById.get`, pre-bound: the key lookup handed to the token decoder. */
  readonly getKey: (id: number) => ContainerKey | undefined;
}

/** SDK `KeyContainer.isValid`: true while `nowMs` is before the latest key expiry (else `KeysNotSynced`). */
export function isKeyContainerValid(container: KeyContainer, nowMs: number): boolean {
  return nowMs < container.latestKeyExpiryMs;
}

/** Active key (`activates ≤ now < expires`) of any keyset of the container, or undefined. */
export function getActiveKeysetKey(
  container: KeyContainer,
  keysetId: number,
  nowMs: number,
): ContainerKey | undefined {
  const list = container.keysByKeyset.get(keysetId);
  return list === undefined ? undefined : activeKeyInSorted(list, nowMs, 'sdk');
}

/** The active key of keyset `master_keyset_id`, used as master key by sharing encryption (SDK `getMasterKey`). */
export function getActiveMasterKey(container: KeyContainer, nowMs: number): ContainerKey | undefined {
  return getActiveKeysetKey(container, container.masterKeysetId, nowMs);
}

/** The active key of keyset `default_keyset_id`, used as site key by sharing encryption (SDK `getDefaultKey`). */
export function getActiveDefaultKey(container: KeyContainer, nowMs: number): ContainerKey | undefined {
  return getActiveKeysetKey(container, container.defaultKeysetId, nowMs);
}

/**
 * SDK `isDomainOrAppNameAllowedForSite`: true iff `site_data` lists `siteId` and one of its names equals
 * `name` case-insensitively (exact match, no subdomain logic). A missing name, or a container without
 * `site_data`, gives false.
 */
export function isDomainOrAppNameAllowedForSite(
  container: KeyContainer,
  siteId: number,
  name: string | null | undefined,
): boolean {
  if (typeof name !== 'string') return false;
  return container.siteNames.get(siteId)?.has(foldDomainOrAppName(name)) === true;
}
