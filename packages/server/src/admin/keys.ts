import {
  clientKeyRecord,
  credentialEnvironment,
  generateApiKey,
  generateClientSecret,
} from '../participants/credentials.js';
import type { ClientKeyRecord } from '../store/types.js';
import { type AdminContext, audit, nowSeconds } from './context.js';
import { invalid, notFound, refused } from './errors.js';
import { getSite } from './sites.js';
import { integerOf, nameOf, rolesOf } from './validation.js';

/** An API key as admin lists it: never the key, its hash or its secret. */
export interface KeyView {
  readonly keyId: string;
  readonly siteId: number;
  readonly name: string;
  readonly contact: string;
  readonly roles: readonly string[];
  readonly disabled: boolean;
  readonly created: number;
}

export function keyView(k: ClientKeyRecord): KeyView {
  return {
    keyId: k.keyId,
    siteId: k.siteId,
    name: k.name,
    contact: k.contact,
    roles: k.roles,
    disabled: k.disabled,
    created: k.created,
  };
}

/** A new or re-issued credential, shown once: the API key (new keys only) and the base64 secret. */
export interface IssuedKey extends KeyView {
  readonly apiKey?: string;
  readonly secret: string;
}

/** A participant's site: it must exist and not be one of the reserved sites (ids ≤ 2). */
export async function participantSite(ctx: AdminContext, siteValue: unknown) {
  if (siteValue === undefined || siteValue === null || siteValue === '') throw invalid('site is required');
  const id = integerOf(siteValue, 'site', -1000);
  if (id <= 2) throw refused(`site ${id} is reserved; participants' sites have ids greater than 2`);
  return getSite(ctx, id);
}

/**
 * Creates an API key in the reference format (`UID2-C-<env>-<site>-xxxxxx.…`) with a new client
 * secret. Only a salted hash of the key is stored, so both are returned to be shown once.
 */
export async function createKey(
  ctx: AdminContext,
  input: { site?: unknown; roles?: unknown; name?: unknown },
): Promise<IssuedKey> {
  const site = await participantSite(ctx, input.site);
  const roles = rolesOf(input.roles, 'roles');
  const name = nameOf(input.name, 'name', true) ?? `${site.name} key`;
  const apiKey = generateApiKey(
    ctx.settings.identity_scope,
    credentialEnvironment(ctx.settings.identity_environment),
    site.id,
  );
  const secret = generateClientSecret();
  const record = clientKeyRecord({
    key: apiKey,
    secret,
    siteId: site.id,
    name,
    roles,
    nowSeconds: nowSeconds(ctx),
  });
  await ctx.store.upsertClientKey(record);
  await audit(ctx, 'client_key.create', `client_key:${record.keyId}`, { siteId: site.id, name, roles });
  return { ...keyView(record), apiKey, secret: secret.toString('base64') };
}

export async function listKeys(ctx: AdminContext, siteValue?: unknown): Promise<KeyView[]> {
  const site = siteValue === undefined || siteValue === '' ? undefined : integerOf(siteValue, 'site', -1000);
  return (await ctx.store.listClientKeys())
    .filter((k) => site === undefined || k.siteId === site)
    .map(keyView);
}

async function getKey(ctx: AdminContext, keyIdValue: unknown): Promise<ClientKeyRecord> {
  if (typeof keyIdValue !== 'string' || keyIdValue === '') throw invalid('key id is required');
  // Accept a whole API key too: its key id is the part before the '.'.
  const keyId = keyIdValue.split('.')[0] ?? keyIdValue;
  const key = (await ctx.store.listClientKeys()).find((k) => k.keyId === keyId);
  if (!key) throw notFound(`API key ${keyId} does not exist`);
  return key;
}

/** Disables an API key: the operator refuses it from its next snapshot on. */
export async function disableKey(ctx: AdminContext, keyId: unknown): Promise<KeyView> {
  const key = await getKey(ctx, keyId);
  const updated = { ...key, disabled: true };
  await ctx.store.upsertClientKey(updated);
  await audit(ctx, 'client_key.disable', `client_key:${key.keyId}`, { siteId: key.siteId });
  return keyView(updated);
}

/** Replaces a key's client secret (the API key stays); the new secret is shown once. */
export async function rotateKeySecret(ctx: AdminContext, keyId: unknown): Promise<IssuedKey> {
  const key = await getKey(ctx, keyId);
  const secret = generateClientSecret();
  const updated = { ...key, secret };
  await ctx.store.upsertClientKey(updated);
  await audit(ctx, 'client_key.rotate_secret', `client_key:${key.keyId}`, { siteId: key.siteId });
  return { ...keyView(updated), secret: secret.toString('base64') };
}
