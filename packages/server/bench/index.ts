// Server benchmarks (`npm run bench`): the operator runs in its own process pinned to one core; a
// separate load-generator process pinned to the other drives it with 50 connections. Each endpoint's
// throughput is reported next to a trivial route on the same server (req/s ratio), and identity map
// next to the floor of its hash and cipher calls (per identity, and the envelope's two AES-GCM calls
// per request) measured in this run.
// The opt-out index rows (bytes per opt-out, lookup ns, 10M load) run in-process afterwards: ./optout-index.ts.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createCipheriv, createDecipheriv, hash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { openResponseEnvelope, sealRequestEnvelope } from '@uid2-ts/core';
import { type BenchRow, emit, nsPerOp, round } from '../../../bench/harness.js';
import { FIXTURE } from '../test/helpers/operator.js';
import { optOutIndexRows } from './optout-index.js';
import { propagationRows } from './propagation.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
/**
 * Rounds of the paired figures: each round loads the trivial route and then the endpoints compared
 * with it (or measures the in-process floor right after the load), so that both sides of a ratio
 * come from the same minutes; the rows give the medians over the rounds.
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = 50;
const BATCH = 5000;
const work = mkdtempSync(join(tmpdir(), 'uid2-bench-'));
const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
// This process measures the in-process floors: it stays on the load generator's core (the load
// generator runs only while this process waits for it), never on the server's, where requests still
// in flight when a load ends would slow a floor down.
if (hasTaskset) spawnSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)]);
const pinned = (cpu: number, args: string[]): [string, string[]] =>
  hasTaskset ? ['taskset', ['-c', String(cpu), process.execPath, ...args]] : [process.execPath, args];
const creds = { key: FIXTURE.all.key, secret: Buffer.from(FIXTURE.all.secret, 'base64') };
const auth = { authorization: `Bearer ${creds.key}`, 'content-type': 'text/plain' };
const rows: BenchRow[] = [];
/** Every server process started, killed at the end whatever happened (a live child keeps this process up). */
const started: ChildProcess[] = [];

async function startServer(
  format: 'v2' | 'v4',
): Promise<{ url: string; proc: ChildProcess; startMs: number }> {
  const t0 = Date.now();
  const [cmd, args] = pinned(0, [
    '--import',
    'tsx',
    new URL('./server.ts', import.meta.url).pathname,
    join(work, format),
    format,
  ]);
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  started.push(proc);
  const lines = createInterface({ input: proc.stdout as NodeJS.ReadableStream });
  for await (const line of lines) {
    if (line.startsWith('{'))
      return { url: (JSON.parse(line) as { url: string }).url, proc, startMs: Date.now() - t0 };
  }
  throw new Error('benchmark server exited before it was ready');
}

function stop(proc: ChildProcess): Promise<void> {
  return new Promise((done) => {
    proc.once('exit', () => done());
    proc.kill('SIGTERM');
  });
}

interface LoadResult {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

function load(
  url: string,
  path: string,
  bodies: string[],
  headers: Record<string, string> = auth,
  seconds = SECONDS,
): LoadResult {
  const bodiesFile = join(work, 'bodies.json');
  const specFile = join(work, 'spec.json');
  writeFileSync(bodiesFile, JSON.stringify(bodies));
  writeFileSync(
    specFile,
    JSON.stringify({ url, path, headers, bodiesFile, seconds, connections: CONNECTIONS }),
  );
  const [cmd, args] = pinned(1, [
    '--import',
    'tsx',
    new URL('./load.ts', import.meta.url).pathname,
    specFile,
  ]);
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`load generator failed: ${r.stderr}`);
  const result = JSON.parse(r.stdout.trim().split('\n').pop() as string) as LoadResult;
  if (result.errors > 0)
    throw new Error(`${path}: ${result.errors} of ${result.requests} requests failed or were not 2xx`);
  return result;
}

const envelope = (payload: object) => sealRequestEnvelope(payload, creds.secret).envelope.toString('base64');
const emails = (n: number) =>
  Array.from({ length: n }, (_, i) => `Bench.User${i}+x${Math.random().toString(36).slice(2)}@example.com`);

async function v2(url: string, path: string, payload: object): Promise<Record<string, unknown>> {
  const sealed = sealRequestEnvelope(payload, creds.secret);
  const res = await fetch(url + path, {
    method: 'POST',
    headers: auth,
    body: sealed.envelope.toString('base64'),
  });
  const opened = openResponseEnvelope(await res.text(), creds.secret, sealed.nonce);
  if (!opened.ok) throw new Error(`${path} failed with HTTP ${res.status}`);
  return opened.value.json as Record<string, unknown>;
}

function throughputRow(
  name: string,
  value: number,
  floor: number,
  unit: string,
  minRatio: number | null,
  target?: string,
): BenchRow {
  const ratio = value / floor;
  return {
    name,
    value: round(value),
    unit,
    floor: round(floor),
    ratio: round(ratio, 2),
    target: target ?? (minRatio === null ? 'reported' : `ratio ≥ ${minRatio}`),
    pass: minRatio === null ? null : ratio >= minRatio,
  };
}

const median = (xs: readonly number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/**
 * A throughput figure measured in several rounds, each next to its own floor: the medians of the
 * values and floors, and the median of the per-round ratios (higher is better).
 */
function pairedRow(
  name: string,
  values: readonly number[],
  floors: readonly number[],
  unit: string,
  minRatio: number | null,
  target?: string,
): BenchRow {
  const ratio = median(values.map((v, i) => v / (floors[i] as number)));
  return {
    name: `${name} (median of ${values.length} rounds)`,
    value: round(median(values)),
    unit,
    floor: round(median(floors)),
    ratio: round(ratio, 2),
    target: target ?? (minRatio === null ? 'reported' : `ratio ≥ ${minRatio}`),
    pass: minRatio === null ? null : ratio >= minRatio,
  };
}

/** Latency rows from the round whose throughput was the median one. */
const medianRun = (runs: readonly LoadResult[]): LoadResult => {
  const m = median(runs.map((r) => r.rps));
  return runs.find((r) => r.rps === m) as LoadResult;
};

function latencyRows(name: string, r: LoadResult, trivial: LoadResult): BenchRow[] {
  return [
    {
      name: `${name} p50`,
      value: r.p50,
      unit: 'ms',
      floor: trivial.p50,
      ratio: round(r.p50 / Math.max(trivial.p50, 0.5), 2),
      target: 'reported',
      pass: null,
    },
    {
      name: `${name} p99`,
      value: r.p99,
      unit: 'ms',
      floor: trivial.p99,
      ratio: round(r.p99 / Math.max(trivial.p99, 0.5), 2),
      target: 'reported',
      pass: null,
    },
  ];
}

/**
 * In-process floor of identity map per identity: its hash calls (three SHA-256, v2) or hash and
 * cipher calls (two SHA-256 and AES-CTR, v4), plus its share of the request's two AES-256-GCM calls
 * (opening the request envelope, sealing the response) on bodies of the sizes the bench sends and
 * receives.
 */
function mapFloorPerSecond(format: 'v2' | 'v4', requestBytes: number, responseBytes: number): number {
  const inputs = emails(1024).map((e) => e.toLowerCase());
  const fls = randomBytes(32).toString('base64');
  const salt = randomBytes(32).toString('base64');
  const key = Buffer.from(randomBytes(24).toString('base64'));
  const ivIn = Buffer.alloc(64);
  const counter = Buffer.alloc(16);
  const ns = nsPerOp((i) => {
    const h = hash('sha256', inputs[i & 1023] as string, 'base64');
    if (format === 'v2') return hash('sha256', hash('sha256', h + fls, 'base64') + salt, 'base64');
    const f = hash('sha256', h + fls, 'buffer') as Buffer;
    (hash('sha256', ivIn, 'buffer') as Buffer).copy(counter, 0, 0, 12);
    return createCipheriv('aes-256-ctr', key, counter).update(f.subarray(16));
  });
  const secret = randomBytes(32);
  const iv = randomBytes(12);
  const requestBody = randomBytes(requestBytes);
  const responseBody = randomBytes(responseBytes);
  const sealed = (() => {
    const c = createCipheriv('aes-256-gcm', secret, iv);
    return { body: c.update(requestBody), final: c.final(), tag: c.getAuthTag() };
  })();
  const envelopeNs = nsPerOp(
    () => {
      const d = createDecipheriv('aes-256-gcm', secret, iv);
      d.setAuthTag(sealed.tag);
      const opened = d.update(sealed.body);
      d.final();
      const c = createCipheriv('aes-256-gcm', secret, iv);
      return opened.length + c.update(responseBody).length + c.final().length + c.getAuthTag().length;
    },
    { iterations: 50, batches: 9 },
  );
  return 1e9 / (ns + envelopeNs / BATCH);
}

try {
  const v2Server = await startServer('v2');
  console.error(`  server with 2^20 v2-format buckets ready in ${v2Server.startMs} ms`);
  rows.push({
    name: 'operator start-up with 2^20 salt buckets (bootstrap + load)',
    value: v2Server.startMs,
    unit: 'ms',
    floor: null,
    ratio: null,
    target: 'reported',
    pass: null,
  });
  const url = v2Server.url;

  // Request envelopes carry their creation time and expire after two minutes: each round (and the
  // v4 server below) seals fresh ones.
  const generateBodies = () => emails(3000).map((email) => envelope({ email }));
  const mapBodies = () => Array.from({ length: 12 }, () => envelope({ email: emails(BATCH) }));
  const refreshTokens: string[] = [];
  for (const email of emails(500)) {
    const body = (await v2(url, '/v2/token/generate', { email })).body as { refresh_token: string };
    refreshTokens.push(body.refresh_token);
  }
  // The plaintext sizes of one request and its response, for the cipher part of the map floor.
  const mapRequestBytes = Buffer.from(mapBodies()[0] as string, 'base64').length - 29;
  const mapResponseBytes =
    JSON.stringify(await v2(url, '/v3/identity/map', { email: emails(BATCH) })).length + 16;
  const json = { 'content-type': 'application/json' };
  const runs = { trivial: [] as LoadResult[], generate: [] as LoadResult[], gcm6: [] as LoadResult[] };
  const more = { refresh: [] as LoadResult[], map: [] as LoadResult[], mapFloor: [] as number[] };
  for (let r = 0; r < ROUNDS; r++) {
    runs.trivial.push(load(url, '/bench/trivial', ['{}'], json));
    runs.generate.push(load(url, '/v2/token/generate', generateBodies()));
    runs.gcm6.push(load(url, '/bench/gcm6', ['{}'], json));
    more.refresh.push(load(url, '/v2/token/refresh', refreshTokens, { 'content-type': 'text/plain' }));
    more.map.push(load(url, '/v3/identity/map', mapBodies()));
    more.mapFloor.push(mapFloorPerSecond('v2', mapRequestBytes, mapResponseBytes));
  }
  const rps = (xs: readonly LoadResult[]) => xs.map((x) => x.rps);
  const trivialRps = rps(runs.trivial);
  const trivial = medianRun(runs.trivial);
  rows.push(pairedRow('trivial POST route (floor)', trivialRps, trivialRps, 'req/s', null));
  rows.push(...latencyRows('trivial POST route', trivial, trivial));
  rows.push(
    pairedRow('token/generate', rps(runs.generate), trivialRps, 'req/s', 0.4, 'ratio ≥ 0.4 (goal 0.5)'),
  );
  rows.push(
    pairedRow(
      'six AES-GCM encryptions per request (crypto floor of generate)',
      rps(runs.gcm6),
      trivialRps,
      'req/s',
      null,
    ),
  );
  rows.push(
    pairedRow('token/generate vs that crypto floor', rps(runs.generate), rps(runs.gcm6), 'req/s', null),
  );
  rows.push(...latencyRows('token/generate', medianRun(runs.generate), trivial));
  rows.push(
    pairedRow('token/refresh', rps(more.refresh), trivialRps, 'req/s', 0.4, 'ratio ≥ 0.4 (goal 0.5)'),
  );
  rows.push(...latencyRows('token/refresh', medianRun(more.refresh), trivial));
  rows.push(
    pairedRow(
      'identity/map v3, 5,000 emails, v2-format buckets',
      rps(more.map).map((x) => x * BATCH),
      more.mapFloor,
      'identities/s',
      0.4,
      'ratio ≥ 0.4 (within 2.5× of the hash and cipher floor; ≈150k/s)',
    ),
  );
  rows.push(...latencyRows('identity/map v3 (5,000 emails)', medianRun(more.map), trivial));

  const ids = Array.from({ length: BATCH }, () => randomBytes(32).toString('base64'));
  const status = load(
    url,
    '/v2/optout/status',
    Array.from({ length: 4 }, () => envelope({ advertising_ids: ids })),
  );
  rows.push(throughputRow('optout/status, 5,000 ids', status.rps, trivial.rps, 'req/s', null));
  rows.push(
    throughputRow('optout/status, 5,000 ids (ids/s)', status.rps * BATCH, trivial.rps, 'ids/s', null),
  );
  rows.push(...latencyRows('optout/status (5,000 ids)', status, trivial));
  // Opt-out intake: every acknowledged request is a committed (fsynced) write.
  const optoutSecret = Buffer.from(FIXTURE.optout.secret, 'base64');
  const logouts = emails(6000).map((email) =>
    sealRequestEnvelope({ email }, optoutSecret).envelope.toString('base64'),
  );
  const intake = load(url, '/v2/token/logout', logouts, {
    authorization: `Bearer ${FIXTURE.optout.key}`,
    'content-type': 'text/plain',
  });
  rows.push(
    throughputRow(
      'opt-out intake (/v2/token/logout, durable, embedded store)',
      intake.rps,
      trivial.rps,
      'opt-outs/s',
      null,
    ),
  );
  rows.push(...latencyRows('opt-out intake', intake, trivial));
  await stop(v2Server.proc);

  const v4Server = await startServer('v4');
  const map4: number[] = [];
  const floor4: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    map4.push(load(v4Server.url, '/v3/identity/map', mapBodies()).rps * BATCH);
    floor4.push(mapFloorPerSecond('v4', mapRequestBytes, mapResponseBytes));
  }
  rows.push(
    pairedRow(
      'identity/map v3, 5,000 emails, v4-format buckets',
      map4,
      floor4,
      'identities/s',
      0.4,
      'ratio ≥ 0.4 (within 2.5× of the hash+cipher floor; ≈80k/s)',
    ),
  );
  await stop(v4Server.proc);
} catch (error) {
  rows.push({
    name: 'server benchmarks',
    value: null,
    unit: '',
    floor: null,
    ratio: null,
    target: '',
    reason: (error as Error).message,
  });
} finally {
  for (const proc of started) if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
}
// The propagation bench starts processes of its own; they may use both cores again.
if (hasTaskset) spawnSync('taskset', ['-a', '-p', '-c', '0,1', String(process.pid)]);
rows.push(...(await propagationRows()));
rows.push(...(await optOutIndexRows()));
emit(rows);
