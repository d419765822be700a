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
