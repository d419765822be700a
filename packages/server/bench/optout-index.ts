// Opt-out index benchmarks (issue 5): bytes per opt-out (the tables' ArrayBuffers and the measured
// heap delta) at 1 million and 10 million opt-outs; hit and miss ns per lookup for both lookups, one
// at a time and in prefetched chunks, next to a `Map<string, number>.get` on the same keys (1 million)
// or to the machine's memory latency (10 million), measured in the same run; and the time to stream
// 10 million opt-outs from the embedded store into the index at start-up. Run alone with
// `node --import tsx packages/server/bench/optout-index.ts`; OPTOUT_BENCH_MAX lowers the 10 million.
import { hash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import Database from 'better-sqlite3';
import pg from 'pg';
import { type BenchRow, compare, costRow, emit, nsPerOp, round } from '../../../bench/harness.js';
import { bulkLoadOptOuts } from '../src/snapshot/manager.js';
import { CompactOptOutIndex, MapOptOutIndex, PREFETCH_CHUNK } from '../src/snapshot/optout-index.js';
import { PostgresStore } from '../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { OptOutRowSink } from '../src/store/store.js';

const LARGE = Number(process.env.OPTOUT_BENCH_MAX ?? 10_000_000);
const SMALL = Math.min(1_000_000, LARGE);
const SAMPLES = 1 << 16;
const TS0 = 1_600_000_000;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const cpuMs = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1000;
const heapBytes = (): number => {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

/** Opt-out i's keys, from one random slab per batch: FLH 32 bytes, raw UID 32 (v2) or 33 bytes (v3/v4). */
interface Batch {
  flh: Buffer;
  uid: Buffer;
}
const newBatch = (n: number): Batch => ({ flh: randomBytes(n * 32), uid: randomBytes(n * 33) });
const flhAt = (b: Batch, j: number): Buffer => b.flh.subarray(j * 32, j * 32 + 32);
const uidAt = (b: Batch, i: number, j: number): Buffer =>
  b.uid.subarray(j * 33, j * 33 + (i % 3 === 0 ? 32 : 33));

interface Queries {
  flhHit: string[];
  uidHit: string[];
  flhMiss: string[];
  uidMiss: string[];
}

/** Sampled hit texts (every `stride`-th opt-out) and fresh miss texts, SAMPLES of each kind. */
function missTexts(q: Queries): void {
  const b = newBatch(SAMPLES);
  for (let j = 0; j < SAMPLES; j++) {
    q.flhMiss.push(flhAt(b, j).toString('base64'));
    q.uidMiss.push(uidAt(b, j, j).toString('base64'));
  }
}

function sample(q: Queries, i: number, flh: Buffer, uid: Buffer, stride: number): void {
  if (i % stride === 0 && q.flhHit.length < SAMPLES) {
    q.flhHit.push(flh.toString('base64'));
    q.uidHit.push(uid.toString('base64'));
  }
}

const bytesRow = (name: string, value: number, floor: number | null, unit = 'bytes/opt-out'): BenchRow => ({
  name,
  value: round(value, 1),
  unit,
  floor: floor === null ? null : round(floor, 1),
  ratio: floor === null ? null : round(value / floor, 2),
  target: '≤ 64 bytes/opt-out',
  pass: value <= 64,
});

/**
 * Hit and miss rows for both lookups, each against a Map<string, number> holding the same keys: one
 * lookup at a time (as token/generate and refresh do), then in chunks of PREFETCH_CHUNK behind one
 * prefetch call (as identity map and optout/status do).
 */
function lookupRows(
  label: string,
  index: CompactOptOutIndex,
  q: Queries,
  floors: { flh: Map<string, number>; uid: Map<string, number> } | { latencyNs: number },
): BenchRow[] {
  const mask = SAMPLES - 1;
  const rows: BenchRow[] = [];
  const maps = 'latencyNs' in floors ? undefined : floors;
  const latencyNs = 'latencyNs' in floors ? floors.latencyNs : 0;
  const floorName = maps ? 'Map.get' : 'memory latency';
  type Case = [string, string[], (s: string) => unknown, Map<string, number> | undefined, boolean];
  const cases: Case[] = [
    ['byFirstLevelHash hit', q.flhHit, (s) => index.byFirstLevelHash(s), maps?.flh, true],
    ['byFirstLevelHash miss', q.flhMiss, (s) => index.byFirstLevelHash(s), maps?.flh, true],
    ['byAdvertisingId hit', q.uidHit, (s) => index.byAdvertisingId(s), maps?.uid, false],
    ['byAdvertisingId miss', q.uidMiss, (s) => index.byAdvertisingId(s), maps?.uid, false],
  ];
  /** Interleaved with the Map floor when there is one, else against the memory latency of the run. */
  const measure = (
    op: (i: number) => unknown,
    floor: ((i: number) => unknown) | undefined,
    iterations?: number,
  ): { value: number; floor: number } =>
    floor !== undefined
      ? compare(op, floor, { iterations })
      : { value: nsPerOp(op, { batches: 9, iterations }), floor: latencyNs };
  for (const [name, texts, lookup, map] of cases) {
    const m = measure(
      (i) => lookup(texts[i & mask] as string),
      map && ((i) => map.get(texts[i & mask] as string)),
    );
    const row = costRow(`opt-out index ${name}, ${label}, one at a time (floor: ${floorName})`, m, null);
    rows.push({ ...row, target: '≤ 300 ns', pass: m.value <= 300 });
  }
  const chunk = PREFETCH_CHUNK;
  for (const [name, texts, lookup, map, byFlh] of cases) {
    let sink = 0;
    const batched = measure(
      (i) => {
        const from = (i * chunk) & mask;
        if (byFlh) index.prefetchFirstLevelHashes(texts, from, from + chunk);
        else index.prefetchAdvertisingIds(texts, from, from + chunk);
        for (let j = from; j < from + chunk; j++) if (lookup(texts[j] as string) !== undefined) sink++;
      },
      map &&
        ((i) => {
          const from = (i * chunk) & mask;
          for (let j = from; j < from + chunk; j++) if (map.get(texts[j] as string) !== undefined) sink++;
        }),
      100,
    );
    if (sink < 0) console.log(sink);
    const m = { value: batched.value / chunk, floor: maps ? batched.floor / chunk : latencyNs };
    const row = costRow(
      `opt-out index ${name}, ${label}, ${chunk} per prefetch (floor: ${floorName})`,
      m,
      null,
    );
    rows.push({ ...row, target: '≤ 300 ns', pass: m.value <= 300 });
  }
  return rows;
}

/**
 * The memory latency of this machine: ns per read of a chain of dependent random reads through a
 * 256 MiB Int32Array (one cache line per hop), the least a single lookup into a table far larger
 * than the caches can cost when nothing else overlaps with it.
 */
function memoryLatencyRow(): BenchRow {
  const words = (256 << 20) / 4;
  const lines = words / 16;
  const chain = new Int32Array(words);
  const order = new Int32Array(lines);
  for (let i = 0; i < lines; i++) order[i] = i;
  for (let i = lines - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    const t = order[i] as number;
    order[i] = order[j] as number;
    order[j] = t;
  }
  for (let i = 0; i < lines; i++) chain[(order[i] as number) * 16] = (order[(i + 1) % lines] as number) * 16;
  let at = 0;
  const ns = nsPerOp(
    () => {
      at = chain[at] as number;
      return at;
    },
    { iterations: 200_000, batches: 5 },
  );
  return {
    name: 'memory latency: one dependent random read in 256 MiB (floor of an uncached lookup)',
    value: round(ns),
    unit: 'ns/op',
    floor: null,
    ratio: null,
    target: 'reported',
    pass: null,
  };
}

/** 1 million opt-outs built in memory: sizes of the compact and the two-Map index, lookups. */
function small(): BenchRow[] {
  const n = SMALL;
  const batch = newBatch(n);
  const q: Queries = { flhHit: [], uidHit: [], flhMiss: [], uidMiss: [] };
  missTexts(q);
  const stride = Math.max(1, Math.floor(n / SAMPLES));
  const h0 = heapBytes();
  const index = new CompactOptOutIndex();
  for (let i = 0; i < n; i++) index.add(flhAt(batch, i), uidAt(batch, i, i), TS0 + i);
  const compactHeap = heapBytes() - h0;
  const tableBytes = index.tableBytes;
  for (let i = 0; i < n; i++) sample(q, i, flhAt(batch, i), uidAt(batch, i, i), stride);
  const label = labelOf(n);

  const h1 = heapBytes();
  const maps = new MapOptOutIndex();
  for (let i = 0; i < n; i++) maps.add(flhAt(batch, i), uidAt(batch, i, i), TS0 + i);
  const mapHeap = heapBytes() - h1;
  if (maps.size !== n) throw new Error('two-Map index lost entries');

  const rows: BenchRow[] = [
    bytesRow(
      `opt-out index size, ${label}: table ArrayBuffers (floor: two-Map index heap)`,
      tableBytes / n,
      mapHeap / n,
    ),
    bytesRow(
      `opt-out index size, ${label}: heap delta (floor: two-Map index heap)`,
      compactHeap / n,
      mapHeap / n,
    ),
  ];
  // The floors: Maps from the same base64 keys to their times.
  const floorMaps = { flh: new Map<string, number>(), uid: new Map<string, number>() };
  for (let i = 0; i < n; i++) {
    floorMaps.flh.set(flhAt(batch, i).toString('base64'), TS0 + i);
    floorMaps.uid.set(uidAt(batch, i, i).toString('base64'), TS0 + i);
  }
  rows.push(...lookupRows(label, index, q, floorMaps));
  return rows;
}

/** A bulk-read sink that only counts the opt-outs it is given (the floor of a load: reading alone). */
function countingSink(): OptOutRowSink & { read: number } {
  const sink = {
    read: 0,
    text: () => {
      sink.read++;
    },
    bytes: () => {
      sink.read++;
    },
  };
  return sink;
}

const labelOf = (n: number): string => `${(n / 1e6).toLocaleString('en-US')}M opt-outs`;

/** The start-up load row: seconds to stream `n` opt-outs into the index, next to reading the rows alone. */
function loadRow(n: number, source: string, loadMs: number, readMs: number): BenchRow {
  const scale = n === 10_000_000 ? null : `measured at ${n.toLocaleString('en-US')} (OPTOUT_BENCH_MAX)`;
  return {
    name: `opt-out index load at start-up, ${labelOf(n)} from ${source} (floor: reading the same rows alone)`,
    value: round(loadMs / 1000, 2),
    unit: 's',
    floor: round(readMs / 1000, 2),
    ratio: round(loadMs / readMs, 2),
    target: '≤ 30 s for 10M',
    pass: scale === null ? loadMs <= 30_000 : null,
    ...(scale === null ? {} : { reason: scale }),
  };
}

/**
 * 10 million opt-outs bulk-inserted into an embedded (SQLite) store, then streamed into a fresh
 * compact index as text rows through `Store.scanOptOutRows`, as the operator's start-up load does.
 */
async function large(work: string): Promise<BenchRow[]> {
  const n = LARGE;
  const file = join(work, 'optouts.db');
  await SqliteStore.open(file).close();
  const db = new Database(file);
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  // The secondary index on flh is not read by the load; dropping it keeps the bulk insert short.
  db.exec('DROP INDEX IF EXISTS optouts_flh');
  const insert = db.prepare('INSERT INTO optouts (flh, advertising_id, ts) VALUES (?, ?, ?)');
  const q: Queries = { flhHit: [], uidHit: [], flhMiss: [], uidMiss: [] };
  missTexts(q);
  const stride = Math.max(1, Math.floor(n / SAMPLES));
  const t0 = Date.now();
  const BULK = 100_000;
  db.transaction(() => {
    for (let base = 0; base < n; base += BULK) {
      const count = Math.min(BULK, n - base);
      const b = newBatch(count);
      for (let j = 0; j < count; j++) {
        const i = base + j;
        const flh = flhAt(b, j);
        const uid = uidAt(b, i, j);
        insert.run(flh, uid, TS0 + (i % 100_000_000));
        sample(q, i, flh, uid, stride);
      }
    }
  })();
  db.close();
  const insertMs = Date.now() - t0;
  console.error(`  opt-out bench: ${n.toLocaleString('en-US')} rows inserted in ${insertMs} ms`);

  // The start-up load as SnapshotManager.create does it: the store's bulk text rows into the index.
  const store = SqliteStore.open(file);
  const h0 = heapBytes();
  const index = new CompactOptOutIndex();
  const cpu0 = process.cpuUsage();
  const t1 = process.hrtime.bigint();
  const reached = await bulkLoadOptOuts(store, index, 0);
  const loadMs = Number(process.hrtime.bigint() - t1) / 1e6;
  const loadCpuMs = cpuMs(process.cpuUsage(cpu0));
  const heap = heapBytes() - h0;
  await store.close();
  if (reached !== n || index.size !== n)
    throw new Error(`loaded up to seq ${reached}, index holds ${index.size}`);

  // The floor of the load: reading the same rows without indexing them.
  const reread = SqliteStore.open(file);
  const counter = countingSink();
  const cpu1 = process.cpuUsage();
  const t2 = process.hrtime.bigint();
  await reread.scanOptOutRows(0, counter);
  const readMs = Number(process.hrtime.bigint() - t2) / 1e6;
  const readCpuMs = cpuMs(process.cpuUsage(cpu1));
  await reread.close();
  if (counter.read !== n) throw new Error(`read ${counter.read} rows`);
  console.error(
    `  opt-out bench: load ${Math.round(loadMs)} ms wall, ${Math.round(loadCpuMs)} ms CPU; ` +
      `rows alone ${Math.round(readMs)} ms wall, ${Math.round(readCpuMs)} ms CPU`,
  );

  const label = labelOf(n);
  const rows: BenchRow[] = [
    loadRow(n, 'SQLite', loadMs, readMs),
    bytesRow(`opt-out index size, ${label}: table ArrayBuffers`, index.tableBytes / n, null),
    bytesRow(`opt-out index size, ${label}: heap delta`, heap / n, null),
  ];
  // The floor at this size: one uncached memory read (two 10M-entry Maps would take minutes to build
  // and mostly measure their own cache misses).
  const latency = memoryLatencyRow();
  rows.push(latency, ...lookupRows(label, index, q, { latencyNs: latency.value as number }));
  return rows;
}

/** The database the PostgreSQL load runs in (a schema of its own, dropped afterwards). */
const BENCH_DATABASE_URL =
  process.env.UID2_BENCH_DATABASE_URL ??
  process.env.UID2_TEST_DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/test';

/** First-level hash of PostgreSQL-generated opt-out i: SHA-256 of i as 8 big-endian bytes (`int8send`). */
const pgFlh = (i: number): string => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(i));
  return hash('sha256', b, 'base64');
};

/**
 * 10 million opt-outs generated inside PostgreSQL (SHA-256 keys, a third of the raw UIDs 32 bytes and
 * the rest 33) in the schema the PostgreSQL engine migrated, then streamed into a fresh compact index
 * through the engine's `scanOptOutRows` (one binary COPY), as an operator on the shared
 * store starts. The table is made UNLOGGED and its secondary index dropped for the bench's insert only.
 */
async function largeFromPostgres(): Promise<BenchRow[]> {
  const n = LARGE;
  const schema = `uid2_bench_${process.pid}`;
  const url = new URL(BENCH_DATABASE_URL);
  url.searchParams.set('schema', schema);
  const admin = new pg.Client({ connectionString: BENCH_DATABASE_URL, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
  } catch (error) {
    return [
      {
        name: 'opt-out index load at start-up from PostgreSQL',
        value: null,
        unit: 's',
        floor: null,
        ratio: null,
        target: '≤ 30 s for 10M',
        reason: `PostgreSQL unreachable at UID2_BENCH_DATABASE_URL (${(error as Error).message})`,
      },
    ];
  }
  try {
    await (await PostgresStore.open(url.toString())).close();
    const t0 = Date.now();
    await admin.query(`ALTER TABLE "${schema}".optouts SET UNLOGGED`);
    await admin.query(`DROP INDEX IF EXISTS "${schema}".optouts_flh`);
    await admin.query('SET synchronous_commit = off');
    await admin.query(
      `INSERT INTO "${schema}".optouts (flh, advertising_id, ts)
       SELECT sha256(int8send(i)),
              CASE WHEN i % 3 = 0 THEN sha256(int8send(-i)) ELSE '\\x01'::bytea || sha256(int8send(-i)) END,
              ${TS0} + i
       FROM generate_series(1, $1::bigint) AS i`,
      [n],
    );
    console.error(
      `  opt-out bench: ${n.toLocaleString('en-US')} rows generated in PostgreSQL in ${Date.now() - t0} ms`,
    );

    const store = await PostgresStore.open(url.toString());
    const h0 = heapBytes();
    const index = new CompactOptOutIndex();
    const t1 = process.hrtime.bigint();
    const reached = await bulkLoadOptOuts(store, index, 0);
    const loadMs = Number(process.hrtime.bigint() - t1) / 1e6;
    const heap = heapBytes() - h0;
    if (reached !== n || index.size !== n)
      throw new Error(`PostgreSQL load reached seq ${reached}, index holds ${index.size}`);
    for (const i of [1, 2, 3, Math.floor(n / 2), n]) {
      if (index.byFirstLevelHash(pgFlh(i)) !== TS0 + i)
        throw new Error(`opt-out ${i} missing after the load`);
    }
    // The floor: the same pages read without indexing them.
    const counter = countingSink();
    const t2 = process.hrtime.bigint();
    await store.scanOptOutRows(0, counter);
    const readMs = Number(process.hrtime.bigint() - t2) / 1e6;
    await store.close();
    if (counter.read !== n) throw new Error(`read ${counter.read} rows from PostgreSQL`);
    console.error(
      `  opt-out bench: PostgreSQL load ${Math.round(loadMs)} ms; rows alone ${Math.round(readMs)} ms`,
    );
    return [
      loadRow(n, 'PostgreSQL', loadMs, readMs),
      bytesRow(`opt-out index size, ${labelOf(n)} from PostgreSQL: heap delta`, heap / n, null),
    ];
  } finally {
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await admin.end().catch(() => undefined);
  }
}

/** All opt-out index rows; a part that fails contributes a row with the reason. */
export async function optOutIndexRows(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const work = mkdtempSync(join(tmpdir(), 'uid2-optout-bench-'));
  try {
    rows.push(...small());
    rows.push(...(await large(work)));
    rows.push(...(await largeFromPostgres()));
  } catch (error) {
    rows.push({
      name: 'opt-out index benchmarks',
      value: null,
      unit: '',
      floor: null,
      ratio: null,
      target: '',
      reason: (error as Error).message,
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) emit(await optOutIndexRows());
