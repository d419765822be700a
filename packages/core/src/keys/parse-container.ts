import { Buffer } from 'node:buffer';
import { fromBase64 } from '../lib/base64.js';
import { type CodedError, fail, ok, type Result } from '../lib/result.js';
import { sortKeysByActivates } from './active-key.js';
import type { ContainerKey, KeyContainer } from './container.js';
import { foldDomainOrAppName } from './domain-names.js';
import { DEFAULT_ALLOW_CLOCK_SKEW_SECONDS, DEFAULT_SHARING_TOKEN_EXPIRY_SECONDS } from './model.js';

/** Why a key-distribution response could not be loaded. */
export type KeyContainerErrorCode =
  | 'invalid_json'
  | 'invalid_body'
  | 'invalid_field'
  | 'invalid_key'
  | 'invalid_site_data';

export type KeyContainerError = CodedError<KeyContainerErrorCode>;

type JsonObject = { readonly [field: string]: unknown };
type Failure = { readonly ok: false; readonly error: KeyContainerError };

const INT_TEXT_RE = /^[+-]?[0-9]+$/;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * An integer field, as the SDK parsers read it: a JSON integer or a decimal string (Gson/Newtonsoft
 * both convert strings). Missing or null → `fallback` (undefined = required). Returns a message on error.
 */
function intField(
  obj: JsonObject,
  name: string,
  fallback: number | undefined,
  where: string,
): number | string {
  const value = obj[name];
  if (value === undefined || value === null) {
    return fallback ?? `${where}: "${name}" is required`;
  }
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && INT_TEXT_RE.test(value)) return Number(value);
  return `${where}: "${name}" must be an integer or a decimal string`;
}

function fieldError(message: string): Failure {
  return fail('invalid_field', message);
}

function parseSecret(value: unknown, where: string): Buffer | Failure {
  if (typeof value !== 'string') return fail('invalid_key', `${where}: "secret" must be a base64 string`);
  const secret = fromBase64(value);
  if (secret === undefined) return fail('invalid_key', `${where}: "secret" is not valid base64`);
  if (secret.length !== 32 && secret.length !== 24 && secret.length !== 16) {
    return fail(
      'invalid_key',
      `${where}: "secret" must decode to an AES key (16, 24 or 32 bytes), got ${secret.length}`,
    );
  }
  return secret;
}

/** One key object; `legacy` keys carry a required `site_id`, keyset-style keys an optional `keyset_id`. */
function parseKey(item: unknown, index: number, legacy: boolean): ContainerKey | Failure {
  const where = `keys[${index}]`;
  if (!isObject(item)) return fail('invalid_key', `${where} must be an object`);
  const id = intField(item, 'id', undefined, where);
  if (typeof id === 'string') return fieldError(id);
  const keysetId = legacy ? 0 : intField(item, 'keyset_id', 0, where);
  if (typeof keysetId === 'string') return fieldError(keysetId);
  const siteId = legacy ? intField(item, 'site_id', undefined, where) : 0;
  if (typeof siteId === 'string') return fieldError(siteId);
  const created = intField(item, 'created', undefined, where);
  if (typeof created === 'string') return fieldError(created);
  const activates = intField(item, 'activates', undefined, where);
  if (typeof activates === 'string') return fieldError(activates);
  const expires = intField(item, 'expires', undefined, where);
  if (typeof expires === 'string') return fieldError(expires);
  const secret = parseSecret(item['secret'], where);
  if (!Buffer.isBuffer(secret)) return secret;
  return { id, keysetId, siteId, created, activates, expires, secret };
}

function parseKeys(value: unknown, legacy: boolean): ContainerKey[] | Failure {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return fieldError('"keys" must be an array');
  const keys: ContainerKey[] = [];
  for (let i = 0; i < value.length; i++) {
    const key = parseKey(value[i], i, legacy);
    if ('ok' in key) return key;
    keys.push(key);
  }
  return keys;
}

/** `site_data`: entries with id 0 (or no id) are skipped, as in Java's `KeyParser`. */
function parseSiteData(value: unknown): Map<number, ReadonlySet<string>> | Failure {
  const sites = new Map<number, ReadonlySet<string>>();
  if (value === undefined || value === null) return sites;
  if (!Array.isArray(value)) return fail('invalid_site_data', '"site_data" must be an array');
  for (let i = 0; i < value.length; i++) {
    const entry: unknown = value[i];
    const where = `site_data[${i}]`;
    if (!isObject(entry)) return fail('invalid_site_data', `${where} must be an object`);
    const id = intField(entry, 'id', 0, where);
    if (typeof id === 'string') return fail('invalid_site_data', id);
    if (id === 0) continue;
    const names: unknown = entry['domain_names'];
    if (!Array.isArray(names)) return fail('invalid_site_data', `${where}: "domain_names" must be an array`);
    const folded = new Set<string>();
    for (const name of names as unknown[]) {
      if (typeof name === 'string') folded.add(foldDomainOrAppName(name));
      else if (typeof name === 'number' && Number.isFinite(name)) folded.add(String(name));
      else return fail('invalid_site_data', `${where}: "domain_names" must hold strings`);
    }
    sites.set(id, folded);
  }
  return sites;
}

type ContainerSettings = Omit<
  KeyContainer,
  'keysById' | 'keysByKeyset' | 'siteNames' | 'latestKeyExpiryMs' | 'getKey'
>;

function assemble(
  settings: ContainerSettings,
  keys: readonly ContainerKey[],
  siteNames: Map<number, ReadonlySet<string>>,
): KeyContainer {
  const keysById = new Map<number, ContainerKey>();
  const grouped = new Map<number, ContainerKey[]>();
  let latestExpires = Number.NEGATIVE_INFINITY;
  for (const key of keys) {
    keysById.set(key.id, key);
    if (key.keysetId > 0) {
      const list = grouped.get(key.keysetId);
      if (list === undefined) grouped.set(key.keysetId, [key]);
      else list.push(key);
    }
    if (key.expires > latestExpires) latestExpires = key.expires;
  }
  const keysByKeyset = new Map<number, readonly ContainerKey[]>();
  for (const [keysetId, list] of grouped) keysByKeyset.set(keysetId, sortKeysByActivates(list));
  return {
    ...settings,
    keysById,
    keysByKeyset,
    siteNames,
    latestKeyExpiryMs: latestExpires * 1000,
    getKey: keysById.get.bind(keysById),
  };
}

function parseKeysetBody(body: JsonObject): Result<KeyContainer, KeyContainerError> {
  const ints: Record<string, number> = {};
  const spec: ReadonlyArray<readonly [string, number]> = [
    ['caller_site_id', 0],
    ['master_keyset_id', 0],
    ['default_keyset_id', 0],
    ['token_expiry_seconds', 0],
    ['max_bidstream_lifetime_seconds', Number.POSITIVE_INFINITY],
    ['max_sharing_lifetime_seconds', Number.POSITIVE_INFINITY],
    ['allow_clock_skew_seconds', DEFAULT_ALLOW_CLOCK_SKEW_SECONDS],
  ];
  for (const [name, fallback] of spec) {
    const value = intField(body, name, fallback, 'body');
    if (typeof value === 'string') return fieldError(value);
    ints[name] = value;
  }
  const keys = parseKeys(body['keys'], false);
  if (!Array.isArray(keys)) return keys;
  const sites = parseSiteData(body['site_data']);
  if (!(sites instanceof Map)) return sites;
  const tokenExpiry = ints['token_expiry_seconds'] as number;
  const settings: ContainerSettings = {
    format: 'keyset',
    callerSiteId: ints['caller_site_id'] as number,
    masterKeysetId: ints['master_keyset_id'] as number,
    defaultKeysetId: ints['default_keyset_id'] as number,
    tokenExpirySeconds: tokenExpiry === 0 ? DEFAULT_SHARING_TOKEN_EXPIRY_SECONDS : tokenExpiry,
    identityScope: body['identity_scope'] === 'EUID' ? 'EUID' : 'UID2',
    maxBidstreamLifetimeSeconds: ints['max_bidstream_lifetime_seconds'] as number,
    maxSharingLifetimeSeconds: ints['max_sharing_lifetime_seconds'] as number,
    allowClockSkewSeconds: ints['allow_clock_skew_seconds'] as number,
  };
  return ok(assemble(settings, keys, sites));
}

function parseLegacyBody(body: readonly unknown[]): Result<KeyContainer, KeyContainerError> {
  const keys = parseKeys(body, true);
  if (!Array.isArray(keys)) return keys;
  const settings: ContainerSettings = {
    format: 'legacy',
    callerSiteId: 0,
    masterKeysetId: 0,
    defaultKeysetId: 0,
    tokenExpirySeconds: DEFAULT_SHARING_TOKEN_EXPIRY_SECONDS,
    identityScope: 'UID2',
    maxBidstreamLifetimeSeconds: Number.POSITIVE_INFINITY,
    maxSharingLifetimeSeconds: Number.POSITIVE_INFINITY,
    allowClockSkewSeconds: DEFAULT_ALLOW_CLOCK_SKEW_SECONDS,
  };
  return ok(assemble(settings, keys, new Map()));
}

/**
 * Loads a key-distribution response the way the SDKs' `KeyParser` does (§6.6). Accepts the decrypted
 * response (`{"body": …}`), its `body` alone, or either as JSON text. An object body is a
 * `/v2/key/sharing` or `/v2/key/bidstream` body; an array body is the legacy `/v2/key/latest` list.
 *
 * Defaults: `caller_site_id`, `master_keyset_id`, `default_keyset_id` 0; `max_*_lifetime_seconds`
 * unlimited (`Infinity`); `allow_clock_skew_seconds` 1800; `identity_scope` UID2 unless exactly
 * `"EUID"`; `token_expiry_seconds` (number or string) 0/missing → 2592000; key `keyset_id` 0 (the key
 * then only decrypts); `site_data` entries with id 0 skipped. Unknown fields are ignored. Integer
 * fields may be JSON numbers or decimal strings. Legacy arrays get the same container defaults
 * (the Java SDK leaves scope unset and lifetimes 0 there). Never throws.
 */
export function parseKeyContainer(json: unknown): Result<KeyContainer, KeyContainerError> {
  let root = json;
  if (typeof root === 'string') {
    try {
      root = JSON.parse(root) as unknown;
    } catch {
      return fail('invalid_json', 'key container is not valid JSON text');
    }
  }
  if (isObject(root) && root['body'] !== undefined) root = root['body'];
  if (Array.isArray(root)) return parseLegacyBody(root);
  if (isObject(root)) return parseKeysetBody(root);
  return fail('invalid_body', 'key container body must be a JSON object or array');
}
