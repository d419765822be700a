import {
  buildKeyBidstreamBody,
  buildKeyLatestBody,
  buildKeySharingBody,
  defaultKeysetOfSite,
  type KeyClient,
  type Keyset,
  keysetsById,
  MASTER_KEYSET_ID,
} from '@uid2-ts/core';
import { maxBidstreamLifetime, maxSharingLifetime, type RuntimeSettings } from '../../config/runtime.js';
import type { Client } from '../../snapshot/clients.js';
import type { KeyRing } from '../../snapshot/keys.js';
import type { OperatorSnapshot } from '../../snapshot/snapshot.js';
import { type EndpointResult, successJson } from '../envelope-route.js';

/** The three key-distribution endpoints (api.md §7). */
export type KeyEndpoint = 'sharing' | 'bidstream' | 'latest';

/**
 * What the reference answers when a key endpoint fails inside its handler (no active master key,
 * several enabled default keysets for the caller's site): Vert.x's generic 500, in plain text.
 */
export const KEY_ENDPOINT_FAILURE: EndpointResult = Object.freeze({
  kind: 'text',
  httpStatus: 500,
  text: 'Internal Server Error',
});

/** Keysets by id, built once per key ring (the builders would otherwise index them per call). */
const keysetMaps = new WeakMap<KeyRing, ReadonlyMap<number, Keyset>>();

function keysetMapOf(ring: KeyRing): ReadonlyMap<number, Keyset> {
  let map = keysetMaps.get(ring);
  if (map === undefined) {
    map = keysetsById(ring.keysets);
    keysetMaps.set(ring, map);
  }
  return map;
}

const ID_READER_BIT = 1;
const SHARER_BIT = 2;

/** The only roles that change a key body: ID_READER (access to "allow all" keysets) and SHARER. */
function roleBits(client: Client): number {
  return (client.roles.has('ID_READER') ? ID_READER_BIT : 0) | (client.roles.has('SHARER') ? SHARER_BIT : 0);
}

function keyClient(siteId: number, bits: number): KeyClient {
  const roles: string[] = [];
  if (bits & ID_READER_BIT) roles.push('ID_READER');
  if (bits & SHARER_BIT) roles.push('SHARER');
  return { siteId, roles };
}

/**
 * Serialized bodies of one key endpoint, memoized per (snapshot, caller site, ID_READER/SHARER
 * bits): the body depends on nothing else (settings are fixed for the operator's life), so a DSP
 * polling every few seconds costs a few map lookups plus the envelope. A new snapshot (any store
 * change) starts a new memo; old ones go with their snapshot.
 */
export class KeyBodyCache {
  readonly #endpoint: KeyEndpoint;
  readonly #settings: RuntimeSettings;
  /** snapshot → site id → role bits (0–3) → body JSON. */
  readonly #memo = new WeakMap<OperatorSnapshot, Map<number, Array<string | undefined>>>();

  constructor(endpoint: KeyEndpoint, settings: RuntimeSettings) {
    this.#endpoint = endpoint;
    this.#settings = settings;
  }

  /**
   * The endpoint's answer for `client` at `nowMs`: the cached body, or the reference's plain 500
   * when there is no active master key (`KeyManager.getMasterKey` throws in every key handler) or
   * the caller's site has several enabled default keysets.
   */
  respond(snapshot: OperatorSnapshot, client: Client, nowMs: number): EndpointResult {
    if (snapshot.keys.activeKey(MASTER_KEYSET_ID, nowMs) === undefined) return KEY_ENDPOINT_FAILURE;
    const json = this.#bodyJson(snapshot, client.siteId, roleBits(client));
    return json === undefined ? KEY_ENDPOINT_FAILURE : successJson(json);
  }

  /** The body JSON for a caller, built on first use; undefined when the reference would fail. */
  #bodyJson(snapshot: OperatorSnapshot, siteId: number, bits: number): string | undefined {
    let bySite = this.#memo.get(snapshot);
    if (bySite === undefined) {
      bySite = new Map();
      this.#memo.set(snapshot, bySite);
    }
    let byRoles = bySite.get(siteId);
    if (byRoles === undefined) {
      byRoles = [undefined, undefined, undefined, undefined];
      bySite.set(siteId, byRoles);
    }
    const cached = byRoles[bits];
    if (cached !== undefined) return cached;
    const built = this.#build(snapshot, siteId, bits);
    if (built !== undefined) byRoles[bits] = built;
    return built;
  }

  #build(snapshot: OperatorSnapshot, siteId: number, bits: number): string | undefined {
    const keysets = keysetMapOf(snapshot.keys);
    const caller = keyClient(siteId, bits);
    const s = this.#settings;
    try {
      // Every reference key handler resolves the caller's default keyset first (and fails on duplicates).
      defaultKeysetOfSite(keysets.values(), siteId);
    } catch {
      return undefined;
    }
    const input = { keys: snapshot.keys.keys, keysets, sites: snapshot.sites, caller };
    const siteData = {
      cstgEnabled: s.client_side_token_generate,
      provideAppNames: s.key_sharing_endpoint_provide_app_names,
    };
    switch (this.#endpoint) {
      case 'sharing':
        return JSON.stringify(
          buildKeySharingBody(input, {
            ...siteData,
            identityScope: s.identity_scope,
            sharingTokenExpirySeconds: s.sharing_token_expiry_seconds,
            maxSharingLifetimeSeconds: maxSharingLifetime(s),
            allowClockSkewSeconds: s.allow_clock_skew_seconds,
          }),
        );
      case 'bidstream':
        return JSON.stringify(
          buildKeyBidstreamBody(input, {
            ...siteData,
            identityScope: s.identity_scope,
            maxBidstreamLifetimeSeconds: maxBidstreamLifetime(s),
            allowClockSkewSeconds: s.allow_clock_skew_seconds,
          }),
        );
      case 'latest':
        return JSON.stringify(buildKeyLatestBody(input));
    }
  }
}
