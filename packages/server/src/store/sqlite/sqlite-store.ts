import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { SecretBox } from '../../secrets/secret-box.js';
import { DATA_TABLES } from '../data-tables.js';
import { MIGRATIONS } from '../migrations.js';
import { FORMAT, num, type Row, rowReader, str } from '../rows.js';
import type { OptOutRowSink, Store } from '../store.js';
import type {
  AuditRecord,
  ClientKeyRecord,
  DeadLetterRecord,
  KeypairRecord,
  KeyRecord,
  KeysetRecord,
  NewAuditRecord,
  NewDeadLetter,
  NewOptOut,
  OptOutClientIpRecord,
  OptOutRecord,
  PartnerRecord,
  SaltBucketRecord,
  SaltConfig,
  SiteRecord,
} from '../types.js';

/** SQLite keeps booleans as integers. */
const read = rowReader((v) => Number(v) !== 0);

/**
 * The embedded store: one SQLite file in WAL mode with `synchronous=FULL`, so a committed write
 * (an acknowledged opt-out) survives a crash or power loss. Several processes (a server and
 * `uid2 admin`) may open the same file; writers wait up to 10 s for each other.
 */
export class SqliteStore implements Store {
  readonly engine = 'sqlite' as const;
  readonly location: string;
  readonly #db: Database.Database;
  #box: SecretBox | undefined;

  private constructor(file: string) {
    this.location = file;
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.#db = new Database(file);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = FULL');
    this.#db.pragma('busy_timeout = 10000');
    this.#db.pragma('foreign_keys = ON');
  }

  /** Opens (creating if needed) and migrates the database file. */
  static open(file: string): SqliteStore {
    const store = new SqliteStore(file);
    store.#migrate();
    return store;
  }

  /** Installs the master-key box; secrets cannot be read or written before. */
  useSecretBox(box: SecretBox): void {
    this.#box = box;
  }

  #secrets(): SecretBox {
    if (!this.#box) throw new Error('store secrets are locked (no master key installed)');
    return this.#box;
  }

  #migrate(): void {
    const db = this.#db;
    db.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied INTEGER NOT NULL)',
    );
    const apply = db.transaction(() => {
      const done = new Set(
        (db.prepare('SELECT version FROM schema_migrations').all() as Row[]).map((r) => num(r.version)),
      );
      for (const m of MIGRATIONS) {
        if (done.has(m.version)) continue;
        db.exec(m.sqlite);
        db.prepare('INSERT INTO schema_migrations (version, name, applied) VALUES (?, ?, ?)').run(
          m.version,
          m.name,
          Math.floor(Date.now() / 1000),
        );
      }
    });
    apply.immediate();
  }

  #bump(): void {
    this.#db.prepare('UPDATE change_version SET version = version + 1 WHERE id = 1').run();
  }

  /** Salts have their own version, so that operators reload the (large) salt table only when it changed. */
  #bumpSaltVersion(): void {
    this.#db
      .prepare(
        `INSERT INTO meta (key, value) VALUES ('salt_version', '1')
         ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)`,
      )
      .run();
  }

  /** Whether the store holds anything (used to decide whether a master key may be created). */
  isEmpty(): boolean {
    return DATA_TABLES.every((t) => this.#db.prepare(`SELECT 1 FROM ${t} LIMIT 1`).get() === undefined);
  }

  async changeVersion(): Promise<number> {
    return num((this.#db.prepare('SELECT version FROM change_version WHERE id = 1').get() as Row).version);
  }

  async listSites(): Promise<SiteRecord[]> {
    return (this.#db.prepare('SELECT * FROM sites ORDER BY id').all() as Row[]).map(read.site);
  }

  async upsertSite(s: SiteRecord): Promise<void> {
    this.#db.transaction(() => {
      this.#db
        .prepare(
          `INSERT INTO sites (id, name, description, enabled, visible, client_types, domain_names, app_names, created)
           VALUES (@id, @name, @description, @enabled, @visible, @clientTypes, @domainNames, @appNames, @created)
           ON CONFLICT (id) DO UPDATE SET name = excluded.name, description = excluded.description,
             enabled = excluded.enabled, visible = excluded.visible, client_types = excluded.client_types,
             domain_names = excluded.domain_names, app_names = excluded.app_names`,
        )
        .run({
          ...s,
          enabled: s.enabled ? 1 : 0,
          visible: s.visible ? 1 : 0,
          clientTypes: JSON.stringify(s.clientTypes),
          domainNames: JSON.stringify(s.domainNames),
          appNames: JSON.stringify(s.appNames),
        });
      this.#bump();
    })();
  }

  async listClientKeys(): Promise<ClientKeyRecord[]> {
    const box = this.#secrets();
    return (this.#db.prepare('SELECT * FROM client_keys ORDER BY key_id').all() as Row[]).map((r) =>
      read.clientKey(r, box),
    );
  }

  async upsertClientKey(k: ClientKeyRecord): Promise<void> {
    const secretEnc = this.#secrets().seal(k.secret, `client_keys:${k.keyId}`);
    this.#db.transaction(() => {
      this.#db
        .prepare(
          `INSERT INTO client_keys (key_id, key_hash, key_salt, secret_enc, name, contact, site_id, roles, disabled, service_id, created)
           VALUES (@keyId, @keyHash, @keySalt, @secretEnc, @name, @contact, @siteId, @roles, @disabled, @serviceId, @created)
           ON CONFLICT (key_id) DO UPDATE SET key_hash = excluded.key_hash, key_salt = excluded.key_salt,
             secret_enc = excluded.secret_enc, name = excluded.name, contact = excluded.contact,
             site_id = excluded.site_id, roles = excluded.roles, disabled = excluded.disabled,
             service_id = excluded.service_id`,
        )
        .run({
          keyId: k.keyId,
          keyHash: k.keyHash,
          keySalt: k.keySalt,
          secretEnc,
          name: k.name,
          contact: k.contact,
          siteId: k.siteId,
          roles: JSON.stringify(k.roles),
          disabled: k.disabled ? 1 : 0,
          serviceId: k.serviceId,
          created: k.created,
        });
      this.#bump();
    })();
  }

  async listKeysets(): Promise<KeysetRecord[]> {
    return (this.#db.prepare('SELECT * FROM keysets ORDER BY keyset_id').all() as Row[]).map(read.keyset);
  }

  async upsertKeyset(k: KeysetRecord): Promise<void> {
    this.#db.transaction(() => {
      this.#db
        .prepare(
          `INSERT INTO keysets (keyset_id, site_id, name, allowed_sites, allowed_types, created, enabled, is_default)
           VALUES (@keysetId, @siteId, @name, @allowedSites, @allowedTypes, @created, @enabled, @isDefault)
           ON CONFLICT (keyset_id) DO UPDATE SET site_id = excluded.site_id, name = excluded.name,
             allowed_sites = excluded.allowed_sites, allowed_types = excluded.allowed_types,
             enabled = excluded.enabled, is_default = excluded.is_default`,
        )
        .run({
          keysetId: k.keysetId,
          siteId: k.siteId,
          name: k.name,
          allowedSites: k.allowedSites === null ? null : JSON.stringify(k.allowedSites),
          allowedTypes: JSON.stringify(k.allowedTypes),
          created: k.created,
          enabled: k.enabled ? 1 : 0,
          isDefault: k.isDefault ? 1 : 0,
        });
      this.#bump();
    })();
  }

  async listKeys(): Promise<KeyRecord[]> {
    const box = this.#secrets();
    return (this.#db.prepare('SELECT * FROM keyset_keys ORDER BY id').all() as Row[]).map((r) =>
      read.key(r, box),
    );
  }

  async insertKeys(keys: readonly KeyRecord[]): Promise<void> {
    const box = this.#secrets();
    const stmt = this.#db.prepare(
      'INSERT INTO keyset_keys (id, keyset_id, created, activates, expires, secret_enc) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.#db.transaction(() => {
      for (const k of keys) {
        stmt.run(
          k.id,
          k.keysetId,
          k.created,
          k.activates,
          k.expires,
          box.seal(k.secret, `keyset_keys:${k.id}`),
        );
      }
      this.#bump();
    })();
  }

  async deleteKeys(ids: readonly number[]): Promise<void> {
    const stmt = this.#db.prepare('DELETE FROM keyset_keys WHERE id = ?');
    this.#db.transaction(() => {
      for (const id of ids) stmt.run(id);
      this.#bump();
    })();
  }

  async listKeypairs(): Promise<KeypairRecord[]> {
    const box = this.#secrets();
    return (
      this.#db.prepare('SELECT * FROM client_side_keypairs ORDER BY subscription_id').all() as Row[]
    ).map((r) => read.keypair(r, box));
  }

  async upsertKeypair(k: KeypairRecord): Promise<void> {
    const privateKeyEnc = this.#secrets().seal(k.privateKey, `client_side_keypairs:${k.subscriptionId}`);
    this.#db.transaction(() => {
      this.#db
        .prepare(
          `INSERT INTO client_side_keypairs (subscription_id, site_id, name, public_key, private_key_enc, disabled, created)
           VALUES (@subscriptionId, @siteId, @name, @publicKey, @privateKeyEnc, @disabled, @created)
           ON CONFLICT (subscription_id) DO UPDATE SET site_id = excluded.site_id, name = excluded.name,
             public_key = excluded.public_key, private_key_enc = excluded.private_key_enc, disabled = excluded.disabled`,
        )
        .run({
          subscriptionId: k.subscriptionId,
          siteId: k.siteId,
          name: k.name,
          publicKey: k.publicKey,
          privateKeyEnc,
          disabled: k.disabled ? 1 : 0,
          created: k.created,
        });
      this.#bump();
    })();
  }

  async getSaltConfig(): Promise<SaltConfig | undefined> {
    const r = this.#db.prepare('SELECT * FROM salt_config WHERE id = 1').get() as Row | undefined;
    if (!r) return undefined;
    return read.saltConfig(r, this.#secrets());
  }

  async initSalts(config: SaltConfig, buckets: Iterable<SaltBucketRecord>): Promise<void> {
    const box = this.#secrets();
    const insert = this.#bucketInsert();
    this.#db.transaction(() => {
      this.#db
        .prepare(
          `INSERT INTO salt_config (id, first_level_enc, seed_enc, id_prefix, id_secret_enc, bucket_count)
           VALUES (1, ?, ?, ?, ?, ?)`,
        )
        .run(
          box.seal(config.firstLevelSalt, 'salt_config:first_level'),
          box.seal(config.seed, 'salt_config:seed'),
          config.idPrefix,
          box.seal(config.idSecret, 'salt_config:id_secret'),
          config.bucketCount,
        );
      for (const b of buckets) insert(b);
      this.#bumpSaltVersion();
      this.#bump();
    })();
  }

  #bucketInsert(): (b: SaltBucketRecord) => void {
    const stmt = this.#db.prepare(
      `INSERT INTO salt_buckets (idx, generation, format, key_id, prev_generation, prev_format, prev_key_id, last_updated, refresh_from)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (idx) DO UPDATE SET generation = excluded.generation, format = excluded.format,
         key_id = excluded.key_id, prev_generation = excluded.prev_generation, prev_format = excluded.prev_format,
         prev_key_id = excluded.prev_key_id, last_updated = excluded.last_updated, refresh_from = excluded.refresh_from`,
    );
    return (b) =>
      stmt.run(
        b.idx,
        b.generation,
        FORMAT[b.format],
        b.keyId,
        b.previousGeneration,
        b.previousFormat === null ? null : FORMAT[b.previousFormat],
        b.previousKeyId,
        b.lastUpdatedMs,
        b.refreshFromMs,
      );
  }

  async forEachSaltBucket(fn: (bucket: SaltBucketRecord) => void): Promise<void> {
    const stmt = this.#db.prepare('SELECT * FROM salt_buckets ORDER BY idx').raw(true);
    for (const row of stmt.iterate() as Iterable<unknown[]>) {
      fn(read.saltBucket(row));
    }
  }

  async updateSaltBuckets(buckets: readonly SaltBucketRecord[]): Promise<void> {
    const insert = this.#bucketInsert();
    this.#db.transaction(() => {
      for (const b of buckets) insert(b);
      this.#bumpSaltVersion();
      this.#bump();
    })();
  }

  async appendOptOuts(optOuts: readonly NewOptOut[]): Promise<OptOutRecord[]> {
    const stmt = this.#db.prepare('INSERT INTO optouts (flh, advertising_id, ts) VALUES (?, ?, ?)');
    const ipStmt = this.#db.prepare('INSERT INTO optout_client_ips (seq, ip_hash, ts) VALUES (?, ?, ?)');
    return this.#db.transaction(() =>
      optOuts.map((o) => {
        const seq = Number(stmt.run(o.firstLevelHash, o.advertisingId, o.timestamp).lastInsertRowid);
        if (o.clientIpHash !== undefined) ipStmt.run(seq, o.clientIpHash, o.timestamp);
        return {
          seq,
          firstLevelHash: o.firstLevelHash,
          advertisingId: o.advertisingId,
          timestamp: o.timestamp,
        };
      }),
    )();
  }

  async listOptOutsAfter(afterSeq: number, limit: number): Promise<OptOutRecord[]> {
    return (
      this.#db
        .prepare('SELECT seq, flh, advertising_id, ts FROM optouts WHERE seq > ? ORDER BY seq LIMIT ?')
        .all(afterSeq, limit) as Row[]
    ).map(read.optOut);
  }

  async scanOptOutRows(afterSeq: number, sink: OptOutRowSink): Promise<number> {
    const max = (this.#db.prepare('SELECT max(seq) FROM optouts').pluck(true).get() as number | null) ?? 0;
    if (max <= afterSeq) return afterSeq;
    // One string per row, hex made by SQLite: no row object and no Buffer per opt-out.
    const rows = this.#db
      .prepare(
        `SELECT ts || ',' || hex(flh) || ',' || hex(advertising_id) FROM optouts
         WHERE seq > ? AND seq <= ? ORDER BY seq`,
      )
      .pluck(true);
    for (const row of rows.iterate(afterSeq, max) as Iterable<string>) sink.text(row);
    return max;
  }

  async listOptOutClientIps(options: { afterSeq?: number; limit: number }): Promise<OptOutClientIpRecord[]> {
    return (
      this.#db
        .prepare('SELECT seq, ip_hash, ts FROM optout_client_ips WHERE seq > ? ORDER BY seq LIMIT ?')
        .all(options.afterSeq ?? 0, options.limit) as Row[]
    ).map(read.optOutClientIp);
  }

  async purgeOptOutClientIps(before: number): Promise<number> {
    return this.#db.prepare('DELETE FROM optout_client_ips WHERE ts < ?').run(before).changes;
  }

  async listPartners(): Promise<PartnerRecord[]> {
    const box = this.#secrets();
    return (this.#db.prepare('SELECT * FROM optout_partners ORDER BY name').all() as Row[]).map((r) =>
      read.partner(r, box),
    );
  }

  async upsertPartner(p: PartnerRecord): Promise<void> {
    const box = this.#secrets();
    this.#db.transaction(() => {
      this.#db
        .prepare(
          `INSERT INTO optout_partners (name, url, method, headers_enc, format, secret_enc, batch_size, enabled, created)
           VALUES (@name, @url, @method, @headersEnc, @format, @secretEnc, @batchSize, @enabled, @created)
           ON CONFLICT (name) DO UPDATE SET url = excluded.url, method = excluded.method,
             headers_enc = excluded.headers_enc, format = excluded.format, secret_enc = excluded.secret_enc,
             batch_size = excluded.batch_size, enabled = excluded.enabled`,
        )
        .run({
          name: p.name,
          url: p.url,
          method: p.method,
          headersEnc: box.seal(JSON.stringify(p.headers), `optout_partners:${p.name}:headers`),
          format: p.format,
          secretEnc: p.secret === null ? null : box.seal(p.secret, `optout_partners:${p.name}:secret`),
          batchSize: p.batchSize,
          enabled: p.enabled ? 1 : 0,
          created: p.created,
        });
      this.#bump();
    })();
  }

  async deletePartner(name: string): Promise<void> {
    this.#db.transaction(() => {
      this.#db.prepare('DELETE FROM optout_partners WHERE name = ?').run(name);
      this.#bump();
    })();
  }

  async getPartnerCursor(partner: string): Promise<number> {
    const r = this.#db.prepare('SELECT seq FROM optout_partner_cursors WHERE partner = ?').get(partner) as
      | Row
      | undefined;
    return r === undefined ? 0 : num(r.seq);
  }

  async advancePartnerCursor(partner: string, seq: number): Promise<void> {
    this.#db
      .prepare(
        `INSERT INTO optout_partner_cursors (partner, seq, updated) VALUES (?, ?, ?)
         ON CONFLICT (partner) DO UPDATE SET seq = MAX(seq, excluded.seq), updated = excluded.updated`,
      )
      .run(partner, seq, Date.now());
  }

  async addDeadLetters(entries: readonly NewDeadLetter[]): Promise<void> {
    const stmt = this.#db.prepare(
      `INSERT INTO optout_dead_letters (partner, seq, advertising_id, ts, attempts, last_error, created, replay)
       VALUES (?, ?, ?, ?, ?, ?, ?, 0)
       ON CONFLICT (partner, seq) DO UPDATE SET attempts = excluded.attempts, last_error = excluded.last_error,
         created = excluded.created, replay = 0`,
    );
    this.#db.transaction(() => {
      for (const e of entries)
        stmt.run(e.partner, e.seq, e.advertisingId, e.timestamp, e.attempts, e.lastError, e.created);
    })();
  }

  async listDeadLetters(
    partner: string,
    options: { replayOnly?: boolean; limit?: number } = {},
  ): Promise<DeadLetterRecord[]> {
    const rows = this.#db
      .prepare(
        `SELECT * FROM optout_dead_letters WHERE partner = ? ${options.replayOnly ? 'AND replay = 1' : ''}
         ORDER BY seq LIMIT ?`,
      )
      .all(partner, options.limit ?? -1) as Row[];
    return rows.map(read.deadLetter);
  }

  async requestDeadLetterReplay(partner: string, ids: readonly number[] | 'all'): Promise<number> {
    if (ids === 'all')
      return this.#db.prepare('UPDATE optout_dead_letters SET replay = 1 WHERE partner = ?').run(partner)
        .changes;
    const stmt = this.#db.prepare('UPDATE optout_dead_letters SET replay = 1 WHERE partner = ? AND id = ?');
    return this.#db.transaction(() => ids.reduce((n, id) => n + stmt.run(partner, id).changes, 0))();
  }

  async removeDeadLetters(partner: string, ids: readonly number[]): Promise<void> {
    const stmt = this.#db.prepare('DELETE FROM optout_dead_letters WHERE partner = ? AND id = ?');
    this.#db.transaction(() => {
      for (const id of ids) stmt.run(partner, id);
    })();
  }

  async appendAudit(entry: NewAuditRecord): Promise<AuditRecord> {
    const info = this.#db
      .prepare('INSERT INTO audit_log (ts, actor, action, target, details) VALUES (?, ?, ?, ?, ?)')
      .run(entry.ts, entry.actor, entry.action, entry.target, JSON.stringify(entry.details));
    return { ...entry, id: Number(info.lastInsertRowid) };
  }

  async listAudit(options: { limit: number; beforeId?: number }): Promise<AuditRecord[]> {
    const rows = this.#db
      .prepare('SELECT * FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?')
      .all(options.beforeId ?? Number.MAX_SAFE_INTEGER, options.limit) as Row[];
    return rows.map(read.audit);
  }

  /** One SQLite file has one writer process running jobs: the server. */
  async tryLeadership(_name: string): Promise<boolean> {
    return true;
  }

  /** No cross-process notifications in SQLite: readers poll changeVersion(). */
  onChange(_listener: (kind: 'participants' | 'salts' | 'optouts') => void): () => void {
    return () => undefined;
  }

  async getMeta(key: string): Promise<string | undefined> {
    const r = this.#db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as Row | undefined;
    return r === undefined ? undefined : str(r.value);
  }

  async setMeta(key: string, value: string): Promise<void> {
    this.#db
      .prepare(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      )
      .run(key, value);
  }

  async close(): Promise<void> {
    this.#db.close();
  }
}
