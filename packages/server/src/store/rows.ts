// Row-to-record mapping shared by the SQLite and PostgreSQL engines: both keep the same columns
// (migrations.ts), so a row of either becomes the same record here. Each engine keeps its own SQL;
// the one difference between their rows, how a boolean column reads, is passed in.
import { Buffer } from 'node:buffer';
import type { SecretBox } from '../secrets/secret-box.js';
import type {
  AuditRecord,
  ClientKeyRecord,
  ClientType,
  DeadLetterRecord,
  KeypairRecord,
  KeyRecord,
  KeysetRecord,
  OptOutClientIpRecord,
  OptOutRecord,
  PartnerFormat,
  PartnerRecord,
  SaltBucketRecord,
  SaltConfig,
  SaltFormat,
  SiteRecord,
} from './types.js';

/** A row as the drivers return it: column name to value. */
export type Row = Record<string, unknown>;

export const num = (v: unknown): number => Number(v);
export const str = (v: unknown): string => String(v);
const json = <T>(v: unknown): T => JSON.parse(String(v)) as T;

/** A salt bucket's format as stored (a small integer column). */
export const FORMAT: Record<SaltFormat, number> = { salt: 0, key: 1 };
const formatOf = (v: unknown): SaltFormat => (Number(v) === 1 ? 'key' : 'salt');

/**
 * Maps the rows of one engine to records. `bool` reads a boolean column as that engine returns it
 * (SQLite: an integer, PostgreSQL: a boolean). Secrets are opened with the box and the same
 * per-record AAD the engines seal them with.
 */
export function rowReader(bool: (v: unknown) => boolean) {
  return {
    site: (r: Row): SiteRecord => ({
      id: num(r.id),
      name: str(r.name),
      description: str(r.description),
      enabled: bool(r.enabled),
      visible: bool(r.visible),
      clientTypes: json<ClientType[]>(r.client_types),
      domainNames: json<string[]>(r.domain_names),
      appNames: json<string[]>(r.app_names),
      created: num(r.created),
    }),

    clientKey: (r: Row, box: SecretBox): ClientKeyRecord => ({
      keyId: str(r.key_id),
      keyHash: str(r.key_hash),
      keySalt: str(r.key_salt),
      secret: box.open(str(r.secret_enc), `client_keys:${str(r.key_id)}`),
      name: str(r.name),
      contact: str(r.contact),
      siteId: num(r.site_id),
      roles: json<string[]>(r.roles),
      disabled: bool(r.disabled),
      serviceId: num(r.service_id),
      created: num(r.created),
    }),

    keyset: (r: Row): KeysetRecord => ({
      keysetId: num(r.keyset_id),
      siteId: num(r.site_id),
      name: str(r.name),
      allowedSites: r.allowed_sites === null ? null : json<number[]>(r.allowed_sites),
      allowedTypes: json<ClientType[]>(r.allowed_types),
      created: num(r.created),
      enabled: bool(r.enabled),
      isDefault: bool(r.is_default),
    }),

    key: (r: Row, box: SecretBox): KeyRecord => ({
      id: num(r.id),
      keysetId: num(r.keyset_id),
      created: num(r.created),
      activates: num(r.activates),
      expires: num(r.expires),
      secret: box.open(str(r.secret_enc), `keyset_keys:${num(r.id)}`),
    }),

    keypair: (r: Row, box: SecretBox): KeypairRecord => ({
      subscriptionId: str(r.subscription_id),
      siteId: num(r.site_id),
      name: str(r.name),
      publicKey: str(r.public_key),
      privateKey: box
        .open(str(r.private_key_enc), `client_side_keypairs:${str(r.subscription_id)}`)
        .toString('utf8'),
      disabled: bool(r.disabled),
      created: num(r.created),
    }),

    partner: (r: Row, box: SecretBox): PartnerRecord => ({
      name: str(r.name),
      url: str(r.url),
      method: str(r.method) === 'POST' ? 'POST' : 'GET',
      headers: json<string[]>(
        box.open(str(r.headers_enc), `optout_partners:${str(r.name)}:headers`).toString('utf8'),
      ),
      format: str(r.format) as PartnerFormat,
      secret:
        r.secret_enc === null
          ? null
          : box.open(str(r.secret_enc), `optout_partners:${str(r.name)}:secret`).toString('utf8'),
      batchSize: num(r.batch_size),
      enabled: bool(r.enabled),
      created: num(r.created),
    }),

    deadLetter: (r: Row): DeadLetterRecord => ({
      id: num(r.id),
      partner: str(r.partner),
      seq: num(r.seq),
      advertisingId: Buffer.from(r.advertising_id as Uint8Array),
      timestamp: num(r.ts),
      attempts: num(r.attempts),
      lastError: str(r.last_error),
      created: num(r.created),
      replay: bool(r.replay),
    }),

    saltConfig: (r: Row, box: SecretBox): SaltConfig => ({
      firstLevelSalt: box.open(str(r.first_level_enc), 'salt_config:first_level').toString('utf8'),
      seed: box.open(str(r.seed_enc), 'salt_config:seed'),
      idPrefix: str(r.id_prefix),
      idSecret: box.open(str(r.id_secret_enc), 'salt_config:id_secret').toString('utf8'),
      bucketCount: num(r.bucket_count),
    }),

    /**
     * A salt bucket from a row read in array mode, columns in table order: idx, generation, format,
     * key_id, prev_generation, prev_format, prev_key_id, last_updated, refresh_from.
     */
    saltBucket: (row: readonly unknown[]): SaltBucketRecord => ({
      idx: num(row[0]),
      generation: num(row[1]),
      format: formatOf(row[2]),
      keyId: num(row[3]),
      previousGeneration: row[4] === null ? null : num(row[4]),
      previousFormat: row[5] === null ? null : formatOf(row[5]),
      previousKeyId: row[6] === null ? null : num(row[6]),
      lastUpdatedMs: num(row[7]),
      refreshFromMs: num(row[8]),
    }),

    optOut: (r: Row): OptOutRecord => ({
      seq: num(r.seq),
      firstLevelHash: Buffer.from(r.flh as Uint8Array),
      advertisingId: Buffer.from(r.advertising_id as Uint8Array),
      timestamp: num(r.ts),
    }),

    optOutClientIp: (r: Row): OptOutClientIpRecord => ({
      seq: num(r.seq),
      ipHash: Buffer.from(r.ip_hash as Uint8Array),
      timestamp: num(r.ts),
    }),

    audit: (r: Row): AuditRecord => ({
      id: num(r.id),
      ts: num(r.ts),
      actor: str(r.actor),
      action: str(r.action),
      target: str(r.target),
      details: json<Record<string, unknown>>(r.details),
    }),
  };
}
