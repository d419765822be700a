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
import { DEFAULT_ALLOW_CLOCK_SKEW_SECONDS, TOKEN_LIFETIME_TOLERANCE_SECONDS } from './model.js';

/** Operator configuration read by `/v2/key/bidstream`. */
export interface KeyBidstreamConfig extends SiteDataOptions {
  readonly identityScope: IdentityScope;
  /** Runtime config `max_bidstream_lifetime_seconds` (defaults to the identity-token lifetime upstream). */
  readonly maxBidstreamLifetimeSeconds: number;
  /** Operator config `allow_clock_skew_seconds`; default 1800. */
  readonly allowClockSkewSeconds?: number;
}

/** The decrypted `body` of a `/v2/key/bidstream` response, fields in the operator's order. */
export interface KeyBidstreamBody {
  max_bidstream_lifetime_seconds: number;
  identity_scope: IdentityScope;
  allow_clock_skew_seconds: number;
  keys: KeyJson[];
  site_data?: SiteDataJson[];
}

/**
 * Builds the `/v2/key/bidstream` body (`UIDOperatorVerticle.handleKeysBidstream`, §5.5):
 * `max_bidstream_lifetime_seconds` = configured + 10, the scope and clock skew, the accessible keys
 * (§5.1, ascending id) **without** `keyset_id`, and `site_data` when CSTG is enabled. There is no
 * caller, master or default keyset field, so bidstream clients can only decrypt. The ID_READER
 * route check is the caller's job.
 */
export function buildKeyBidstreamBody(input: KeyEndpointInput, config: KeyBidstreamConfig): KeyBidstreamBody {
  const keysets = keysetsById(input.keysets);
  const visible = accessibleKeys(input.keys, keysets, input.caller);
  const body: KeyBidstreamBody = {
    max_bidstream_lifetime_seconds: config.maxBidstreamLifetimeSeconds + TOKEN_LIFETIME_TOLERANCE_SECONDS,
    identity_scope: config.identityScope,
    allow_clock_skew_seconds: config.allowClockSkewSeconds ?? DEFAULT_ALLOW_CLOCK_SKEW_SECONDS,
    keys: visible.map(keyToJson),
  };
  const siteData = buildSiteData(visible, keysets, input.sites, config);
  if (siteData !== undefined) body.site_data = siteData;
  return body;
}
