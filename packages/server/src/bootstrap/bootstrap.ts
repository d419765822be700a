import { randomBytes } from 'node:crypto';
import { generateClientSideKeyPair, generateSubscriptionId } from '@uid2-ts/core';
import type { RuntimeSettings } from '../config/runtime.js';
import {
  clientKeyRecord,
  credentialEnvironment,
  generateApiKey,
  generateClientSecret,
} from '../participants/credentials.js';
import { ensureActiveKey, ensureKeyset, nextKeysetId, nextSiteId } from '../participants/keys.js';
import { initialSaltBuckets } from '../salts/schedule.js';
import type { Store } from '../store/store.js';
import type { KeysetRecord } from '../store/types.js';

/** What bootstrap created; credentials appear only when they were created now (never stored in clear). */
export interface BootstrapReport {
  readonly created: string[];
  readonly demo?: {
    readonly siteId: number;
    readonly apiKey: string;
    readonly secret: string;
    readonly roles: readonly string[];
    readonly subscriptionId: string;
    readonly publicKey: string;
  };
}

const RESERVED_KEYSETS: ReadonlyArray<Pick<KeysetRecord, 'keysetId' | 'siteId' | 'name'>> = [
  { keysetId: -1, siteId: -1, name: 'Master keyset' },
  { keysetId: -2, siteId: -2, name: 'Refresh keyset' },
  { keysetId: 2, siteId: 2, name: 'Fallback publisher keyset' },
];

export const DEMO_ROLES = ['GENERATOR', 'MAPPER', 'SHARER', 'ID_READER'] as const;

/**
 * Brings a store up to what a working system needs, creating only what is missing: the salt
 * configuration and its buckets, the master, refresh and fallback keysets with active keys, and a
 * demo publisher (site, default keyset and key, API key and secret, client-side key pair). Safe to
 * run on every start and from several processes' point of view idempotent.
 */
export async function bootstrap(
  store: Store,
  settings: RuntimeSettings,
  nowMs = Date.now(),
): Promise<BootstrapReport> {
  const created: string[] = [];
  const nowS = Math.floor(nowMs / 1000);

  if (!(await store.getSaltConfig())) {
    const count = settings.salt_bucket_count;
    await store.initSalts(
      {
        firstLevelSalt: randomBytes(32).toString('base64'),
        seed: randomBytes(32),
        idPrefix: 'b',
        idSecret: randomBytes(32).toString('base64'),
        bucketCount: count,
      },
      initialSaltBuckets(count, nowMs, settings.raw_uid_format === 'v4' ? 'key' : 'salt', Math.random),
    );
    created.push(`${count.toLocaleString('en-US')} salt buckets`);
  }

  for (const k of RESERVED_KEYSETS) {
    const fresh = await ensureKeyset(store, {
      ...k,
      allowedSites: k.keysetId === -2 ? [] : null,
      allowedTypes: [],
      created: nowS,
      enabled: true,
      isDefault: true,
    });
    if (fresh) created.push(`keyset ${k.keysetId} (${k.name})`);
    const key = await ensureActiveKey(store, k.keysetId, nowS);
    if (key) created.push(`key ${key.id} in keyset ${k.keysetId}`);
  }

  let demo: BootstrapReport['demo'];
  if ((await store.getMeta('demo_site_id')) === undefined) {
    const siteId = await nextSiteId(store);
    await store.upsertSite({
      id: siteId,
      name: 'Demo Publisher',
      description: 'Created by bootstrap for trying the system out',
      enabled: true,
      visible: true,
      clientTypes: ['PUBLISHER'],
      domainNames: ['localhost'],
      appNames: [],
      created: nowS,
    });
    const keysetId = await nextKeysetId(store);
    await ensureKeyset(store, {
      keysetId,
      siteId,
      name: 'Demo Publisher keyset',
      allowedSites: null,
      allowedTypes: [],
      created: nowS,
      enabled: true,
      isDefault: true,
    });
    await ensureActiveKey(store, keysetId, nowS);
    const env = credentialEnvironment(settings.identity_environment);
    const apiKey = generateApiKey(settings.identity_scope, env, siteId);
    const secret = generateClientSecret();
    await store.upsertClientKey(
      clientKeyRecord({
        key: apiKey,
        secret,
        siteId,
        name: 'Demo Publisher key',
        roles: DEMO_ROLES,
        nowSeconds: nowS,
      }),
    );
    const pair = generateClientSideKeyPair({ scope: settings.identity_scope, env });
    const subscriptionId = generateSubscriptionId();
    await store.upsertKeypair({
      subscriptionId,
      siteId,
      name: 'Demo Publisher key pair',
      publicKey: pair.publicKeyText,
      privateKey: pair.privateKeyText,
      disabled: false,
      created: nowS,
    });
    await store.setMeta('demo_site_id', String(siteId));
    created.push(`demo publisher (site ${siteId})`);
    demo = {
      siteId,
      apiKey,
      secret: secret.toString('base64'),
      roles: DEMO_ROLES,
      subscriptionId,
      publicKey: pair.publicKeyText,
    };
  }
  return demo ? { created, demo } : { created };
}
