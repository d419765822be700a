import type { Store } from '../store/store.js';
import type { OptOutRecord } from '../store/types.js';
import { ClientDirectory } from './clients.js';
import { KeyRing } from './keys.js';
import { CompactOptOutIndex, type OptOutIndex } from './optout-index.js';
import { indexKeypairs, indexSites } from './participants.js';
import { SaltTable } from './salt-table.js';
import type { OperatorSnapshot } from './snapshot.js';
import { TestIdentities } from './test-identities.js';

const OPTOUT_PAGE = 10_000;

/**
 * Loads opt-outs with seq > afterSeq into an index at start-up and returns the seq reached. The
 * compact index takes the store's rows in bulk (`Store.scanOptOutRows`, `addRows`); any other
 * index is left to the paged `listOptOutsAfter` reads of `syncOptOuts`.
 */
export async function bulkLoadOptOuts(store: Store, index: OptOutIndex, afterSeq: number): Promise<number> {
  if (!(index instanceof CompactOptOutIndex)) return afterSeq;
  let reached = afterSeq;
  await index.addRows(async (sink) => {
    reached = await store.scanOptOutRows(afterSeq, sink);
  });
  return reached;
}

/**
 * Builds the operator snapshot from the store and keeps it current: it polls the store's change
 * counter (cheap) and rebuilds participants and keys when it moves, reloads salts only when the
 * salt version moves, and pulls new opt-outs after its cursor. Serving continues from the last
 * snapshot if the store is unreachable; `lastSuccessMs` tells how stale it is.
 */
export class SnapshotManager {
  readonly optOuts: OptOutIndex;
  #current: OperatorSnapshot;
  #salts: SaltTable;
  #saltVersion: string;
  #optOutCursor = 0;
  #timer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;
  #lastSuccessMs: number;
  #lastError: Error | undefined;
  #refreshing: Promise<void> | undefined;

  private constructor(
    readonly store: Store,
    snapshot: OperatorSnapshot,
    salts: SaltTable,
    saltVersion: string,
    optOuts: OptOutIndex,
  ) {
    this.#current = snapshot;
    this.#salts = salts;
    this.#saltVersion = saltVersion;
    this.optOuts = optOuts;
    this.#lastSuccessMs = Date.now();
  }

  static async create(
    store: Store,
    optOuts: OptOutIndex = new CompactOptOutIndex(),
  ): Promise<SnapshotManager> {
    const config = await store.getSaltConfig();
    if (!config) throw new Error('the store has no salt configuration (bootstrap has not run)');
    const saltVersion = (await store.getMeta('salt_version')) ?? '0';
    const salts = await SaltTable.load(store, config);
    const snapshot = await SnapshotManager.#build(store, salts);
    const manager = new SnapshotManager(store, snapshot, salts, saltVersion, optOuts);
    manager.#optOutCursor = await bulkLoadOptOuts(store, optOuts, 0);
    await manager.syncOptOuts();
    return manager;
  }

  static async #build(store: Store, salts: SaltTable): Promise<OperatorSnapshot> {
    const version = await store.changeVersion();
    const [clients, keysets, keys, sites, keypairs] = await Promise.all([
      store.listClientKeys(),
      store.listKeysets(),
      store.listKeys(),
      store.listSites(),
      store.listKeypairs(),
    ]);
    return {
      version,
      loadedAtMs: Date.now(),
      clients: new ClientDirectory(clients),
      keys: new KeyRing(keysets, keys),
      sites: indexSites(sites),
      keypairs: indexKeypairs(keypairs),
      salts,
      testIdentities: new TestIdentities(salts.firstLevelSalt),
    };
  }

  get current(): OperatorSnapshot {
    return this.#current;
  }

  get lastSuccessMs(): number {
    return this.#lastSuccessMs;
  }

  get lastError(): Error | undefined {
    return this.#lastError;
  }

  /** Pulls opt-outs appended since the last call (by any process) into the index. */
  /** Called with every page of opt-outs read from the store after start-up (metrics). */
  onOptOutsSynced: ((records: readonly OptOutRecord[]) => void) | undefined;

  async syncOptOuts(): Promise<number> {
    let added = 0;
    for (;;) {
      const page = await this.store.listOptOutsAfter(this.#optOutCursor, OPTOUT_PAGE);
      for (const o of page) {
        this.optOuts.add(o.firstLevelHash, o.advertisingId, o.timestamp);
        this.#optOutCursor = o.seq;
      }
      if (page.length > 0) this.onOptOutsSynced?.(page);
      added += page.length;
      if (page.length < OPTOUT_PAGE) return added;
    }
  }

  /** Rebuilds the snapshot if the store changed; also syncs opt-outs. Safe to call concurrently. */
  refresh(): Promise<void> {
    this.#refreshing ??= this.#refresh().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  async #refresh(): Promise<void> {
    try {
      const version = await this.store.changeVersion();
      const saltVersion = (await this.store.getMeta('salt_version')) ?? '0';
      if (saltVersion !== this.#saltVersion) {
        const config = await this.store.getSaltConfig();
        if (config) this.#salts = await SaltTable.load(this.store, config);
        this.#saltVersion = saltVersion;
      }
      if (version !== this.#current.version || this.#salts !== this.#current.salts) {
        this.#current = await SnapshotManager.#build(this.store, this.#salts);
      }
      await this.syncOptOuts();
      this.#lastSuccessMs = Date.now();
      this.#lastError = undefined;
    } catch (error) {
      this.#lastError = error as Error;
    }
  }

  /** Polls the store every `intervalMs` (the timer does not keep the process alive). */
  start(intervalMs = 1000): void {
    this.#timer ??= setInterval(() => void this.refresh(), intervalMs);
    this.#timer.unref();
    // Change notifications (PostgreSQL LISTEN/NOTIFY) refresh at once; polling stays the fallback.
    // A notification arriving during a refresh schedules one more, as that refresh may predate it.
    this.#unsubscribe ??= this.store.onChange(() => {
      const inFlight = this.#refreshing;
      if (inFlight) void inFlight.then(() => this.refresh());
      else void this.refresh();
    });
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }
}
