import { Buffer } from 'node:buffer';
import { clientKeyRecord } from '../participants/credentials.js';
import { ensureActiveKey, ensureKeyset } from '../participants/keys.js';
import { apiKeyId } from '../snapshot/clients.js';
import type { Store } from '../store/store.js';
import { REFERENCE_CLIENTS, REFERENCE_KEYPAIRS, REFERENCE_SITES } from './reference-fixtures.js';

/**
 * Writes the reference's local test participants into the store, idempotently and verbatim: the
 * API keys (with their well-known secrets), the CSTG key pair `4WvryDGbR5`, a site record and an
 * enabled default keyset with an active key for every fixture site (999 included). Existing
 * records are left as they are. Returns what was added.
 */
export async function loadReferenceFixtures(store: Store, nowMs = Date.now()): Promise<string[]> {
  const nowS = Math.floor(nowMs / 1000);
  const added: string[] = [];
  const sites = new Set((await store.listSites()).map((s) => s.id));
  for (const s of REFERENCE_SITES) {
    if (!sites.has(s.id)) {
      await store.upsertSite({
        id: s.id,
        name: s.name,
        description: 'reference test fixture',
        enabled: true,
        visible: true,
        clientTypes: s.clientTypes,
        domainNames: s.domainNames,
        appNames: s.appNames,
        created: nowS,
      });
      added.push(`site ${s.id}`);
    }
    const fresh = await ensureKeyset(store, {
      keysetId: s.keysetId,
      siteId: s.id,
      name: `${s.name} keyset`,
      allowedSites: s.allowedSites,
      allowedTypes: [],
      created: nowS,
      enabled: true,
      isDefault: true,
    });
    if (fresh) added.push(`keyset ${s.keysetId}`);
    if (await ensureActiveKey(store, s.keysetId, nowS)) added.push(`key for keyset ${s.keysetId}`);
  }
  const keyIds = new Set((await store.listClientKeys()).map((k) => k.keyId));
  for (const c of REFERENCE_CLIENTS) {
    if (keyIds.has(apiKeyId(c.key))) continue;
    await store.upsertClientKey(
      clientKeyRecord({
        key: c.key,
        secret: Buffer.from(c.secret, 'base64'),
        siteId: c.siteId,
        name: c.name,
        roles: c.roles,
        nowSeconds: nowS,
      }),
    );
    added.push(`API key ${apiKeyId(c.key)}`);
  }
  const pairs = new Set((await store.listKeypairs()).map((k) => k.subscriptionId));
  for (const p of REFERENCE_KEYPAIRS) {
    if (pairs.has(p.subscriptionId)) continue;
    await store.upsertKeypair({ ...p, name: 'reference test key pair', disabled: false, created: nowS });
    added.push(`key pair ${p.subscriptionId}`);
  }
  return added;
}
