import type { KeyObject } from 'node:crypto';
import { parseCstgPrivateKeyText } from '@uid2-ts/core';
import type { KeypairRecord, SiteRecord } from '../store/types.js';

/** A client-side (CSTG) key pair, ready for ECDH. */
export interface ClientSideKeypair {
  readonly subscriptionId: string;
  readonly siteId: number;
  readonly disabled: boolean;
  readonly publicKey: string;
  readonly privateKey: KeyObject;
}

export function indexKeypairs(records: readonly KeypairRecord[]): Map<string, ClientSideKeypair> {
  const out = new Map<string, ClientSideKeypair>();
  for (const r of records) {
    const parsed = parseCstgPrivateKeyText(r.privateKey);
    if (!parsed.ok) throw new Error(`key pair ${r.subscriptionId}: ${parsed.error.message}`);
    out.set(r.subscriptionId, {
      subscriptionId: r.subscriptionId,
      siteId: r.siteId,
      disabled: r.disabled,
      publicKey: r.publicKey,
      privateKey: parsed.value.key,
    });
  }
  return out;
}

/** A site with its domain and app names folded to lower case for the CSTG checks. */
export interface Site extends SiteRecord {
  readonly domainSet: ReadonlySet<string>;
  readonly appSet: ReadonlySet<string>;
}

export function indexSites(records: readonly SiteRecord[]): Map<number, Site> {
  return new Map(
    records.map((r) => [
      r.id,
      {
        ...r,
        domainSet: new Set(r.domainNames.map((d) => d.toLowerCase())),
        appSet: new Set(r.appNames.map((a) => a.toLowerCase())),
      },
    ]),
  );
}
