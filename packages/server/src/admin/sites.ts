import { ensureActiveKey, ensureKeyset, nextKeysetId, nextSiteId } from '../participants/keys.js';
import type { SiteRecord } from '../store/types.js';
import { type AdminContext, audit, nowSeconds } from './context.js';
import { conflict, notFound } from './errors.js';
import { appNamesOf, booleanOf, clientTypesOf, domainsOf, integerOf, nameOf } from './validation.js';

/** A site as admin shows it. */
export interface SiteView
  extends Pick<SiteRecord, 'id' | 'name' | 'description' | 'enabled' | 'appNames' | 'created'> {
  /** The record's `clientTypes`. */
  readonly types: readonly string[];
  /** The record's `domainNames`. */
  readonly domains: readonly string[];
}

export function siteView(s: SiteRecord): SiteView {
  return {
    id: s.id,
    name: s.name,
    description: s.description,
    enabled: s.enabled,
    types: s.clientTypes,
    domains: s.domainNames,
    appNames: s.appNames,
    created: s.created,
  };
}

export interface SiteInput {
  readonly name?: unknown;
  readonly description?: unknown;
  readonly types?: unknown;
  readonly domains?: unknown;
  readonly appNames?: unknown;
  readonly enabled?: unknown;
}

/** The site with this id (a positive integer, as text or number), or not_found. */
export async function getSite(ctx: AdminContext, idValue: unknown): Promise<SiteRecord> {
  const id = integerOf(idValue, 'site id', -1000);
  const site = (await ctx.store.listSites()).find((s) => s.id === id);
  if (!site) throw notFound(`site ${id} does not exist`);
  return site;
}

async function assertUniqueName(ctx: AdminContext, name: string, exceptId?: number): Promise<void> {
  const lower = name.toLowerCase();
  const dup = (await ctx.store.listSites()).find((s) => s.name.toLowerCase() === lower && s.id !== exceptId);
  if (dup) throw conflict(`a site named '${dup.name}' already exists (site ${dup.id})`);
}

/**
 * Creates a site (ids continue after the highest, from 3 as the reference admin's) with an enabled
 * default keyset holding an active key, so the site's tokens work at once. The keyset shares with
 * no other site until `keysets update` says otherwise (the reference's default keyset).
 */
export async function createSite(
  ctx: AdminContext,
  input: SiteInput,
): Promise<{ site: SiteView; keysetId: number }> {
  const name = nameOf(input.name, 'name');
  const types = clientTypesOf(input.types, 'types');
  const domains = domainsOf(input.domains, 'domains');
  const appNames = appNamesOf(input.appNames, 'app names');
  const description = nameOf(input.description, 'description', true) ?? '';
  const enabled = booleanOf(input.enabled, 'enabled') ?? true;
  await assertUniqueName(ctx, name);
  const nowS = nowSeconds(ctx);
  const id = await nextSiteId(ctx.store);
  const site: SiteRecord = {
    id,
    name,
    description,
    enabled,
    visible: true,
    clientTypes: types,
    domainNames: domains,
    appNames,
    created: nowS,
  };
  await ctx.store.upsertSite(site);
  const keysetId = await nextKeysetId(ctx.store);
  await ensureKeyset(ctx.store, {
    keysetId,
    siteId: id,
    name: `${name} keyset`,
    allowedSites: [],
    allowedTypes: [],
    created: nowS,
    enabled: true,
    isDefault: true,
  });
  const key = await ensureActiveKey(ctx.store, keysetId, nowS);
  await audit(ctx, 'site.create', `site:${id}`, { name, types, domains, appNames, enabled, keysetId });
  if (key) await audit(ctx, 'keyset.create', `keyset:${keysetId}`, { siteId: id, keyId: key.id });
  return { site: siteView(site), keysetId };
}

export async function listSites(ctx: AdminContext): Promise<SiteView[]> {
  return (await ctx.store.listSites()).map(siteView);
}

export async function showSite(ctx: AdminContext, id: unknown): Promise<SiteView> {
  return siteView(await getSite(ctx, id));
}

/** Changes the given fields of a site; lists replace the previous ones. */
export async function updateSite(ctx: AdminContext, id: unknown, input: SiteInput): Promise<SiteView> {
  const site = await getSite(ctx, id);
  const changes: Record<string, unknown> = {};
  const name = nameOf(input.name, 'name', true);
  if (name !== undefined && name !== site.name) {
    await assertUniqueName(ctx, name, site.id);
    changes.name = name;
  }
  if (input.description !== undefined)
    changes.description = typeof input.description === 'string' ? input.description.trim() : '';
  if (input.types !== undefined) changes.clientTypes = clientTypesOf(input.types, 'types');
  if (input.domains !== undefined) changes.domainNames = domainsOf(input.domains, 'domains');
  if (input.appNames !== undefined) changes.appNames = appNamesOf(input.appNames, 'app names');
  const enabled = booleanOf(input.enabled, 'enabled');
  if (enabled !== undefined) changes.enabled = enabled;
  const updated: SiteRecord = { ...site, ...changes };
  await ctx.store.upsertSite(updated);
  await audit(ctx, 'site.update', `site:${site.id}`, changes);
  return siteView(updated);
}
