import { Buffer } from 'node:buffer';
import type { OptOutRowSink } from '../store/store.js';

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
  /**
   * A hint that `texts[from]` to `texts[to - 1]` are about to be looked up by first-level hash
   * (values that are not strings are skipped). Answers do not change; a caller with many lookups
   * (identity map, opt-out status) calls it per chunk of up to `PREFETCH_CHUNK` texts so that the
   * random reads of the whole chunk overlap instead of each lookup waiting for its own.
   */
  prefetchFirstLevelHashes(texts: ArrayLike<unknown>, from: number, to: number): void;
  /** The same hint for lookups by raw UID. */
  prefetchAdvertisingIds(texts: ArrayLike<unknown>, from: number, to: number): void;
  readonly size: number;
}

/** The most texts one prefetch call reads ahead for (more are ignored): a few hundred slots stay cached. */
export const PREFETCH_CHUNK = 256;

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

  prefetchFirstLevelHashes(): void {}

  prefetchAdvertisingIds(): void {}

  get size(): number {
    return this.#byFlh.size;
  }
}

// ---------------------------------------------------------------------------------------------
// Compact index: three open-addressing tables in one Int32Array each.
// ---------------------------------------------------------------------------------------------

/** Int32 words per slot: four key words, then the opt-out time + 1 (0 marks an empty slot). */
const SLOT = 5;
/**
 * Int32 words from a home slot to the first word of the third slot after it: how far ahead a
 * prefetch reads (measured at 10 million opt-outs: 15 beat 10, 19, 24 and 30, and a home-slot-only
 * read, by 20–30 % for hits and misses).
 */
const PROBE_SPAN = 3 * SLOT;
/** A table grows when an insertion would push it past this load. */
const MAX_LOAD = 0.85;
/** Growth factor; with MAX_LOAD it keeps the load in [0.65, 0.85] once past the initial size. */
const GROWTH = 1.3;
const INITIAL_SLOTS = 1024;
/** Load a reserved table is sized for (see `CompactOptOutIndex.reserve`). */
const RESERVE_LOAD = 0.8;
/** 2^-32: multiplying by it is exact, and cheaper than dividing by 2^32. */
const INV_TWO_32 = 1 / 4294967296;
/** Times stored in the tables: integer epoch seconds in [0, 2^32 − 2] (until 2106). */
const MAX_TABLE_TIME = 0xfffffffe;

const B64 = new Int8Array(65536).fill(-1);
for (let i = 0; i < 64; i++) {
  B64['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i;
}
const v = (s: string, i: number): number => B64[s.charCodeAt(i)]!;
/** Value of the 4 characters from `i` (24 bits), negative if one is not a standard-base64 character. */
const group = (s: string, i: number): number =>
  (v(s, i) << 18) | (v(s, i + 1) << 12) | (v(s, i + 2) << 6) | v(s, i + 3);

/**
 * Whether characters `from` to `to` − 1 of `s` are all standard-base64 characters. Lookups decode
 * only the characters holding their 16 key bytes and check the rest of the text this way only on a
 * hit, so the compact index hits exactly the texts `Buffer.toString('base64')` gives for 32 or 33
 * bytes — the strings a Map keyed by that text would hit.
 */
function validChars(s: string, from: number, to: number): boolean {
  let all = 0;
  for (let i = from; i < to; i++) all |= v(s, i);
  return all >= 0;
}

/**
 * Bijective mix (murmur3's finalizer) of a key's first 32-bit word into the word stored first: `w0`
 * is recoverable from it, so storing (mix(w0), w1, w2, w3) keeps all 128 bits, and the home slot
 * depends on the first word alone. A lookup therefore decodes only the 8 characters holding `w0`
 * before probing, and decodes the rest only when a stored first word matches (nearly never on a
 * miss). Keys are SHA-256 or AES output, so their first word is uniform; the mix keeps the
 * distribution even for keys that are not.
 */
function mix(w0: number): number {
  let h = w0 ^ (w0 >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Home slot of a mixed first word in a table of `cap` slots (multiply-shift range reduction). */
const home = (h: number, cap: number): number => Math.floor((h >>> 0) * cap * INV_TWO_32);

/**
 * One open-addressing table (linear probing, Robin Hood order so misses stop early) of 128-bit keys
 * with a uint32 time each, in one Int32Array of 20-byte slots. Grows by GROWTH, rehashing online.
 */
class KeyTable {
  #slots: Int32Array;
  #cap: number;
  #limit: number;
  #count = 0;

  constructor(cap = INITIAL_SLOTS) {
    this.#cap = cap;
    this.#slots = new Int32Array(cap * SLOT);
    this.#limit = Math.floor(cap * MAX_LOAD);
  }

  get count(): number {
    return this.#count;
  }

  get bytes(): number {
    return this.#slots.byteLength;
  }

  /**
   * Offset of the first slot whose key has the mixed first word `h`, or -1 (misses stop here
   * without decoding more of the text).
   */
  find(h: number): number {
    const s = this.#slots;
    const cap = this.#cap;
    let i = home(h, cap);
    for (let d = 0; ; d++) {
      const o = i * SLOT;
      if (s[o + 4] === 0) return -1;
      const sh = s[o]!;
      if (sh === h) return o;
      let sd = i - home(sh, cap);
      if (sd < 0) sd += cap;
      if (sd < d) return -1;
      if (++i === cap) i = 0;
    }
  }

  /** `get` for a key whose first word `find` located at slot offset `o` (the usual case: that slot). */
  getAt(o: number, h: number, w1: number, w2: number, w3: number): number {
    const s = this.#slots;
    if (s[o + 1] === w1 && s[o + 2] === w2 && s[o + 3] === w3) return s[o + 4]! >>> 0;
    return this.get(h, w1, w2, w3);
  }

  /** Offset of the home slot of a mixed first word `h`. */
  homeOffset(h: number): number {
    return home(h, this.#cap) * SLOT;
  }

  /**
   * Reads the slots at `offsets[0]` to `offsets[n - 1]` in one tight loop, so that their cache misses
   * are in flight together; returns a value made from what it read (so the reads are kept). Each
   * read also takes the word PROBE_SPAN ahead: a probe (hit or miss) usually ends within the next
   * three slots, and when those 60 bytes cross into the next cache line, that line is then in flight
   * too instead of being missed on its own during the lookup.
   */
  touch(offsets: Int32Array, n: number): number {
    const s = this.#slots;
    const last = s.length - 1;
    let t = 0;
    for (let k = 0; k < n; k++) {
      const o = offsets[k]!;
      t ^= s[o]! ^ s[Math.min(last, o + PROBE_SPAN)]!;
    }
    return t;
  }

  /** The stored time + 1 of the key whose first word is `h` (see `mix`), or 0. */
  get(h: number, w1: number, w2: number, w3: number): number {
    const s = this.#slots;
    const cap = this.#cap;
    let i = home(h, cap);
    for (let d = 0; ; d++) {
      const o = i * SLOT;
      const t = s[o + 4]!;
      if (t === 0) return 0;
      const sh = s[o]!;
      if (sh === h && s[o + 1] === w1 && s[o + 2] === w2 && s[o + 3] === w3) return t >>> 0;
      let sd = i - home(sh, cap);
      if (sd < 0) sd += cap;
      if (sd < d) return 0;
      if (++i === cap) i = 0;
    }
  }

  /** Records time + 1 `t1` for a key, keeping the later (`latest`) or the earlier time on repeats. */
  put(h: number, w1: number, w2: number, w3: number, t1: number, latest: boolean): void {
    const s = this.#slots;
    const cap = this.#cap;
    let i = home(h, cap);
    for (let d = 0; ; d++) {
      const o = i * SLOT;
      const t = s[o + 4]!;
      if (t === 0) break;
      const sh = s[o]!;
      if (sh === h && s[o + 1] === w1 && s[o + 2] === w2 && s[o + 3] === w3) {
        const current = t >>> 0;
        if (latest ? t1 > current : t1 < current) s[o + 4] = t1;
        return;
      }
      let sd = i - home(sh, cap);
      if (sd < 0) sd += cap;
      if (sd < d) break;
      if (++i === cap) i = 0;
    }
    if (this.#count >= this.#limit) this.#grow();
    KeyTable.#insert(this.#slots, this.#cap, h, w1, w2, w3, t1);
    this.#count++;
  }

  /** Robin Hood insertion of a key known to be absent (the table has an empty slot). */
  static #insert(
    s: Int32Array,
    cap: number,
    h: number,
    w1: number,
    w2: number,
    w3: number,
    t1: number,
  ): void {
    let i = home(h, cap);
    for (let d = 0; ; d++) {
      const o = i * SLOT;
      const t = s[o + 4]!;
      if (t === 0) {
        s[o] = h;
        s[o + 1] = w1;
        s[o + 2] = w2;
        s[o + 3] = w3;
        s[o + 4] = t1;
        return;
      }
      const sh = s[o]!;
      let sd = i - home(sh, cap);
      if (sd < 0) sd += cap;
      if (sd < d) {
        const s1 = s[o + 1]!;
        const s2 = s[o + 2]!;
        const s3 = s[o + 3]!;
        s[o] = h;
        s[o + 1] = w1;
        s[o + 2] = w2;
        s[o + 3] = w3;
        s[o + 4] = t1;
        h = sh;
        w1 = s1;
        w2 = s2;
        w3 = s3;
        t1 = t;
        d = sd;
      }
      if (++i === cap) i = 0;
    }
  }

  /** Makes room for `total` keys at most (one rehash now instead of several while adding). */
  reserve(total: number): void {
    if (total > this.#limit) this.#grow(Math.ceil(total / RESERVE_LOAD));
  }

  #grow(cap = Math.ceil(this.#cap * GROWTH)): void {
    const old = this.#slots;
    const s = new Int32Array(cap * SLOT);
    for (let o = 0; o < old.length; o += SLOT) {
      const t = old[o + 4]!;
      if (t !== 0) KeyTable.#insert(s, cap, old[o]!, old[o + 1]!, old[o + 2]!, old[o + 3]!, t);
    }
    this.#slots = s;
    this.#cap = cap;
    this.#limit = Math.floor(cap * MAX_LOAD);
  }
}

const HEX = new Int8Array(65536).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX['0123456789abcdef'.charCodeAt(i)] = i;
  HEX['0123456789ABCDEF'.charCodeAt(i)] = i;
}
/** Whether a staged word was decoded from 8 hex digits (set false by `hexWord` on a bad digit). */
let hexOk = true;
/** The 32-bit word of the 8 hex digits from `i` (either case); clears `hexOk` on a bad digit. */
function hexWord(s: string, i: number): number {
  let w = 0;
  let bad = 0;
  for (let k = i; k < i + 8; k++) {
    const d = HEX[s.charCodeAt(k)]!;
    bad |= d;
    w = (w << 4) | (d & 15);
  }
  if (bad < 0) hexOk = false;
  return w;
}

/** Keys staged for one table during `addRows`: (w0, w1, w2, w3, time + 1) in a growing Int32Array. */
class KeyStage {
  #words = new Int32Array(SLOT * 4096);
  #count = 0;

  /** Stages a key (first word unmixed); false if one of its words had a bad hex digit. */
  push(w0: number, w1: number, w2: number, w3: number, t1: number): boolean {
    let o = this.#count * SLOT;
    if (o === this.#words.length) {
      const grown = new Int32Array(this.#words.length * 2);
      grown.set(this.#words);
      this.#words = grown;
    }
    const w = this.#words;
    w[o++] = w0;
    w[o++] = w1;
    w[o++] = w2;
    w[o++] = w3;
    w[o] = t1;
    this.#count++;
    const ok = hexOk;
    hexOk = true;
    return ok;
  }

  /**
   * Sizes `table` once for what it holds plus the staged keys, adds them, and frees the stage. The
   * keys are first scattered into the order of their home slots (a counting sort on the top 16 bits
   * of the mixed first word, which orders home slots), so the table is filled front to back instead
   * of at random addresses.
   */
  drainInto(table: KeyTable, latest: boolean): void {
    const n = this.#count;
    const w = this.#words;
    this.#words = new Int32Array(0);
    this.#count = 0;
    if (n === 0) return;
    table.reserve(table.count + n);
    const end = n * SLOT;
    const starts = new Int32Array(65537);
    for (let o = 0; o < end; o += SLOT) {
      const h = mix(w[o]!);
      w[o] = h;
      starts[(h >>> 16) + 1]!++;
    }
    for (let b = 1; b <= 65536; b++) starts[b]! += starts[b - 1]!;
    const sorted = new Int32Array(end);
    for (let o = 0; o < end; o += SLOT) {
      const at = starts[w[o]! >>> 16]!++ * SLOT;
      sorted[at] = w[o]!;
      sorted[at + 1] = w[o + 1]!;
      sorted[at + 2] = w[o + 2]!;
      sorted[at + 3] = w[o + 3]!;
      sorted[at + 4] = w[o + 4]!;
    }
    for (let o = 0; o < end; o += SLOT) {
      table.put(sorted[o]!, sorted[o + 1]!, sorted[o + 2]!, sorted[o + 3]!, sorted[o + 4]! >>> 0, latest);
    }
  }
}

/**
 * The operator's opt-out index in about 50 bytes per opt-out (the reference keeps ~250–300), with
 * lookups straight from the base64 text (no Buffer decoding, no allocation). Three open-addressing
 * tables of 20-byte slots — 16 key bytes and a uint32 time: first-level hashes keyed on their first
 * 16 bytes (latest time kept, as the reference's partition search), and raw UIDs keyed on their last
 * 16 bytes, one table per length (32-byte v2, 33-byte v3/v4; earliest time kept, as the reference's
 * `adIdToOptOutTimestamp`). The last 16 bytes are uniformly random in every raw-UID format, unlike
 * the leading metadata and key id of v4. Tables grow by 1.3× at load 0.85; a bulk load
 * (`addRows`, start-up) sizes each table once for load 0.8. A lookup decodes the 8 characters of
 * the key's first word and probes with it; only when a stored first word matches does it decode the
 * rest of the ~22 characters that hold the 16 key bytes (no Buffer, no allocation), and it checks
 * the whole text only on a hit. A table far larger than the caches costs one memory latency per
 * lookup; callers with many lookups prefetch a chunk first (`prefetchFirstLevelHashes`,
 * `prefetchAdvertisingIds`), so the chunk's random reads overlap.
 *
 * Exactness: every recorded key is answered with exactly its time, and any text that is not the
 * canonical base64 of a 32-byte hash (or 32/33-byte raw UID) misses, as with `MapOptOutIndex`. The
 * only approximation is the 128-bit key: a key that was never recorded but agrees with a recorded
 * one on those 16 bytes is answered as that one. For SHA-256-derived keys that happens with
 * probability ≤ n/2^128 per lookup (≈ 3·10^-32 at n = 10 million) and two recorded keys share their
 * 16 bytes with probability ≤ n²/2^129 (≈ 3·10^-25 at 10 million). Entries that cannot be keyed this
 * way (other byte lengths; times that are not integers in [0, 2^32 − 2]) are kept in side Maps keyed
 * by text, so the answers still equal `MapOptOutIndex`'s.
 */
export class CompactOptOutIndex implements OptOutIndex {
  readonly #flh = new KeyTable();
  readonly #uid32 = new KeyTable();
  readonly #uid33 = new KeyTable();
  #oddFlh: Map<string, number> | undefined;
  #oddUid: Map<string, number> | undefined;
  readonly #ahead = new Int32Array(PREFETCH_CHUNK);
  readonly #ahead33 = new Int32Array(PREFETCH_CHUNK);
  /** What prefetching read, kept so that the reads are not optimized away. */
  #sink = 0;

  add(firstLevelHash: Buffer, advertisingId: Buffer, timestamp: number): void {
    const inRange = Number.isInteger(timestamp) && timestamp >= 0 && timestamp <= MAX_TABLE_TIME;
    const t1 = timestamp + 1;
    if (inRange && firstLevelHash.length === 32) {
      const w0 = firstLevelHash.readInt32BE(0);
      this.#flh.put(
        mix(w0),
        firstLevelHash.readInt32BE(4),
        firstLevelHash.readInt32BE(8),
        firstLevelHash.readInt32BE(12),
        t1,
        true,
      );
    } else this.#addOddFlh(firstLevelHash, timestamp);
    const n = advertisingId.length;
    if (inRange && (n === 32 || n === 33)) {
      const w0 = advertisingId.readInt32BE(n - 16);
      (n === 32 ? this.#uid32 : this.#uid33).put(
        mix(w0),
        advertisingId.readInt32BE(n - 12),
        advertisingId.readInt32BE(n - 8),
        advertisingId.readInt32BE(n - 4),
        t1,
        false,
      );
    } else this.#addOddUid(advertisingId, timestamp);
  }

  #addOddFlh(firstLevelHash: Buffer, timestamp: number): void {
    this.#oddFlh ??= new Map();
    const key = firstLevelHash.toString('base64');
    const latest = this.#oddFlh.get(key);
    if (latest === undefined || timestamp > latest) this.#oddFlh.set(key, timestamp);
  }

  #addOddUid(advertisingId: Buffer, timestamp: number): void {
    this.#oddUid ??= new Map();
    const key = advertisingId.toString('base64');
    const earliest = this.#oddUid.get(key);
    if (earliest === undefined || timestamp < earliest) this.#oddUid.set(key, timestamp);
  }

  /**
   * Records many opt-outs as a store's bulk read gives them (`Store.scanOptOutRows`: text rows
   * `<time>,<first-level hash hex>,<raw UID hex>` or byte ranges), with the same answers as `add`
   * for each. Keys are staged in flat arrays first, then each table is resized once for its final
   * count and filled: no Buffer and no object per row, and no repeated rehashing while 10 million
   * opt-outs load.
   */
  async addRows(feed: (sink: OptOutRowSink) => Promise<unknown>): Promise<void> {
    const staged = [new KeyStage(), new KeyStage(), new KeyStage()] as const;
    const text = (row: string): void => {
      const c1 = row.indexOf(',');
      const c2 = row.indexOf(',', c1 + 1);
      const aidHex = row.length - c2 - 1;
      let ts = 0;
      let digits = c1 > 0 && c1 <= 10;
      for (let i = 0; i < c1 && digits; i++) {
        const d = row.charCodeAt(i) - 48;
        if (d < 0 || d > 9) digits = false;
        else ts = ts * 10 + d;
      }
      if (!digits || ts > MAX_TABLE_TIME || c2 - c1 !== 65 || (aidHex !== 64 && aidHex !== 66)) {
        this.#addOddRow(row, c1, c2);
        return;
      }
      const t1 = ts + 1;
      const f = c1 + 1;
      const u = row.length - 32;
      const ok =
        staged[0].push(
          hexWord(row, f),
          hexWord(row, f + 8),
          hexWord(row, f + 16),
          hexWord(row, f + 24),
          t1,
        ) &&
        staged[aidHex === 64 ? 1 : 2].push(
          hexWord(row, u),
          hexWord(row, u + 8),
          hexWord(row, u + 16),
          hexWord(row, u + 24),
          t1,
        );
      if (!ok) throw new Error('opt-out row from the store is not in the expected text form');
    };
    const bytes = (
      b: Buffer,
      flhAt: number,
      flhLength: number,
      uidAt: number,
      uidLength: number,
      timestamp: number,
    ): void => {
      const inRange = Number.isInteger(timestamp) && timestamp >= 0 && timestamp <= MAX_TABLE_TIME;
      if (!inRange || flhLength !== 32 || (uidLength !== 32 && uidLength !== 33)) {
        // Copies: the bytes are only valid during the call, and `add` may keep them (side Maps).
        this.add(
          Buffer.from(b.subarray(flhAt, flhAt + flhLength)),
          Buffer.from(b.subarray(uidAt, uidAt + uidLength)),
          timestamp,
        );
        return;
      }
      const t1 = timestamp + 1;
      const u = uidAt + uidLength - 16;
      staged[0].push(
        b.readInt32BE(flhAt),
        b.readInt32BE(flhAt + 4),
        b.readInt32BE(flhAt + 8),
        b.readInt32BE(flhAt + 12),
        t1,
      );
      staged[uidLength === 32 ? 1 : 2].push(
        b.readInt32BE(u),
        b.readInt32BE(u + 4),
        b.readInt32BE(u + 8),
        b.readInt32BE(u + 12),
        t1,
      );
    };
    await feed({ text, bytes });
    staged[0].drainInto(this.#flh, true);
    staged[1].drainInto(this.#uid32, false);
    staged[2].drainInto(this.#uid33, false);
  }

  #addOddRow(row: string, c1: number, c2: number): void {
    const ts = Number(row.slice(0, c1));
    const flh = Buffer.from(row.slice(c1 + 1, c2), 'hex');
    const uid = Buffer.from(row.slice(c2 + 1), 'hex');
    if (c1 <= 0 || c2 < 0 || !Number.isFinite(ts) || flh.length * 2 !== c2 - c1 - 1) {
      throw new Error('opt-out row from the store is not in the expected text form');
    }
    this.add(flh, uid, ts);
  }

  byFirstLevelHash(flhB64: string): number | undefined {
    let found: number | undefined;
    const s = flhB64;
    if (s.length === 44 && s.charCodeAt(43) === 61) {
      // Bytes 0..3 (the probed first word): characters 0..7; bytes 4..15: characters 8..21.
      const g0 = group(s, 0);
      const g1 = group(s, 4);
      if ((g0 | g1) >= 0) {
        const h = mix((g0 << 8) | (g1 >>> 16));
        const at = this.#flh.find(h);
        if (at >= 0) {
          const g2 = group(s, 8);
          const g3 = group(s, 12);
          const g4 = group(s, 16);
          const b15 = (v(s, 20) << 2) | (v(s, 21) >> 4);
          if ((g2 | g3 | g4 | b15) >= 0) {
            const t = this.#flh.getAt(at, h, (g1 << 16) | (g2 >>> 8), (g2 << 24) | g3, (g4 << 8) | b15);
            if (t !== 0 && (v(s, 42) & 3) === 0 && validChars(s, 22, 43)) found = t - 1;
          }
        }
      }
    }
    if (this.#oddFlh === undefined) return found;
    const odd = this.#oddFlh.get(flhB64);
    return odd === undefined || (found !== undefined && found >= odd) ? found : odd;
  }

  byAdvertisingId(rawUidB64: string): number | undefined {
    let found: number | undefined;
    const s = rawUidB64;
    if (s.length === 44) {
      // The last 16 bytes: characters 20..43 hold bytes 15..32 (33 bytes) or 15..31 and `=` (32 bytes);
      // their first word is in characters 20..27 either way.
      const short = s.charCodeAt(43) === 61;
      const g5 = group(s, 20);
      const g6 = group(s, 24);
      if ((g5 | g6) >= 0) {
        const table = short ? this.#uid32 : this.#uid33;
        const h = mix(short ? (g5 << 16) | (g6 >>> 8) : (g5 << 24) | g6);
        const at = table.find(h);
        if (at >= 0) {
          const g7 = group(s, 28);
          const g8 = group(s, 32);
          const g9 = group(s, 36);
          const g10 = short ? (v(s, 40) << 18) | (v(s, 41) << 12) | (v(s, 42) << 6) : group(s, 40);
          if ((g7 | g8 | g9 | g10) >= 0) {
            const t = short
              ? table.getAt(at, h, (g6 << 24) | g7, (g8 << 8) | (g9 >>> 16), (g9 << 16) | (g10 >>> 8))
              : table.getAt(at, h, (g7 << 8) | (g8 >>> 16), (g8 << 16) | (g9 >>> 8), (g9 << 24) | g10);
            if (t !== 0 && (!short || (v(s, 42) & 3) === 0) && validChars(s, 0, 20)) found = t - 1;
          }
        }
      }
    }
    if (this.#oddUid === undefined) return found;
    const odd = this.#oddUid.get(rawUidB64);
    return odd === undefined || (found !== undefined && found <= odd) ? found : odd;
  }

  /**
   * Two passes over the texts: first the home slot of each (from the 8 characters of its first key
   * word, no memory but the text), then one read per slot in a tight loop, where a few hundred
   * cache misses overlap; the lookups that follow find their slots cached.
   */
  prefetchFirstLevelHashes(texts: ArrayLike<unknown>, from: number, to: number): void {
    const end = Math.min(to, from + PREFETCH_CHUNK);
    const offsets = this.#ahead;
    let n = 0;
    for (let j = from; j < end; j++) {
      const s = texts[j];
      if (typeof s !== 'string' || s.length !== 44) continue;
      const g0 = group(s, 0);
      const g1 = group(s, 4);
      if ((g0 | g1) >= 0) offsets[n++] = this.#flh.homeOffset(mix((g0 << 8) | (g1 >>> 16)));
    }
    this.#sink ^= this.#flh.touch(offsets, n);
  }

  /** As `prefetchFirstLevelHashes`, for raw UIDs (characters 20..27 hold the first key word). */
  prefetchAdvertisingIds(texts: ArrayLike<unknown>, from: number, to: number): void {
    const end = Math.min(to, from + PREFETCH_CHUNK);
    const o32 = this.#ahead;
    const o33 = this.#ahead33;
    let n32 = 0;
    let n33 = 0;
    for (let j = from; j < end; j++) {
      const s = texts[j];
      if (typeof s !== 'string' || s.length !== 44) continue;
      const g5 = group(s, 20);
      const g6 = group(s, 24);
      if ((g5 | g6) < 0) continue;
      if (s.charCodeAt(43) === 61) o32[n32++] = this.#uid32.homeOffset(mix((g5 << 16) | (g6 >>> 8)));
      else o33[n33++] = this.#uid33.homeOffset(mix((g5 << 24) | g6));
    }
    this.#sink ^= this.#uid32.touch(o32, n32) ^ this.#uid33.touch(o33, n33);
  }

  /**
   * Distinct first-level hashes recorded (a hash recorded with both an ordinary and an out-of-range
   * time counts twice).
   */
  get size(): number {
    return this.#flh.count + (this.#oddFlh?.size ?? 0);
  }

  /** Bytes held by the three tables (their ArrayBuffers; the side Maps are not counted). */
  get tableBytes(): number {
    return this.#flh.bytes + this.#uid32.bytes + this.#uid33.bytes;
  }
}
