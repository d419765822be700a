import type { KeysetRecord } from '../store/types.js';
import { type AdminContext, audit } from './context.js';
import { invalid, notFound, refused } from './errors.js';
import { booleanOf, clientTypesOf, integerOf, listOf } from './validation.js';

/** A keyset as admin shows it; `allowedSites: null` means every site. */
export interface KeysetView extends Omit<KeysetRecord, 'allowedTypes'> {
  readonly allowedTypes: readonly string[];
}

export function keysetView(k: KeysetRecord): KeysetView {
  return {
    keysetId: k.keysetId,
    siteId: k.siteId,
    name: k.name,
    allowedSites: k.allowedSites,
    allowedTypes: k.allowedTypes,
    enabled: k.enabled,
    isDefault: k.isDefault,
    created: k.created,
  };
}

export async function listKeysets(ctx: AdminContext): Promise<KeysetView[]> {
  return (await ctx.store.listKeysets()).map(keysetView);
}

/**
 * Changes a keyset's sharing permissions: allowed sites (`all` → every site, `none` → no other
 * site, or a list of existing site ids), allowed client types, enabled. The master and refresh
 * keysets (ids < 0) are refused.
 */
export async function updateKeyset(
  ctx: AdminContext,
  idValue: unknown,
  input: { allowedSites?: unknown; allowedTypes?: unknown; enabled?: unknown },
): Promise<KeysetView> {
  const id = integerOf(idValue, 'keyset id', -1000);
  const keyset = (await ctx.store.listKeysets()).find((k) => k.keysetId === id);
  if (!keyset) throw notFound(`keyset ${id} does not exist`);
  if (id < 0)
    throw refused(
      `keyset ${id} is the ${id === -1 ? 'master' : 'refresh'} keyset; it has no sharing permissions`,
    );
  const changes: {
    allowedSites?: number[] | null;
    allowedTypes?: KeysetRecord['allowedTypes'];
    enabled?: boolean;
  } = {};
  const sites = input.allowedSites;
  if (sites !== undefined) {
    if (sites === null || sites === 'all') changes.allowedSites = null;
    else if (sites === 'none' || sites === '') changes.allowedSites = [];
    else {
      const known = new Set((await ctx.store.listSites()).map((s) => s.id));
      const ids: number[] = [];
      for (const s of listOf(sites, 'allowed sites') ?? []) {
        const n = integerOf(s, 'allowed site id', -1000);
        if (!known.has(n)) throw invalid(`allowed site ${n} does not exist`);
        if (!ids.includes(n)) ids.push(n);
      }
      changes.allowedSites = ids.sort((a, b) => a - b);
    }
  }
  if (input.allowedTypes !== undefined) {
    changes.allowedTypes =
      input.allowedTypes === 'none' ? [] : clientTypesOf(input.allowedTypes, 'allowed types', true);
  }
  const enabled = booleanOf(input.enabled, 'enabled');
  if (enabled !== undefined) changes.enabled = enabled;
  const updated: KeysetRecord = { ...keyset, ...changes };
  await ctx.store.upsertKeyset(updated);
  await audit(ctx, 'keyset.update', `keyset:${id}`, { siteId: keyset.siteId, ...changes });
  return keysetView(updated);
}
