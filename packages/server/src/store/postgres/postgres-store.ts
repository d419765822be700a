import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
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
import { type PostgresTarget, parsePostgresUrl, quoteIdent } from './connection.js';
import { CopyBinaryReader, CopyFormatError } from './copy-binary.js';

type ChangeKind = 'participants' | 'salts' | 'optouts';
type Queryable = Pick<pg.PoolClient, 'query'>;

/** PostgreSQL returns booleans as booleans. */
const read = rowReader((v) => v === true);

/** The channel every write transaction notifies (payload: the kind of change). */
export const CHANGE_CHANNEL = 'uid2_changes';
const KINDS: ReadonlySet<string> = new Set<ChangeKind>(['participants', 'salts', 'optouts']);
/** Rows per statement when writing salt buckets (one array parameter per column). */
const SALT_WRITE_CHUNK = 20_000;
/** Rows per page when streaming salt buckets. */
const SALT_READ_PAGE = 50_000;
const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5_000;

const SALT_COLUMNS =
  'idx, generation, format, key_id, prev_generation, prev_format, prev_key_id, last_updated, refresh_from';
const SALT_UNNEST = `SELECT * FROM unnest($1::int[], $2::int[], $3::smallint[], $4::int[], $5::int[],
  $6::smallint[], $7::int[], $8::bigint[], $9::bigint[])`;
const SALT_UPSERT = `ON CONFLICT (idx) DO UPDATE SET generation = excluded.generation, format = excluded.format,
  key_id = excluded.key_id, prev_generation = excluded.prev_generation, prev_format = excluded.prev_format,
  prev_key_id = excluded.prev_key_id, last_updated = excluded.last_updated, refresh_from = excluded.refresh_from`;

export interface PostgresStoreOptions {
  /** Most pooled connections (default 10). */
  readonly maxConnections?: number;
  /** How long to wait for a connection before failing a call (default 10 s). */
  readonly connectTimeoutMs?: number;
}

/**
 * The shared store: PostgreSQL through a connection pool. Semantics mirror the SQLite engine
 * (same records, same change counter and salt version, same per-record AAD for secrets at rest).
 * Every write transaction also sends `NOTIFY uid2_changes` before COMMIT, so other processes
 * listening through {@link onChange} learn about it at once; lifecycle-job leadership is a
 * session advisory lock held on a dedicated connection.
 */
export class PostgresStore implements Store {
  readonly engine = 'postgres' as const;
  readonly location: string;
  readonly #target: PostgresTarget;
  readonly #pool: pg.Pool;
  #box: SecretBox | undefined;
  #closed = false;

  readonly #listeners = new Set<(kind: ChangeKind) => void>();
  #listenClient: pg.Client | undefined;
  #listenTimer: NodeJS.Timeout | undefined;
  #listenBackoffMs = RECONNECT_MIN_MS;
  #listenConnected = false;
  #listenEverConnected = false;

  #leaderClient: pg.Client | undefined;
  #leaderConnecting: Promise<pg.Client> | undefined;
  readonly #held = new Set<string>();

  private constructor(target: PostgresTarget, options: PostgresStoreOptions) {
    this.#target = target;
    this.location = target.location;
    this.#pool = new pg.Pool({
      ...target.config,
      max: options.maxConnections ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
      idleTimeoutMillis: 30_000,
    });
    // An idle pooled connection that breaks (a database restart) must not crash the process: the
    // pool drops it, and the next query opens a new one.
    this.#pool.on('error', () => undefined);
  }

  /** Connects to `postgres://…` and applies pending migrations (safe with several processes at once). */
  static async open(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const store = new PostgresStore(parsePostgresUrl(url), options);
    try {
      await store.#migrate();
    } catch (error) {
      await store.close();
      throw error;
    }
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

  async #migrate(): Promise<void> {
    await this.#tx(async (c) => {
      // One migrator at a time per database; the others wait, then find nothing left to do.
      await c.query("SELECT pg_advisory_xact_lock(hashtext('uid2-ts schema migrations'))");
      if (this.#target.explicitSchema) {
        await c.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(this.#target.schema)}`);
      }
      await c.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied BIGINT NOT NULL)',
      );
      const done = new Set(
        (await c.query('SELECT version FROM schema_migrations')).rows.map((r: Row) => num(r.version)),
      );
      for (const m of MIGRATIONS) {
        if (done.has(m.version)) continue;
        await c.query(m.postgres);
        await c.query('INSERT INTO schema_migrations (version, name, applied) VALUES ($1, $2, $3)', [
          m.version,
          m.name,
          Math.floor(Date.now() / 1000),
        ]);
      }
    });
  }

  /**
   * Runs `fn` in a transaction. `change` bumps the change counter (participants, keys, partners,
   * salts) and notifies listeners of that kind before COMMIT; `notify` only notifies.
   */
  async #tx<T>(
    fn: (c: pg.PoolClient) => Promise<T>,
    effects: { bump?: boolean; notify?: ChangeKind } = {},
  ): Promise<T> {
    const c = await this.#pool.connect();
    let broken: Error | undefined;
    try {
      await c.query('BEGIN');
      try {
        const result = await fn(c);
        if (effects.bump) await c.query('UPDATE change_version SET version = version + 1 WHERE id = 1');
        if (effects.notify) await c.query('SELECT pg_notify($1, $2)', [CHANGE_CHANNEL, effects.notify]);
        await c.query('COMMIT');
        return result;
      } catch (error) {
        await c.query('ROLLBACK').catch((e: Error) => {
          broken = e;
        });
        throw error;
      }
    } catch (error) {
      broken ??= isConnectionError(error) ? (error as Error) : undefined;
      throw error;
    } finally {
      c.release(broken);
    }
  }

  async #query(text: string, values?: unknown[]): Promise<Row[]> {
    return (await this.#pool.query(text, values)).rows as Row[];
  }

  /** Salts have their own version, so that operators reload the (large) salt table only when it changed. */
  async #bumpSaltVersion(c: Queryable): Promise<void> {
    await c.query(
      `INSERT INTO meta (key, value) VALUES ('salt_version', '1')
       ON CONFLICT (key) DO UPDATE SET value = (meta.value::bigint + 1)::text`,
    );
  }

  /** Whether the store holds anything (used to decide whether a master key may be created). */
  async isEmpty(): Promise<boolean> {
    const rows = await this.#query(
      `SELECT ${DATA_TABLES.map((t) => `EXISTS (SELECT 1 FROM ${t})`).join(' OR ')} AS any`,
    );
    return rows[0]?.any !== true;
  }

  async changeVersion(): Promise<number> {
    const rows = await this.#query('SELECT version FROM change_version WHERE id = 1');
    return num(rows[0]?.version);
  }

  async listSites(): Promise<SiteRecord[]> {
    return (await this.#query('SELECT * FROM sites ORDER BY id')).map(read.site);
  }

  async upsertSite(s: SiteRecord): Promise<void> {
    await this.#tx(
      (c) =>
        c.query(
          `INSERT INTO sites (id, name, description, enabled, visible, client_types, domain_names, app_names, created)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           ON CONFLICT (id) DO UPDATE SET name = excluded.name, description = excluded.description,
             enabled = excluded.enabled, visible = excluded.visible, client_types = excluded.client_types,
             domain_names = excluded.domain_names, app_names = excluded.app_names`,
          [
            s.id,
            s.name,
            s.description,
            s.enabled,
            s.visible,
            JSON.stringify(s.clientTypes),
            JSON.stringify(s.domainNames),
            JSON.stringify(s.appNames),
            s.created,
          ],
        ),
      { bump: true, notify: 'participants' },
    );
  }

  async listClientKeys(): Promise<ClientKeyRecord[]> {
    const box = this.#secrets();
    return (await this.#query('SELECT * FROM client_keys ORDER BY key_id')).map((r) =>
      read.clientKey(r, box),
    );
  }

  async upsertClientKey(k: ClientKeyRecord): Promise<void> {
    const secretEnc = this.#secrets().seal(k.secret, `client_keys:${k.keyId}`);
    await this.#tx(
      (c) =>
        c.query(
          `INSERT INTO client_keys (key_id, key_hash, key_salt, secret_enc, name, contact, site_id, roles, disabled, service_id, created)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
           ON CONFLICT (key_id) DO UPDATE SET key_hash = excluded.key_hash, key_salt = excluded.key_salt,
             secret_enc = excluded.secret_enc, name = excluded.name, contact = excluded.contact,
             site_id = excluded.site_id, roles = excluded.roles, disabled = excluded.disabled,
             service_id = excluded.service_id`,
          [
            k.keyId,
            k.keyHash,
            k.keySalt,
            secretEnc,
            k.name,
            k.contact,
            k.siteId,
            JSON.stringify(k.roles),
            k.disabled,
            k.serviceId,
            k.created,
          ],
        ),
      { bump: true, notify: 'participants' },
    );
  }

  async listKeysets(): Promise<KeysetRecord[]> {
    return (await this.#query('SELECT * FROM keysets ORDER BY keyset_id')).map(read.keyset);
  }

  async upsertKeyset(k: KeysetRecord): Promise<void> {
    await this.#tx(
      (c) =>
        c.query(
          `INSERT INTO keysets (keyset_id, site_id, name, allowed_sites, allowed_types, created, enabled, is_default)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (keyset_id) DO UPDATE SET site_id = excluded.site_id, name = excluded.name,
             allowed_sites = excluded.allowed_sites, allowed_types = excluded.allowed_types,
             enabled = excluded.enabled, is_default = excluded.is_default`,
          [
            k.keysetId,
            k.siteId,
            k.name,
            k.allowedSites === null ? null : JSON.stringify(k.allowedSites),
            JSON.stringify(k.allowedTypes),
            k.created,
            k.enabled,
            k.isDefault,
          ],
        ),
      { bump: true, notify: 'participants' },
    );
  }

  async listKeys(): Promise<KeyRecord[]> {
    const box = this.#secrets();
    return (await this.#query('SELECT * FROM keyset_keys ORDER BY id')).map((r) => read.key(r, box));
  }

  async insertKeys(keys: readonly KeyRecord[]): Promise<void> {
    const box = this.#secrets();
    const sealed = keys.map((k) => box.seal(k.secret, `keyset_keys:${k.id}`));
    await this.#tx(
      async (c) => {
        for (const [i, k] of keys.entries()) {
          await c.query(
            'INSERT INTO keyset_keys (id, keyset_id, created, activates, expires, secret_enc) VALUES ($1, $2, $3, $4, $5, $6)',
            [k.id, k.keysetId, k.created, k.activates, k.expires, sealed[i]],
          );
        }
      },
      { bump: true, notify: 'participants' },
    );
  }

  async deleteKeys(ids: readonly number[]): Promise<void> {
    await this.#tx((c) => c.query('DELETE FROM keyset_keys WHERE id = ANY($1::int[])', [[...ids]]), {
      bump: true,
      notify: 'participants',
    });
  }

  async listKeypairs(): Promise<KeypairRecord[]> {
    const box = this.#secrets();
    return (await this.#query('SELECT * FROM client_side_keypairs ORDER BY subscription_id')).map((r) =>
      read.keypair(r, box),
    );
  }

  async upsertKeypair(k: KeypairRecord): Promise<void> {
    const privateKeyEnc = this.#secrets().seal(k.privateKey, `client_side_keypairs:${k.subscriptionId}`);
    await this.#tx(
      (c) =>
        c.query(
          `INSERT INTO client_side_keypairs (subscription_id, site_id, name, public_key, private_key_enc, disabled, created)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (subscription_id) DO UPDATE SET site_id = excluded.site_id, name = excluded.name,
             public_key = excluded.public_key, private_key_enc = excluded.private_key_enc, disabled = excluded.disabled`,
          [k.subscriptionId, k.siteId, k.name, k.publicKey, privateKeyEnc, k.disabled, k.created],
        ),
      { bump: true, notify: 'participants' },
    );
  }

  async getSaltConfig(): Promise<SaltConfig | undefined> {
    const r = (await this.#query('SELECT * FROM salt_config WHERE id = 1'))[0];
    if (!r) return undefined;
    return read.saltConfig(r, this.#secrets());
  }

  async initSalts(config: SaltConfig, buckets: Iterable<SaltBucketRecord>): Promise<void> {
    const box = this.#secrets();
    const sealed = [
      box.seal(config.firstLevelSalt, 'salt_config:first_level'),
      box.seal(config.seed, 'salt_config:seed'),
      config.idPrefix,
      box.seal(config.idSecret, 'salt_config:id_secret'),
      config.bucketCount,
    ];
    await this.#tx(
      async (c) => {
        await c.query(
          `INSERT INTO salt_config (id, first_level_enc, seed_enc, id_prefix, id_secret_enc, bucket_count)
           VALUES (1, $1, $2, $3, $4, $5)`,
          sealed,
        );
        await this.#writeBuckets(c, buckets, false);
        await this.#bumpSaltVersion(c);
      },
      { bump: true, notify: 'salts' },
    );
  }

  /** Writes buckets in chunks, one array parameter per column (fast: ~1M rows in seconds). */
  async #writeBuckets(c: Queryable, buckets: Iterable<SaltBucketRecord>, upsert: boolean): Promise<void> {
    const sql = `INSERT INTO salt_buckets (${SALT_COLUMNS}) ${SALT_UNNEST}${upsert ? ` ${SALT_UPSERT}` : ''}`;
    let cols: unknown[][] = [[], [], [], [], [], [], [], [], []];
    const flush = async () => {
      if ((cols[0] as unknown[]).length === 0) return;
      await c.query(sql, cols);
      cols = [[], [], [], [], [], [], [], [], []];
    };
    for (const b of buckets) {
      const [idx, gen, fmt, keyId, prevGen, prevFmt, prevKeyId, last, refresh] = cols as [
        unknown[],
        unknown[],
        unknown[],
        unknown[],
        unknown[],
        unknown[],
        unknown[],
        unknown[],
        unknown[],
      ];
      idx.push(b.idx);
      gen.push(b.generation);
      fmt.push(FORMAT[b.format]);
      keyId.push(b.keyId);
      prevGen.push(b.previousGeneration);
      prevFmt.push(b.previousFormat === null ? null : FORMAT[b.previousFormat]);
      prevKeyId.push(b.previousKeyId);
      last.push(b.lastUpdatedMs);
      refresh.push(b.refreshFromMs);
      if (idx.length >= SALT_WRITE_CHUNK) await flush();
    }
    await flush();
  }

  async forEachSaltBucket(fn: (bucket: SaltBucketRecord) => void): Promise<void> {
    // Pages by index inside one read-only snapshot, so a rotation committed meanwhile is seen
    // entirely or not at all, as with SQLite's single statement.
    const c = await this.#pool.connect();
    let broken: Error | undefined;
    try {
      await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      let after = -1;
      for (;;) {
        const page = await c.query<unknown[]>({
          text: `SELECT ${SALT_COLUMNS} FROM salt_buckets WHERE idx > $1 ORDER BY idx LIMIT ${SALT_READ_PAGE}`,
          values: [after],
          rowMode: 'array',
        });
        for (const row of page.rows) {
          fn(read.saltBucket(row));
        }
        const last = page.rows[page.rows.length - 1];
        if (!last || page.rows.length < SALT_READ_PAGE) break;
        after = num(last[0]);
      }
      await c.query('COMMIT');
    } catch (error) {
      await c.query('ROLLBACK').catch((e: Error) => {
        broken = e;
      });
      broken ??= isConnectionError(error) ? (error as Error) : undefined;
      throw error;
    } finally {
      c.release(broken);
    }
  }

  async updateSaltBuckets(buckets: readonly SaltBucketRecord[]): Promise<void> {
    await this.#tx(
      async (c) => {
        await this.#writeBuckets(c, buckets, true);
        await this.#bumpSaltVersion(c);
      },
      { bump: true, notify: 'salts' },
    );
  }

  async appendOptOuts(optOuts: readonly NewOptOut[]): Promise<OptOutRecord[]> {
    if (optOuts.length === 0) return [];
    return this.#tx(
      async (c) => {
        // Appenders take turns (readers are not blocked), so sequence numbers become visible in
        // order and a reader's cursor never skips a record committed later with a lower seq.
        await c.query('LOCK TABLE optouts IN SHARE ROW EXCLUSIVE MODE');
        const { rows } = await c.query(
          `INSERT INTO optouts (flh, advertising_id, ts)
           SELECT flh, aid, ts FROM unnest($1::bytea[], $2::bytea[], $3::bigint[]) WITH ORDINALITY AS t(flh, aid, ts, n)
           ORDER BY n RETURNING seq`,
          [
            optOuts.map((o) => o.firstLevelHash),
            optOuts.map((o) => o.advertisingId),
            optOuts.map((o) => o.timestamp),
          ],
        );
        // Identity values are drawn in insertion order, which follows ORDER BY n.
        const seqs = (rows as Row[]).map((r) => num(r.seq)).sort((a, b) => a - b);
        const records = optOuts.map((o, i) => ({
          seq: seqs[i] as number,
          firstLevelHash: o.firstLevelHash,
          advertisingId: o.advertisingId,
          timestamp: o.timestamp,
        }));
        const withIp = optOuts.flatMap((o, i) => (o.clientIpHash === undefined ? [] : [i]));
        if (withIp.length > 0) {
          await c.query(
            `INSERT INTO optout_client_ips (seq, ip_hash, ts)
             SELECT * FROM unnest($1::bigint[], $2::bytea[], $3::bigint[])`,
            [
              withIp.map((i) => seqs[i]),
              withIp.map((i) => optOuts[i]?.clientIpHash),
              withIp.map((i) => optOuts[i]?.timestamp),
            ],
          );
        }
        return records;
      },
      { notify: 'optouts' },
    );
  }

  async listOptOutsAfter(afterSeq: number, limit: number): Promise<OptOutRecord[]> {
    const rows = await this.#query(
      'SELECT seq, flh, advertising_id, ts FROM optouts WHERE seq > $1 ORDER BY seq LIMIT $2',
      [afterSeq, limit],
    );
    return rows.map(read.optOut);
  }

  /**
   * Streams every opt-out after `afterSeq` to `sink.bytes`, in seq order, with one
   * `COPY (SELECT …) TO STDOUT (FORMAT binary)` on a dedicated connection: the rows arrive as raw
   * bytes (no hex or text made by the database, no row array or string per opt-out here) and are
   * read chunk by chunk while the database produces the next ones.
   */
  async scanOptOutRows(afterSeq: number, sink: OptOutRowSink): Promise<number> {
    const top = (await this.#query('SELECT max(seq) AS m FROM optouts'))[0]?.m;
    const max = top === null || top === undefined ? 0 : num(top);
    if (max <= afterSeq) return afterSeq;
    if (!Number.isSafeInteger(afterSeq)) throw new RangeError(`invalid opt-out cursor ${afterSeq}`);
    const reader = new CopyBinaryReader(3, (bytes, starts, lengths) => {
      const tsAt = starts[0] as number;
      if (lengths[0] !== 8 || (lengths[1] as number) < 0 || (lengths[2] as number) < 0) {
        throw new CopyFormatError('opt-out row with a NULL or a time that is not int8');
      }
      const timestamp = bytes.readInt32BE(tsAt) * 4294967296 + bytes.readUInt32BE(tsAt + 4);
      sink.bytes(
        bytes,
        starts[1] as number,
        lengths[1] as number,
        starts[2] as number,
        lengths[2] as number,
        timestamp,
      );
    });
    const c = await this.#pool.connect();
    let broken: Error | undefined;
    try {
      // COPY takes no parameters; both bounds are integers checked above.
      const stream = c.query(
        copyTo(
          `COPY (SELECT ts, flh, advertising_id FROM optouts WHERE seq > ${afterSeq} AND seq <= ${max}
                 ORDER BY seq) TO STDOUT (FORMAT binary)`,
        ),
      );
      for await (const chunk of stream) reader.push(chunk as Buffer);
      reader.end();
    } catch (error) {
      // A connection left in the middle of a COPY is discarded instead of reused.
      broken = error as Error;
      throw error;
    } finally {
      c.release(broken);
    }
    return max;
  }

  async listOptOutClientIps(options: { afterSeq?: number; limit: number }): Promise<OptOutClientIpRecord[]> {
    const rows = await this.#query(
      'SELECT seq, ip_hash, ts FROM optout_client_ips WHERE seq > $1 ORDER BY seq LIMIT $2',
      [options.afterSeq ?? 0, options.limit],
    );
    return rows.map(read.optOutClientIp);
  }

  async purgeOptOutClientIps(before: number): Promise<number> {
    const r = await this.#pool.query('DELETE FROM optout_client_ips WHERE ts < $1', [before]);
    return r.rowCount ?? 0;
  }

  async listPartners(): Promise<PartnerRecord[]> {
    const box = this.#secrets();
    return (await this.#query('SELECT * FROM optout_partners ORDER BY name')).map((r) =>
      read.partner(r, box),
    );
  }

  async upsertPartner(p: PartnerRecord): Promise<void> {
    const box = this.#secrets();
    const headersEnc = box.seal(JSON.stringify(p.headers), `optout_partners:${p.name}:headers`);
    const secretEnc = p.secret === null ? null : box.seal(p.secret, `optout_partners:${p.name}:secret`);
    await this.#tx(
      (c) =>
        c.query(
          `INSERT INTO optout_partners (name, url, method, headers_enc, format, secret_enc, batch_size, enabled, created)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           ON CONFLICT (name) DO UPDATE SET url = excluded.url, method = excluded.method,
             headers_enc = excluded.headers_enc, format = excluded.format, secret_enc = excluded.secret_enc,
             batch_size = excluded.batch_size, enabled = excluded.enabled`,
          [p.name, p.url, p.method, headersEnc, p.format, secretEnc, p.batchSize, p.enabled, p.created],
        ),
      { bump: true, notify: 'participants' },
    );
  }

  async deletePartner(name: string): Promise<void> {
    await this.#tx((c) => c.query('DELETE FROM optout_partners WHERE name = $1', [name]), {
      bump: true,
      notify: 'participants',
    });
  }

  async getPartnerCursor(partner: string): Promise<number> {
    const r = (await this.#query('SELECT seq FROM optout_partner_cursors WHERE partner = $1', [partner]))[0];
    return r === undefined ? 0 : num(r.seq);
  }

  async advancePartnerCursor(partner: string, seq: number): Promise<void> {
    await this.#query(
      `INSERT INTO optout_partner_cursors (partner, seq, updated) VALUES ($1, $2, $3)
       ON CONFLICT (partner) DO UPDATE SET seq = GREATEST(optout_partner_cursors.seq, excluded.seq),
         updated = excluded.updated`,
      [partner, seq, Date.now()],
    );
  }

  async addDeadLetters(entries: readonly NewDeadLetter[]): Promise<void> {
    if (entries.length === 0) return;
    await this.#query(
      `INSERT INTO optout_dead_letters (partner, seq, advertising_id, ts, attempts, last_error, created, replay)
       SELECT partner, seq, aid, ts, attempts, err, created, false
       FROM unnest($1::text[], $2::bigint[], $3::bytea[], $4::bigint[], $5::int[], $6::text[], $7::bigint[])
         AS t(partner, seq, aid, ts, attempts, err, created)
       ON CONFLICT (partner, seq) DO UPDATE SET attempts = excluded.attempts, last_error = excluded.last_error,
         created = excluded.created, replay = false`,
      [
        entries.map((e) => e.partner),
        entries.map((e) => e.seq),
        entries.map((e) => e.advertisingId),
        entries.map((e) => e.timestamp),
        entries.map((e) => e.attempts),
        entries.map((e) => e.lastError),
        entries.map((e) => e.created),
      ],
    );
  }

  async listDeadLetters(
    partner: string,
    options: { replayOnly?: boolean; limit?: number } = {},
  ): Promise<DeadLetterRecord[]> {
    const rows = await this.#query(
      `SELECT * FROM optout_dead_letters WHERE partner = $1 ${options.replayOnly ? 'AND replay' : ''}
       ORDER BY seq LIMIT $2`,
      [partner, options.limit ?? null],
    );
    return rows.map(read.deadLetter);
  }

  /** Marks dead letters for replay and notifies `optouts`, so the delivering process wakes up. */
  async requestDeadLetterReplay(partner: string, ids: readonly number[] | 'all'): Promise<number> {
    return this.#tx(
      async (c) => {
        const result =
          ids === 'all'
            ? await c.query('UPDATE optout_dead_letters SET replay = true WHERE partner = $1', [partner])
            : await c.query(
                'UPDATE optout_dead_letters SET replay = true WHERE partner = $1 AND id = ANY($2)',
                [partner, ids],
              );
        return result.rowCount ?? 0;
      },
      { notify: 'optouts' },
    );
  }

  async removeDeadLetters(partner: string, ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.#query('DELETE FROM optout_dead_letters WHERE partner = $1 AND id = ANY($2)', [partner, ids]);
  }

  async appendAudit(entry: NewAuditRecord): Promise<AuditRecord> {
    const rows = await this.#query(
      'INSERT INTO audit_log (ts, actor, action, target, details) VALUES ($1, $2, $3, $4, $5) RETURNING id',
      [entry.ts, entry.actor, entry.action, entry.target, JSON.stringify(entry.details)],
    );
    return { ...entry, id: num(rows[0]?.id) };
  }

  async listAudit(options: { limit: number; beforeId?: number }): Promise<AuditRecord[]> {
    const rows = await this.#query('SELECT * FROM audit_log WHERE id < $1 ORDER BY id DESC LIMIT $2', [
      options.beforeId ?? Number.MAX_SAFE_INTEGER,
      options.limit,
    ]);
    return rows.map(read.audit);
  }

  /**
   * Session advisory lock on `hashtext(<schema>:<name>)`, held on a dedicated connection for as long
   * as it lives. If that connection breaks, leadership is lost (the server releases the lock with
   * the session) and the next call reconnects and tries again.
   */
  async tryLeadership(name: string): Promise<boolean> {
    if (this.#closed) return false;
    let client: pg.Client;
    try {
      client = await this.#leader();
      if (this.#held.has(name)) {
        await client.query('SELECT 1');
        return true;
      }
      const { rows } = await client.query(
        "SELECT pg_try_advisory_lock(hashtext(current_schema() || ':' || $1)) AS ok",
        [name],
      );
      const ok = (rows[0] as Row | undefined)?.ok === true;
      if (ok) this.#held.add(name);
      return ok;
    } catch {
      this.#dropLeader();
      return false;
    }
  }

  async #leader(): Promise<pg.Client> {
    if (this.#leaderClient) return this.#leaderClient;
    this.#leaderConnecting ??= (async () => {
      const client = new pg.Client(this.#target.config);
      client.on('error', () => {
        if (this.#leaderClient === client) this.#dropLeader();
      });
      client.on('end', () => {
        if (this.#leaderClient === client) this.#dropLeader();
      });
      try {
        await client.connect();
      } catch (error) {
        client.end().catch(() => undefined);
        throw error;
      }
      if (this.#closed) {
        await client.end().catch(() => undefined);
        throw new Error('store closed');
      }
      this.#leaderClient = client;
      return client;
    })().finally(() => {
      this.#leaderConnecting = undefined;
    });
    return this.#leaderConnecting;
  }

  #dropLeader(): void {
    const client = this.#leaderClient;
    this.#leaderClient = undefined;
    this.#held.clear();
    client?.end().catch(() => undefined);
  }

  /**
   * Listens on `uid2_changes` with a dedicated connection, reconnecting with backoff; after a
   * reconnection every kind is reported once, since notifications sent meanwhile were lost.
   */
  onChange(listener: (kind: ChangeKind) => void): () => void {
    this.#listeners.add(listener);
    if (!this.#listenClient && !this.#listenTimer && !this.#closed) void this.#listen();
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) this.#stopListening();
    };
  }

  /** Whether the notification connection is up (for tests and health reporting). */
  get listening(): boolean {
    return this.#listenConnected;
  }

  async #listen(): Promise<void> {
    this.#listenTimer = undefined;
    if (this.#closed || this.#listeners.size === 0) return;
    const client = new pg.Client(this.#target.config);
    this.#listenClient = client;
    let failed = false;
    const fail = () => {
      if (failed || this.#listenClient !== client) return;
      failed = true;
      this.#listenConnected = false;
      this.#listenClient = undefined;
      client.end().catch(() => undefined);
      if (this.#closed || this.#listeners.size === 0) return;
      const delay = this.#listenBackoffMs;
      this.#listenBackoffMs = Math.min(this.#listenBackoffMs * 2, RECONNECT_MAX_MS);
      this.#listenTimer = setTimeout(() => void this.#listen(), delay);
      this.#listenTimer.unref();
    };
    client.on('error', fail);
    client.on('end', fail);
    client.on('notification', (msg) => {
      if (msg.channel === CHANGE_CHANNEL && msg.payload && KINDS.has(msg.payload)) {
        this.#emit(msg.payload as ChangeKind);
      }
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGE_CHANNEL}`);
    } catch {
      fail();
      return;
    }
    if (this.#listenClient !== client) return;
    this.#listenConnected = true;
    this.#listenBackoffMs = RECONNECT_MIN_MS;
    if (this.#listenEverConnected) {
      for (const kind of KINDS) this.#emit(kind as ChangeKind);
    }
    this.#listenEverConnected = true;
  }

  #emit(kind: ChangeKind): void {
    for (const l of this.#listeners) {
      try {
        l(kind);
      } catch {
        // A listener's failure is its own business.
      }
    }
  }

  #stopListening(): void {
    if (this.#listenTimer) clearTimeout(this.#listenTimer);
    this.#listenTimer = undefined;
    const client = this.#listenClient;
    this.#listenClient = undefined;
    this.#listenConnected = false;
    client?.end().catch(() => undefined);
  }

  async getMeta(key: string): Promise<string | undefined> {
    const r = (await this.#query('SELECT value FROM meta WHERE key = $1', [key]))[0];
    return r === undefined ? undefined : str(r.value);
  }

  async setMeta(key: string, value: string): Promise<void> {
    await this.#query(
      'INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      [key, value],
    );
  }

  /** Inserts a meta value unless one exists; returns the value in force. */
  async claimMeta(key: string, value: string): Promise<string> {
    await this.#query('INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [
      key,
      value,
    ]);
    return (await this.getMeta(key)) ?? value;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#listeners.clear();
    this.#stopListening();
    const leader = this.#leaderClient;
    this.#leaderClient = undefined;
    this.#held.clear();
    await Promise.all([leader?.end().catch(() => undefined), this.#pool.end().catch(() => undefined)]);
  }
}

/** Errors after which a pooled connection must not be reused. */
function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string') return true;
  // SQLSTATE classes 08 (connection exception) and 57 (operator intervention: shutdown).
  return code.startsWith('08') || code.startsWith('57') || !/^[0-9A-Z]{5}$/.test(code);
}
