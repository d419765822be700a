// Records as the store keeps them. Secrets appear here decrypted: engines encrypt them at rest
// (see secrets/secret-box.ts) and decrypt them on the way out.
import type { Buffer } from 'node:buffer';

export type ClientType = 'DSP' | 'ADVERTISER' | 'DATA_PROVIDER' | 'PUBLISHER';
export const CLIENT_TYPES: readonly ClientType[] = ['DSP', 'ADVERTISER', 'DATA_PROVIDER', 'PUBLISHER'];

export type Role = 'GENERATOR' | 'MAPPER' | 'ID_READER' | 'SHARER' | 'OPTOUT';
export const ROLES: readonly Role[] = ['GENERATOR', 'MAPPER', 'ID_READER', 'SHARER', 'OPTOUT'];

export interface SiteRecord {
  readonly id: number;
  readonly name: string;
  readonly description: string;
  readonly enabled: boolean;
  readonly visible: boolean;
  readonly clientTypes: readonly ClientType[];
  /** Registrable domains allowed for client-side token generation. */
  readonly domainNames: readonly string[];
  readonly appNames: readonly string[];
  /** Epoch seconds. */
  readonly created: number;
}

/** An API key. The key itself is never stored: only a salted hash. */
export interface ClientKeyRecord {
  /** The key up to (excluding) its '.', e.g. `UID2-C-L-999-fCXrMM`: the lookup handle. */
  readonly keyId: string;
  /** base64 SHA-512(salt ‖ key). */
  readonly keyHash: string;
  /** base64 of the 32-byte salt. */
  readonly keySalt: string;
  /** The 32-byte client secret (v2 envelope key). */
  readonly secret: Buffer;
  readonly name: string;
  readonly contact: string;
  readonly siteId: number;
  /** Role names as stored; unknown names are kept (the reference fixtures carry some) and ignored. */
  readonly roles: readonly string[];
  readonly disabled: boolean;
  readonly serviceId: number;
  readonly created: number;
}

export interface KeysetRecord {
  readonly keysetId: number;
  readonly siteId: number;
  readonly name: string;
  readonly allowedSites: readonly number[] | null;
  readonly allowedTypes: readonly ClientType[];
  readonly created: number;
  readonly enabled: boolean;
  readonly isDefault: boolean;
}

export interface KeyRecord {
  readonly id: number;
  readonly keysetId: number;
  /** Epoch seconds. */
  readonly created: number;
  readonly activates: number;
  readonly expires: number;
  readonly secret: Buffer;
}

export interface KeypairRecord {
  readonly subscriptionId: string;
  readonly siteId: number;
  readonly name: string;
  /** `UID2-X-<env>-` + base64 SPKI. */
  readonly publicKey: string;
  /** `UID2-Y-<env>-` + base64 PKCS#8. */
  readonly privateKey: string;
  readonly disabled: boolean;
  readonly created: number;
}

/** Where a bucket's salt material comes from: a salt string (v2/v3 raw UIDs) or key material (v4). */
export type SaltFormat = 'salt' | 'key';

/**
 * One salt bucket. Salt strings and key material are not stored: they are derived from the
 * deployment's secret salt seed, the bucket index and a generation number (salts/derive.ts).
 */
export interface SaltBucketRecord {
  readonly idx: number;
  readonly generation: number;
  readonly format: SaltFormat;
  /** 24-bit key id of the current key material (format 'key'). */
  readonly keyId: number;
  readonly previousGeneration: number | null;
  readonly previousFormat: SaltFormat | null;
  readonly previousKeyId: number | null;
  readonly lastUpdatedMs: number;
  readonly refreshFromMs: number;
}

/** The deployment-wide salt configuration. */
export interface SaltConfig {
  /** First-level salt string (never base64-decoded by the algorithms). */
  readonly firstLevelSalt: string;
  /** Secret seed the bucket salts and keys are derived from. */
  readonly seed: Buffer;
  readonly idPrefix: string;
  readonly idSecret: string;
  readonly bucketCount: number;
}

export interface OptOutRecord {
  /** Append-only sequence number, the cursor for propagation. */
  readonly seq: number;
  /** First-level hash, 32 bytes. */
  readonly firstLevelHash: Buffer;
  /** Raw UID2 at the time of opt-out (32 or 33 bytes). */
  readonly advertisingId: Buffer;
  /** Epoch seconds. */
  readonly timestamp: number;
}

/**
 * An opt-out to append. `clientIpHash` (the keyed hash of the requester's IP, never the IP itself)
 * is stored with the opt-out's seq and time in the same transaction, for abuse analysis, and purged
 * after the retention period; it is not part of the opt-out record.
 */
export type NewOptOut = Omit<OptOutRecord, 'seq'> & { readonly clientIpHash?: Buffer | undefined };

/** The keyed hash of the client IP an opt-out came from (retained for a limited period). */
export interface OptOutClientIpRecord {
  /** The opt-out's seq. */
  readonly seq: number;
  /** HMAC-SHA256 of the canonical IP text under a key derived from the master key, 32 bytes. */
  readonly ipHash: Buffer;
  /** The opt-out's time, epoch seconds. */
  readonly timestamp: number;
}

/** How a DSP partner receives opt-outs (issue: opt-out pipeline). */
export type PartnerFormat = 'reference' | 'batch';

/** A DSP opt-out partner: where and how opt-outs are delivered. Secrets are encrypted at rest. */
export interface PartnerRecord {
  /** Unique, lower-case. */
  readonly name: string;
  /** URL template; `reference` format substitutes `${ADVERTISING_ID}` and `${OPTOUT_EPOCH}`. */
  readonly url: string;
  readonly method: 'GET' | 'POST';
  /** Extra request headers (`Name: value`); may carry credentials, so encrypted at rest. */
  readonly headers: readonly string[];
  readonly format: PartnerFormat;
  /** HMAC-SHA256 signing secret for the batch format (encrypted at rest); null when unused. */
  readonly secret: string | null;
  /** Most opt-outs per request in the batch format. */
  readonly batchSize: number;
  readonly enabled: boolean;
  readonly created: number;
}

/**
 * An opt-out a partner could not take after the configured attempts (or that it refused outright):
 * kept until admin replays it and the replay succeeds.
 */
export interface DeadLetterRecord {
  readonly id: number;
  readonly partner: string;
  /** The opt-out's sequence number. */
  readonly seq: number;
  /** Raw UID2 of the opt-out (32 or 33 bytes). */
  readonly advertisingId: Buffer;
  /** Opt-out time, epoch seconds. */
  readonly timestamp: number;
  readonly attempts: number;
  /** Why the last attempt failed (status or error class; never credentials). */
  readonly lastError: string;
  /** When it was (last) dead-lettered, epoch milliseconds. */
  readonly created: number;
  /** Admin asked for a replay that has not run yet. */
  readonly replay: boolean;
}

export type NewDeadLetter = Omit<DeadLetterRecord, 'id' | 'replay'>;

/** One audit-log entry: who did what to which record, and when. Never contains secrets. */
export interface AuditRecord {
  readonly id: number;
  /** Epoch milliseconds. */
  readonly ts: number;
  /** Who: `cli:<os user>`, `admin-api:<token name>`, `job:<name>`, `bootstrap`. */
  readonly actor: string;
  /** What, e.g. `site.create`, `key.rotate`, `client_key.disable`. */
  readonly action: string;
  /** Which record, e.g. `site:3`, `client_key:UID2-C-P-3-abcdef`. */
  readonly target: string;
  /** Non-secret details (JSON object). */
  readonly details: Record<string, unknown>;
}

export type NewAuditRecord = Omit<AuditRecord, 'id'>;
