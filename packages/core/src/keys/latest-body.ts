import { accessibleKeys, keysetsById } from './access.js';
import { type KeyEndpointInput, keyToJson } from './key-json.js';
import type { Keyset } from './model.js';

/** One element of the legacy `/v2/key/latest` body: the key object plus its keyset's owner site. */
export interface LegacyKeyJson {
  id: number;
  created: number;
  activates: number;
  expires: number;
  secret: string;
  /** The owning keyset's site (−1 for master keys). */
  site_id: number;
}

/**
 * Builds the legacy `/v2/key/latest` body (`getAccessibleKeysAsJson`, §5.6): a bare array of the
 * accessible keys (§5.1, ascending id), each with `site_id`. The route's own checks (ID_READER, and
 * caller site id > 2 else 401 `invalid_client`) are the caller's job.
 */
export function buildKeyLatestBody(input: Omit<KeyEndpointInput, 'sites'>): LegacyKeyJson[] {
  const keysets = keysetsById(input.keysets);
  return accessibleKeys(input.keys, keysets, input.caller).map((key) => ({
    ...keyToJson(key),
    site_id: (keysets.get(key.keysetId) as Keyset).siteId,
  }));
}
