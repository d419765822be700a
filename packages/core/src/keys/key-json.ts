import { toBase64 } from '../lib/base64.js';
import type { KeyClient } from './access.js';
import type { Keyset, KeysetKey } from './model.js';

/** A key as the key endpoints write it (`UIDOperatorVerticle.toJson(KeysetKey)`), times in epoch seconds. */
export interface KeyJson {
  id: number;
  created: number;
  activates: number;
  expires: number;
  secret: string;
  /** `/v2/key/sharing` only: own keysets' id, 9999999 for master keys, absent otherwise. */
  keyset_id?: number;
}

/** One `site_data` entry: a site and its sorted domain (and optionally app) names. */
export interface SiteDataJson {
  id: number;
  domain_names: string[];
}

/** A site's names as the operator's site store holds them. */
export interface SiteNames {
  readonly id: number;
  readonly domainNames: readonly string[];
  readonly appNames?: readonly string[];
}

/** Plain-data input shared by the key-endpoint body builders. */
export interface KeyEndpointInput {
  /** Every keyset key the operator holds (refresh keys and keys of unknown keysets are dropped). */
  readonly keys: readonly KeysetKey[];
  readonly keysets: readonly Keyset[] | ReadonlyMap<number, Keyset>;
  /** Site names for `site_data`; only read when CSTG is enabled. */
  readonly sites?: readonly SiteNames[] | ReadonlyMap<number, SiteNames>;
  readonly caller: KeyClient;
}

/** Options that shape `site_data`. */
export interface SiteDataOptions {
  /** Operator `client_side_token_generate`: without it there is no `site_data` at all. Default false. */
  readonly cstgEnabled?: boolean;
  /** Operator `key_sharing_endpoint_provide_app_names`: merge app names into `domain_names`. Default false. */
  readonly provideAppNames?: boolean;
}

/** The common key object (no `keyset_id`, no `site_id`), fields in the operator's order. */
export function keyToJson(key: KeysetKey): KeyJson {
  return {
    id: key.id,
    created: key.created,
    activates: key.activates,
    expires: key.expires,
    secret: toBase64(key.secret),
  };
}

function sitesById(sites: KeyEndpointInput['sites']): ReadonlyMap<number, SiteNames> {
  if (sites === undefined) return new Map();
  if (!Array.isArray(sites)) return sites as ReadonlyMap<number, SiteNames>;
  const map = new Map<number, SiteNames>();
  for (const site of sites as readonly SiteNames[]) map.set(site.id, site);
  return map;
}

/**
 * `site_data` (`addSites`): for the distinct owner sites of `keys`' keysets, ascending, the sites that
 * exist and have domain names (or app names when `provideAppNames`), each with the sorted, de-duplicated
 * union of its names. Returns undefined when CSTG is disabled (the field is then omitted).
 */
export function buildSiteData(
  keys: readonly KeysetKey[],
  keysets: ReadonlyMap<number, Keyset>,
  sites: KeyEndpointInput['sites'],
  options: SiteDataOptions,
): SiteDataJson[] | undefined {
  if (options.cstgEnabled !== true) return undefined;
  const provideAppNames = options.provideAppNames === true;
  const siteMap = sitesById(sites);
  const ownerIds = new Set<number>();
  for (const key of keys) {
    const keyset = keysets.get(key.keysetId);
    if (keyset !== undefined) ownerIds.add(keyset.siteId);
  }
  const out: SiteDataJson[] = [];
  for (const id of [...ownerIds].sort((a, b) => a - b)) {
    const site = siteMap.get(id);
    if (site === undefined) continue;
    const appNames = site.appNames ?? [];
    if (site.domainNames.length === 0 && !(provideAppNames && appNames.length > 0)) continue;
    const names = new Set(site.domainNames);
    if (provideAppNames) for (const name of appNames) names.add(name);
    out.push({ id, domain_names: [...names].sort(compareUtf16) });
  }
  return out;
}

/** Java `String.compareTo` order (UTF-16 code units), which is also JS's default sort order. */
function compareUtf16(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
