import type { IdentityScope } from '../identity/types.js';
import { accessibleKeys, keysetsById } from './access.js';
import {
  buildSiteData,
  type KeyEndpointInput,
  type KeyJson,
  keyToJson,
  type SiteDataJson,
  type SiteDataOptions,
} from './key-json.js';
import {
  DEFAULT_ALLOW_CLOCK_SKEW_SECONDS,
  type Keyset,
  MASTER_KEYSET_ID,
  MASTER_KEYSET_ID_FOR_SDKS,
  TOKEN_LIFETIME_TOLERANCE_SECONDS,
} from './model.js';

/** Operator configuration read by `/v2/key/sharing`. */
export interface KeySharingConfig extends SiteDataOptions {
  readonly identityScope: IdentityScope;
  /** Runtime config `sharing_token_expiry_seconds`. */
  readonly sharingTokenExpirySeconds: number;
  /** Runtime config `max_sharing_lifetime_seconds`; defaults to `sharingTokenExpirySeconds`. */
  readonly maxSharingLifetimeSeconds?: number;
  /** Operator config `allow_clock_skew_seconds`; default 1800. */
  readonly allowClockSkewSeconds?: number;
}

/** The decrypted `body` of a `/v2/key/sharing` response, fields in the operator's order. */
export interface KeySharingBody {
  caller_site_id: number;
  master_keyset_id: typeof MASTER_KEYSET_ID_FOR_SDKS;
  default_keyset_id?: number;
  /** A JSON **string** on purpose (SDK compatibility). */
  token_expiry_seconds: string;
  max_sharing_lifetime_seconds?: number;
  identity_scope: IdentityScope;
  allow_clock_skew_seconds: number;
  keys: KeyJson[];
  site_data?: SiteDataJson[];
}

/**
 * The caller site's enabled default keyset (`KeyManager.getDefaultKeysetBySiteId`), or undefined.
 * Throws when several are enabled, as the operator does (its request then fails with 500).
 */
export function defaultKeysetOfSite(keysets: Iterable<Keyset>, siteId: number): Keyset | undefined {
  let found: Keyset | undefined;
  for (const keyset of keysets) {
    if (!keyset.enabled || !keyset.isDefault || keyset.siteId !== siteId) continue;
    if (found !== undefined) throw new Error(`Multiple default keysets are enabled with SITE ID ${siteId}.`);
    found = keyset;
  }
  return found;
}

/**
 * Builds the `/v2/key/sharing` body (`UIDOperatorVerticle.handleKeysSharing`, §5.4): master keyset
 * written as 9999999; `default_keyset_id` omitted when the caller's site has no enabled default
 * keyset; `token_expiry_seconds` as a string; `max_sharing_lifetime_seconds` (= configured + 10)
 * only for SHARER callers; each key's `keyset_id` present for the caller's own keysets, 9999999 for
 * master keys, absent otherwise; `site_data` only when CSTG is enabled. Keys are the accessible
 * ones (§5.1) in ascending id order. Route-level role checks (SHARER or ID_READER) are the caller's job.
 */
export function buildKeySharingBody(input: KeyEndpointInput, config: KeySharingConfig): KeySharingBody {
  const keysets = keysetsById(input.keysets);
  const { caller } = input;
  const defaultKeyset = defaultKeysetOfSite(keysets.values(), caller.siteId);
  // Built in the operator's field order (Vert.x JsonObject keeps insertion order).
  const body: KeySharingBody = {
    caller_site_id: caller.siteId,
    master_keyset_id: MASTER_KEYSET_ID_FOR_SDKS,
    ...(defaultKeyset !== undefined ? { default_keyset_id: defaultKeyset.keysetId } : {}),
    token_expiry_seconds: String(config.sharingTokenExpirySeconds),
    ...(caller.roles.includes('SHARER')
      ? {
          max_sharing_lifetime_seconds:
            (config.maxSharingLifetimeSeconds ?? config.sharingTokenExpirySeconds) +
            TOKEN_LIFETIME_TOLERANCE_SECONDS,
        }
      : {}),
    identity_scope: config.identityScope,
    allow_clock_skew_seconds: config.allowClockSkewSeconds ?? DEFAULT_ALLOW_CLOCK_SKEW_SECONDS,
    keys: [],
  };
  const visible = accessibleKeys(input.keys, keysets, caller);
  for (const key of visible) {
    const json = keyToJson(key);
    const keyset = keysets.get(key.keysetId) as Keyset;
    if (keyset.siteId === caller.siteId) json.keyset_id = key.keysetId;
    else if (key.keysetId === MASTER_KEYSET_ID) json.keyset_id = MASTER_KEYSET_ID_FOR_SDKS;
    body.keys.push(json);
  }
  const siteData = buildSiteData(visible, keysets, input.sites, config);
  if (siteData !== undefined) body.site_data = siteData;
  return body;
}
