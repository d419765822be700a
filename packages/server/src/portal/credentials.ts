import type { RuntimeSettings } from '../config/runtime.js';
import {
  clientKeyRecord,
  credentialEnvironment,
  generateApiKey,
  generateClientSecret,
} from '../participants/credentials.js';
import { nextSiteId } from '../participants/keys.js';
import type { SecretBox } from '../secrets/secret-box.js';
import type { Store } from '../store/store.js';

/** The OPTOUT-role credentials the all-in-one portal uses to call its own operator. */
export interface PortalCredentials {
  readonly siteId: number;
  readonly apiKey: string;
  readonly secret: string;
}

const META = 'portal_credentials';
const CONTEXT = `meta:${META}`;

/**
 * Returns the portal's credentials, creating them on first use: a "Transparency and Control Portal"
 * site with an OPTOUT-only API key. Only a hash of an API key is stored with the key itself, so the
 * portal's copy is kept sealed with the master key in the store's metadata; every process of the
 * deployment (same store, same master key) finds the same credentials.
 */
export async function ensurePortalCredentials(
  store: Store,
  secrets: SecretBox,
  settings: RuntimeSettings,
  nowMs = Date.now(),
): Promise<{ credentials: PortalCredentials; created: boolean }> {
  const existing = await store.getMeta(META);
  if (existing !== undefined) {
    return { credentials: JSON.parse(secrets.open(existing, CONTEXT).toString('utf8')), created: false };
  }
  const nowS = Math.floor(nowMs / 1000);
  const siteId = await nextSiteId(store);
  const apiKey = generateApiKey(
    settings.identity_scope,
    credentialEnvironment(settings.identity_environment),
    siteId,
  );
  const secret = generateClientSecret();
  const credentials: PortalCredentials = { siteId, apiKey, secret: secret.toString('base64') };
  const sealed = secrets.seal(JSON.stringify(credentials), CONTEXT);
  // Several processes may start together on PostgreSQL: the first claim wins, the others use it.
  const claimer = store as Store & { claimMeta?(key: string, value: string): Promise<string> };
  const claimed = claimer.claimMeta ? await claimer.claimMeta(META, sealed) : sealed;
  if (claimed !== sealed) {
    return { credentials: JSON.parse(secrets.open(claimed, CONTEXT).toString('utf8')), created: false };
  }
  if (!claimer.claimMeta) await store.setMeta(META, sealed);
  await store.upsertSite({
    id: siteId,
    name: 'Transparency and Control Portal',
    description: 'Created by bootstrap: the opt-out portal submits opt-outs with this site’s OPTOUT key',
    enabled: true,
    visible: false,
    clientTypes: [],
    domainNames: [],
    appNames: [],
    created: nowS,
  });
  await store.upsertClientKey(
    clientKeyRecord({
      key: apiKey,
      secret,
      siteId,
      name: 'Transparency and Control Portal',
      roles: ['OPTOUT'],
      nowSeconds: nowS,
    }),
  );
  return { credentials, created: true };
}
