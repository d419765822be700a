import type { Buffer } from 'node:buffer';

/**
 * Every opt-out an operator knows, answering both lookups exactly: by first-level hash (generate,
 * refresh, identity map) and by raw UID (`/v2/optout/status`). Times are epoch seconds.
 */
export interface OptOutIndex {
  /** Records an opt-out; repeats keep the earliest time for the raw UID and the latest for the hash. */
  add(firstLevelHash: Buffer, advertisingId: Buffer, timestamp: number): void;
  /** Latest opt-out time of a first-level hash (base64 text), or undefined. */
  byFirstLevelHash(flhB64: string): number | undefined;
  /** Earliest opt-out time of a raw UID (base64 text), or undefined. */
  byAdvertisingId(rawUidB64: string): number | undefined;
  readonly size: number;
}

/** A straightforward exact index on two Maps keyed by base64 text. */
export class MapOptOutIndex implements OptOutIndex {
  readonly #byFlh = new Map<string, number>();
  readonly #byUid = new Map<string, number>();

  add(firstLevelHash: Buffer, advertisingId: Buffer, timestamp: number): void {
    const flh = firstLevelHash.toString('base64');
    const uid = advertisingId.toString('base64');
    const latest = this.#byFlh.get(flh);
    if (latest === undefined || timestamp > latest) this.#byFlh.set(flh, timestamp);
    const earliest = this.#byUid.get(uid);
    if (earliest === undefined || timestamp < earliest) this.#byUid.set(uid, timestamp);
  }

  byFirstLevelHash(flhB64: string): number | undefined {
    return this.#byFlh.get(flhB64);
  }

  byAdvertisingId(rawUidB64: string): number | undefined {
    return this.#byUid.get(rawUidB64);
  }

  get size(): number {
    return this.#byFlh.size;
  }
}
