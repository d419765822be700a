// Export and import of a whole deployment (backup, or moving from one store engine to another).
import { Buffer } from 'node:buffer';
import { z } from 'zod';
import type { Store } from '../store/store.js';
import type { AuditRecord, SaltBucketRecord } from '../store/types.js';
import { CLIENT_TYPES } from '../store/types.js';
import { type AdminContext, audit } from './context.js';
import { conflict, invalid } from './errors.js';

export const EXPORT_FORMAT = 'uid2-ts-deployment';
export const EXPORT_VERSION = 1;
/** Meta entries that belong to the deployment (not the master key check, not engine counters). */
const EXPORTED_META = ['demo_site_id', 'admin_tokens'];
const PAGE = 10_000;

const b64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64');
const int = z.number().int();
const clientType = z.enum(CLIENT_TYPES as unknown as [string, ...string[]]);
/** A salt bucket as an array: idx, generation, format, keyId, previous generation/format/keyId, times. */
const bucket = z.tuple([
  int,
  int,
  z.enum(['salt', 'key']),
  int,
  int.nullable(),
  z.enum(['salt', 'key']).nullable(),
  int.nullable(),
  int,
  int,
]);

const exportSchema = z.object({
  format: z.literal(EXPORT_FORMAT),
  version: z.literal(EXPORT_VERSION),
  exportedAt: int,
  notice: z.string().optional(),
  saltConfig: z.object({
    firstLevelSalt: z.string(),
    seed: b64,
    idPrefix: z.string(),
    idSecret: z.string(),
    bucketCount: int.positive(),
  }),
  saltBuckets: z.array(bucket),
  sites: z.array(
    z.object({
      id: int,
      name: z.string(),
      description: z.string(),
      enabled: z.boolean(),
      visible: z.boolean(),
      clientTypes: z.array(clientType),
      domainNames: z.array(z.string()),
      appNames: z.array(z.string()),
      created: int,
    }),
  ),
  clientKeys: z.array(
    z.object({
      keyId: z.string(),
      keyHash: b64,
      keySalt: b64,
      secret: b64,
      name: z.string(),
      contact: z.string(),
      siteId: int,
      roles: z.array(z.string()),
      disabled: z.boolean(),
      serviceId: int,
      created: int,
    }),
  ),
  keysets: z.array(
    z.object({
      keysetId: int,
      siteId: int,
      name: z.string(),
      allowedSites: z.array(int).nullable(),
      allowedTypes: z.array(clientType),
      created: int,
      enabled: z.boolean(),
      isDefault: z.boolean(),
    }),
  ),
  keys: z.array(
    z.object({ id: int, keysetId: int, created: int, activates: int, expires: int, secret: b64 }),
  ),
  keypairs: z.array(
    z.object({
      subscriptionId: z.string(),
      siteId: int,
      name: z.string(),
      publicKey: z.string(),
      privateKey: z.string(),
      disabled: z.boolean(),
      created: int,
    }),
  ),
  partners: z.array(
    z.object({
      name: z.string(),
      url: z.string(),
      method: z.enum(['GET', 'POST']),
      headers: z.array(z.string()),
      format: z.enum(['reference', 'batch']),
      secret: z.string().nullable(),
      batchSize: int,
      enabled: z.boolean(),
      created: int,
    }),
  ),
  optOuts: z.array(z.tuple([b64, b64, int])),
  audit: z.array(
    z.object({
      id: int,
      ts: int,
      actor: z.string(),
      action: z.string(),
      target: z.string(),
      details: z.record(z.string(), z.unknown()),
    }),
  ),
  meta: z.record(z.string(), z.string()),
});

export type DeploymentExport = z.infer<typeof exportSchema>;

export const EXPORT_NOTICE =
  'This file holds every secret of the deployment in clear (client secrets, key secrets, salts, ' +
  'private keys). Keep it like the master key: encrypted, access-controlled, never in a repository.';

/**
 * A complete copy of the deployment with secrets decrypted: salt configuration and buckets, sites,
 * API keys (hashes and client secrets), keysets and keys, client-side key pairs, partners, opt-outs,
 * the audit log and the deployment's meta entries.
 */
export async function exportDeployment(ctx: AdminContext): Promise<DeploymentExport> {
  const { store } = ctx;
  const config = await store.getSaltConfig();
  if (!config) throw invalid('the store has no salt configuration (nothing to export)');
  const saltBuckets: DeploymentExport['saltBuckets'] = [];
  await store.forEachSaltBucket((b) => {
    saltBuckets.push([
      b.idx,
      b.generation,
      b.format,
      b.keyId,
      b.previousGeneration,
      b.previousFormat,
      b.previousKeyId,
      b.lastUpdatedMs,
      b.refreshFromMs,
    ]);
  });
  const optOuts: DeploymentExport['optOuts'] = [];
  for (let after = 0; ; ) {
    const page = await store.listOptOutsAfter(after, PAGE);
    for (const o of page)
      optOuts.push([o.firstLevelHash.toString('base64'), o.advertisingId.toString('base64'), o.timestamp]);
    if (page.length < PAGE) break;
    after = page[page.length - 1]?.seq ?? after;
  }
  const auditLog: AuditRecord[] = [];
  for (let before: number | undefined; ; ) {
    const page = await store.listAudit(
      before === undefined ? { limit: PAGE } : { limit: PAGE, beforeId: before },
    );
    auditLog.push(...page);
    if (page.length < PAGE) break;
    before = page[page.length - 1]?.id;
  }
  const meta: Record<string, string> = {};
  for (const k of EXPORTED_META) {
    const v = await store.getMeta(k);
    if (v !== undefined) meta[k] = v;
  }
  const data: DeploymentExport = {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    exportedAt: ctx.now(),
    notice: EXPORT_NOTICE,
    saltConfig: { ...config, seed: config.seed.toString('base64') },
    saltBuckets,
    sites: (await store.listSites()).map((s) => ({
      ...s,
      clientTypes: [...s.clientTypes],
      domainNames: [...s.domainNames],
      appNames: [...s.appNames],
    })),
    clientKeys: (await store.listClientKeys()).map((k) => ({
      ...k,
      roles: [...k.roles],
      secret: k.secret.toString('base64'),
    })),
    keysets: (await store.listKeysets()).map((k) => ({
      ...k,
      allowedSites: k.allowedSites === null ? null : [...k.allowedSites],
      allowedTypes: [...k.allowedTypes],
    })),
    keys: (await store.listKeys()).map((k) => ({ ...k, secret: k.secret.toString('base64') })),
    keypairs: await store.listKeypairs(),
    partners: (await store.listPartners()).map((p) => ({ ...p, headers: [...p.headers] })),
    optOuts,
    audit: auditLog.reverse(),
    meta,
  };
  await audit(ctx, 'deployment.export', 'deployment', {
    sites: data.sites.length,
    clientKeys: data.clientKeys.length,
    optOuts: optOuts.length,
  });
  return data;
}

/** Whether the store holds no deployment data at all (a fresh store, before bootstrap). */
export async function storeIsEmpty(store: Store): Promise<boolean> {
  const [config, sites, keys, keysets, pairs, partners, optOuts, clientKeys] = await Promise.all([
    store.getSaltConfig(),
    store.listSites(),
    store.listKeys(),
    store.listKeysets(),
    store.listKeypairs(),
    store.listPartners(),
    store.listOptOutsAfter(0, 1),
    store.listClientKeys(),
  ]);
  return (
    config === undefined &&
    [sites, keys, keysets, pairs, partners, optOuts, clientKeys].every((list) => list.length === 0)
  );
}

/** Reads an export (parsed JSON), checking every record's shape. */
export function parseExport(value: unknown): DeploymentExport {
  const parsed = exportSchema.safeParse(value);
  if (!parsed.success) {
    const first = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`);
    throw invalid(`not a uid2 deployment export:\n  ${first.join('\n  ')}`);
  }
  return parsed.data;
}

/** Loads an export into an empty store (a non-empty one is refused: nothing is merged). */
export async function importDeployment(
  ctx: AdminContext,
  data: DeploymentExport,
): Promise<Record<string, number>> {
  const { store } = ctx;
  if (!(await storeIsEmpty(store)))
    throw conflict('the store is not empty: import only into a new store (a new --data-dir or database)');
  const buckets: SaltBucketRecord[] = data.saltBuckets.map((b) => ({
    idx: b[0],
    generation: b[1],
    format: b[2],
    keyId: b[3],
    previousGeneration: b[4],
    previousFormat: b[5],
    previousKeyId: b[6],
    lastUpdatedMs: b[7],
    refreshFromMs: b[8],
  }));
  await store.initSalts({ ...data.saltConfig, seed: Buffer.from(data.saltConfig.seed, 'base64') }, buckets);
  for (const s of data.sites) await store.upsertSite(s as Parameters<Store['upsertSite']>[0]);
  for (const k of data.keysets) await store.upsertKeyset(k as Parameters<Store['upsertKeyset']>[0]);
  await store.insertKeys(data.keys.map((k) => ({ ...k, secret: Buffer.from(k.secret, 'base64') })));
  for (const k of data.clientKeys)
    await store.upsertClientKey({ ...k, secret: Buffer.from(k.secret, 'base64') });
  for (const k of data.keypairs) await store.upsertKeypair(k);
  for (const p of data.partners) await store.upsertPartner(p);
  for (let i = 0; i < data.optOuts.length; i += PAGE) {
    await store.appendOptOuts(
      data.optOuts.slice(i, i + PAGE).map(([flh, id, ts]) => ({
        firstLevelHash: Buffer.from(flh, 'base64'),
        advertisingId: Buffer.from(id, 'base64'),
        timestamp: ts,
      })),
    );
  }
  for (const a of data.audit) {
    const { id: _id, ...entry } = a;
    await store.appendAudit(entry);
  }
  for (const [k, v] of Object.entries(data.meta)) if (EXPORTED_META.includes(k)) await store.setMeta(k, v);
  const counts = {
    saltBuckets: buckets.length,
    sites: data.sites.length,
    keysets: data.keysets.length,
    keys: data.keys.length,
    clientKeys: data.clientKeys.length,
    keypairs: data.keypairs.length,
    partners: data.partners.length,
    optOuts: data.optOuts.length,
    audit: data.audit.length,
  };
  await audit(ctx, 'deployment.import', 'deployment', { exportedAt: data.exportedAt, ...counts });
  return counts;
}
