import type { Buffer } from 'node:buffer';
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
} from './types.js';

/** Receives the opt-outs of a bulk read (`Store.scanOptOutRows`), one call per opt-out. */
export interface OptOutRowSink {
  /** One opt-out as text: `<time>,<first-level hash hex>,<raw UID hex>` (decimal time; hex in either case). */
  text(row: string): void;
  /**
   * One opt-out as bytes: the first-level hash is `bytes[flhAt, flhAt + flhLength)` and the raw UID
   * `bytes[uidAt, uidAt + uidLength)`; the bytes are valid only during the call.
   */
  bytes(
    bytes: Buffer,
    flhAt: number,
    flhLength: number,
    uidAt: number,
    uidLength: number,
    timestamp: number,
  ): void;
}

/**
 * The one storage interface, implemented by the SQLite (embedded, default) and PostgreSQL engines.
 * Everything is async so both engines fit. Operators never call it on a hot path: they serve from
 * an in-memory snapshot built from it (snapshot/).
 */
export interface Store {
  readonly engine: 'sqlite' | 'postgres';
  /** A description safe to print (no credentials). */
  readonly location: string;

  /** Monotonic counter bumped by every change to participants, keys or salts. */
  changeVersion(): Promise<number>;

  listSites(): Promise<SiteRecord[]>;
  upsertSite(site: SiteRecord): Promise<void>;

  listClientKeys(): Promise<ClientKeyRecord[]>;
  upsertClientKey(key: ClientKeyRecord): Promise<void>;

  listKeysets(): Promise<KeysetRecord[]>;
  upsertKeyset(keyset: KeysetRecord): Promise<void>;

  listKeys(): Promise<KeyRecord[]>;
  insertKeys(keys: readonly KeyRecord[]): Promise<void>;
  /** Retires keys (rotation jobs delete keys long expired). */
  deleteKeys(ids: readonly number[]): Promise<void>;

  listKeypairs(): Promise<KeypairRecord[]>;
  upsertKeypair(keypair: KeypairRecord): Promise<void>;

  getSaltConfig(): Promise<SaltConfig | undefined>;
  /** Creates the salt configuration and its buckets in one transaction. */
  initSalts(config: SaltConfig, buckets: Iterable<SaltBucketRecord>): Promise<void>;
  /** Streams every bucket in index order. */
  forEachSaltBucket(fn: (bucket: SaltBucketRecord) => void): Promise<void>;
  updateSaltBuckets(buckets: readonly SaltBucketRecord[]): Promise<void>;

  /**
   * Durably appends opt-outs (the promise resolves after commit) and returns their records. A
   * `clientIpHash` given with an opt-out is written in the same transaction.
   */
  appendOptOuts(optOuts: readonly NewOptOut[]): Promise<OptOutRecord[]>;
  /** Opt-outs with seq > afterSeq, in seq order, at most `limit`. */
  listOptOutsAfter(afterSeq: number, limit: number): Promise<OptOutRecord[]>;
  /**
   * Bulk read for loading an opt-out index at start-up: gives `sink` every opt-out with
   * seq > afterSeq, in seq order, one call each in the form the engine reads fastest (SQLite: text
   * rows; PostgreSQL: binary COPY tuples), and resolves to the highest seq visited (afterSeq when
   * none). Strings or byte ranges instead of records and Buffers make 10 million rows several times
   * faster to read than `listOptOutsAfter`. Opt-outs appended during the scan may be left for the next
   * `listOptOutsAfter` from the returned seq.
   */
  scanOptOutRows(afterSeq: number, sink: OptOutRowSink): Promise<number>;

  /** Client-IP hashes of opt-outs with seq > afterSeq (default 0), in seq order, at most `limit`. */
  listOptOutClientIps(options: { afterSeq?: number; limit: number }): Promise<OptOutClientIpRecord[]>;
  /** Deletes the client-IP hashes of opt-outs older than `before` (epoch seconds); returns how many. */
  purgeOptOutClientIps(before: number): Promise<number>;

  listPartners(): Promise<PartnerRecord[]>;
  upsertPartner(partner: PartnerRecord): Promise<void>;
  deletePartner(name: string): Promise<void>;

  /** A partner's delivery cursor: the last opt-out seq it has taken (0 before the first). */
  getPartnerCursor(partner: string): Promise<number>;
  /** Moves a partner's cursor forward to `seq` (never backwards). */
  advancePartnerCursor(partner: string, seq: number): Promise<void>;
  /**
   * Records dead letters; one per (partner, seq): adding one again replaces its attempts, error and
   * time, and clears a pending replay.
   */
  addDeadLetters(entries: readonly NewDeadLetter[]): Promise<void>;
  /** A partner's dead letters in seq order (only those awaiting a replay with `replayOnly`). */
  listDeadLetters(
    partner: string,
    options?: { replayOnly?: boolean; limit?: number },
  ): Promise<DeadLetterRecord[]>;
  /** Marks dead letters (some ids, or all of the partner's) for replay; returns how many. */
  requestDeadLetterReplay(partner: string, ids: readonly number[] | 'all'): Promise<number>;
  removeDeadLetters(partner: string, ids: readonly number[]): Promise<void>;

  /** Appends to the audit log (never secrets). */
  appendAudit(entry: NewAuditRecord): Promise<AuditRecord>;
  /** The most recent audit entries, newest first. */
  listAudit(options: { limit: number; beforeId?: number }): Promise<AuditRecord[]>;

  /**
   * Tries to become (or stay) the one process that runs lifecycle jobs for `name`. PostgreSQL uses a
   * session advisory lock; the embedded store has a single writer process, which always leads.
   */
  tryLeadership(name: string): Promise<boolean>;

  /**
   * Subscribes to change notifications from other processes (PostgreSQL LISTEN/NOTIFY): `kind` is
   * `participants`, `salts` or `optouts`. Returns an unsubscribe function. The embedded store has no
   * notifications (callers poll); there it returns a no-op.
   */
  onChange(listener: (kind: 'participants' | 'salts' | 'optouts') => void): () => void;

  getMeta(key: string): Promise<string | undefined>;
  setMeta(key: string, value: string): Promise<void>;

  close(): Promise<void>;
}
