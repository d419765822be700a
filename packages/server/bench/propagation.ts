// How long a change made by `uid2 admin` in another process takes to reach a running operator's
// in-memory snapshot: a new API key is created by a child process, and the operator is polled with it
// until it answers 200. Embedded store (polling) and, when reachable, PostgreSQL (LISTEN/NOTIFY).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openResponseEnvelope, sealRequestEnvelope } from '@uid2-ts/core';
import { loadRuntimeSettings, startSystem } from '@uid2-ts/server';
import pg from 'pg';
import pino from 'pino';
import type { BenchRow } from '../../../bench/harness.js';

const CLI = new URL('../bin/uid2.js', import.meta.url).pathname;
const ROUNDS = 5;

async function generateWorks(url: string, key: string, secret: Buffer): Promise<boolean> {
  const sealed = sealRequestEnvelope({ email: 'propagation@example.com' }, secret);
  const res = await fetch(`${url}/v2/token/generate`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}` },
    body: sealed.envelope.toString('base64'),
  });
  if (res.status !== 200) return false;
  return openResponseEnvelope(await res.text(), secret, sealed.nonce).ok;
}

async function measure(name: string, store: { dataDir: string; databaseUrl?: string }): Promise<BenchRow[]> {
  const masterKey = randomBytes(32).toString('base64');
  const env = { ...process.env, UID2_SALT_BUCKET_COUNT: '1024', UID2_MASTER_KEY: masterKey };
  const system = await startSystem({
    host: '127.0.0.1',
    port: 0,
    metricsPort: null,
    roles: ['operator'],
    settings: loadRuntimeSettings({ env: {}, overrides: { salt_bucket_count: 1024 } }),
    logger: pino({ level: 'silent' }),
    dataDir: store.dataDir,
    databaseUrl: store.databaseUrl,
    masterKey,
  });
  const url = system.urls.operator as string;
  const samples: number[] = [];
  try {
    for (let i = 0; i < ROUNDS; i++) {
      const args = [
        CLI,
        'admin',
        'keys',
        'create',
        '--site',
        '3',
        '--roles',
        'GENERATOR',
        '--json',
        '--data-dir',
        store.dataDir,
      ];
      if (store.databaseUrl) args.push('--database-url', store.databaseUrl);
      const r = spawnSync(process.execPath, args, { env, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`uid2 admin keys create failed: ${r.stderr}`);
      const created = process.hrtime.bigint();
      const { apiKey, secret } = JSON.parse(r.stdout) as { apiKey: string; secret: string };
      const secretBytes = Buffer.from(secret, 'base64');
      for (;;) {
        if (await generateWorks(url, apiKey, secretBytes)) break;
        if (Number(process.hrtime.bigint() - created) / 1e6 > 30_000) throw new Error('change never arrived');
        await new Promise((done) => setTimeout(done, 5));
      }
      samples.push(Number(process.hrtime.bigint() - created) / 1e6);
    }
  } finally {
    await system.close();
  }
  samples.sort((a, b) => a - b);
  const p50 = samples[Math.floor(samples.length / 2)] as number;
  const max = samples[samples.length - 1] as number;
  return [
    {
      name: `admin change → operator snapshot, ${name}, p50`,
      value: Math.round(p50),
      unit: 'ms',
      floor: null,
      ratio: null,
      target: '≤ 2000 ms',
      pass: p50 <= 2000,
    },
    {
      name: `admin change → operator snapshot, ${name}, max of ${ROUNDS}`,
      value: Math.round(max),
      unit: 'ms',
      floor: null,
      ratio: null,
      target: '≤ 2000 ms',
      pass: max <= 2000,
    },
  ];
}

/**
 * Opt-out propagation between two operator processes on PostgreSQL: the bench process runs operator A
 * in-process, operator B is a separate `uid2 serve --roles operator` process; each sample opts an
 * identity out through A and polls B until its generate answers optout.
 */
async function optOutPropagation(databaseUrl: string, dataDir: string): Promise<BenchRow[]> {
  const masterKey = randomBytes(32).toString('base64');
  const env = {
    ...process.env,
    UID2_SALT_BUCKET_COUNT: '1024',
    UID2_MASTER_KEY: masterKey,
    UID2_LOG_LEVEL: 'warn',
  };
  const a = await startSystem({
    host: '127.0.0.1',
    port: 0,
    metricsPort: null,
    roles: ['operator'],
    fixtures: 'reference',
    settings: loadRuntimeSettings({ env: {}, overrides: { salt_bucket_count: 1024 } }),
    logger: pino({ level: 'silent' }),
    dataDir,
    databaseUrl,
    masterKey,
  });
  const { spawn } = await import('node:child_process');
  const { createServer } = await import('node:net');
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const b = spawn(
    process.execPath,
    [
      CLI,
      'serve',
      '--roles',
      'operator',
      '--database-url',
      databaseUrl,
      '--data-dir',
      dataDir,
      '--port',
      String(port),
      '--metrics-port',
      '0',
      '--host',
      '127.0.0.1',
    ],
    { env, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      b.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('uid2 is running')) resolve();
      });
      b.once('exit', (code) => reject(new Error(`operator B exited (${code})`)));
    });
    const fixtures = (await import('../test/helpers/operator.js')).FIXTURE;
    const pub = { key: fixtures.publisher.key, secret: Buffer.from(fixtures.publisher.secret, 'base64') };
    const opt = { key: fixtures.optout.key, secret: Buffer.from(fixtures.optout.secret, 'base64') };
    const call = async (base: string, path: string, payload: object, c: { key: string; secret: Buffer }) => {
      const sealed = sealRequestEnvelope(payload, c.secret);
      const res = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${c.key}` },
        body: sealed.envelope.toString('base64'),
      });
      const opened = openResponseEnvelope(await res.text(), c.secret, sealed.nonce);
      return opened.ok ? (opened.value.json as { status?: string }) : {};
    };
    const bUrl = `http://127.0.0.1:${port}`;
    const samples: number[] = [];
    for (let i = 0; i < 30; i++) {
      const email = `propagation.${i}.${randomBytes(4).toString('hex')}@example.com`;
      const ack = await call(a.urls.operator as string, '/v2/token/logout', { email }, opt);
      if (ack.status !== 'success') throw new Error('logout was not acknowledged');
      const t0 = process.hrtime.bigint();
      for (;;) {
        if ((await call(bUrl, '/v2/token/generate', { email }, pub)).status === 'optout') break;
        if (Number(process.hrtime.bigint() - t0) / 1e6 > 30_000)
          throw new Error('the opt-out never reached operator B');
      }
      samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    samples.sort((x, y) => x - y);
    const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] as number;
    return [
      {
        name: 'opt-out propagation between two operator processes (PostgreSQL), p50',
        value: Math.round(at(0.5)),
        unit: 'ms',
        floor: null,
        ratio: null,
        target: 'reported',
        pass: null,
      },
      {
        name: 'opt-out propagation between two operator processes (PostgreSQL), p99',
        value: Math.round(at(0.99)),
        unit: 'ms',
        floor: null,
        ratio: null,
        target: '≤ 1000 ms',
        pass: at(0.99) <= 1000,
      },
    ];
  } finally {
    b.kill('SIGTERM');
    await a.close();
  }
}

export async function propagationRows(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'uid2-propagation-'));
  try {
    rows.push(...(await measure('embedded store (another process)', { dataDir: dir })));
  } catch (error) {
    rows.push({
      name: 'admin change → operator snapshot, embedded store',
      value: null,
      unit: 'ms',
      floor: null,
      ratio: null,
      target: '≤ 2000 ms',
      reason: (error as Error).message,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const base = process.env.UID2_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const schema = `bench_propagation_${process.pid}`;
  const url = new URL(base);
  url.searchParams.set('schema', schema);
  const pgDir = mkdtempSync(join(tmpdir(), 'uid2-propagation-pg-'));
  const admin = new pg.Client({ connectionString: base, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
    rows.push(
      ...(await measure('PostgreSQL (LISTEN/NOTIFY)', { dataDir: pgDir, databaseUrl: url.toString() })),
    );
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    rows.push(...(await optOutPropagation(url.toString(), pgDir)));
  } catch (error) {
    rows.push({
      name: 'admin change → operator snapshot, PostgreSQL',
      value: null,
      unit: 'ms',
      floor: null,
      ratio: null,
      target: '≤ 2000 ms',
      reason: (error as Error).message,
    });
  } finally {
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await admin.end().catch(() => undefined);
    rmSync(pgDir, { recursive: true, force: true });
  }
  return rows;
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  console.log(JSON.stringify(await propagationRows(), null, 2));
}
