// Crash test (issue: opt-out pipeline): SIGKILL the server during a burst of opt-outs. After a
// restart, every opt-out that was acknowledged with {"optout":"OK"} is in force, and a DSP partner
// still receives each of them (at least once).
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FIXTURE, v2Call } from './helpers/operator.js';

const CLI = new URL('../bin/uid2.js', import.meta.url).pathname;
const ENV = { ...process.env, UID2_SALT_BUCKET_COUNT: '1024', UID2_LOG_LEVEL: 'warn' };

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function startServe(dataDir: string, port: number): Promise<ChildProcess> {
  const proc = spawn(
    process.execPath,
    [
      CLI,
      'serve',
      '--data-dir',
      dataDir,
      '--port',
      String(port),
      '--metrics-port',
      '0',
      '--admin-port',
      '0',
      '--portal-port',
      '0',
      '--roles',
      'operator,optout',
      '--fixtures',
      'reference',
    ],
    { env: ENV, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await new Promise<void>((resolve, reject) => {
    let out = '';
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('uid2 is running')) resolve();
    });
    proc.once('exit', (code) => reject(new Error(`serve exited early (${code}): ${out}`)));
  });
  return proc;
}

const children: ChildProcess[] = [];
const dirs: string[] = [];
after(() => {
  for (const c of children) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('opt-outs survive kill -9', () => {
  it('every acknowledged opt-out is in force after a restart and reaches the partner', {
    timeout: 180_000,
  }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'uid2-crash-'));
    dirs.push(dataDir);
    // The partner: a local receiver recording advertising ids (reference format).
    const received = new Set<string>();
    const receiver = http.createServer((req, res) => {
      const id = new URL(req.url ?? '/', 'http://x').searchParams.get('id');
      if (id) received.add(id);
      res.end('ok');
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    after(() => receiver.close());
    const receiverPort = (receiver.address() as { port: number }).port;
    const add = spawnSync(
      process.execPath,
      [
        CLI,
        'admin',
        'partners',
        'add',
        '--name',
        'crashdsp',
        '--url',
        `http://127.0.0.1:${receiverPort}/optout?id=\${ADVERTISING_ID}&ts=\${OPTOUT_EPOCH}`,
        '--method',
        'GET',
        '--data-dir',
        dataDir,
      ],
      { env: ENV, encoding: 'utf8' },
    );
    assert.equal(add.status, 0, add.stderr);

    const port = await freePort();
    let server = await startServe(dataDir, port);
    children.push(server);
    const base = `http://localhost:${port}`;

    // Raw UIDs of the identities, mapped before they opt out (the partner receives raw UIDs).
    const emails = Array.from({ length: 400 }, (_, i) => `crash.test.${i}@example.com`);
    const map = await v2Call(base, '/v3/identity/map', { email: emails }, FIXTURE.advertiser);
    const uids = (map.json as { body: { email: Array<{ u: string }> } }).body.email.map((e) => e.u);

    // A burst of opt-outs, 16 at a time; kill -9 the server part-way through.
    const acknowledged: number[] = [];
    let next = 0;
    let killed = false;
    const worker = async () => {
      while (next < emails.length && !killed) {
        const i = next++;
        try {
          const r = await v2Call(base, '/v2/token/logout', { email: emails[i] }, FIXTURE.optout);
          if (r.httpStatus === 200 && (r.json as { body?: { optout?: string } }).body?.optout === 'OK')
            acknowledged.push(i);
        } catch {
          // connection reset by the kill: not acknowledged
        }
        if (acknowledged.length >= 150 && !killed) {
          killed = true;
          server.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    assert.ok(killed, 'the server was killed during the burst');
    assert.ok(acknowledged.length >= 150);
    await new Promise((r) => setTimeout(r, 200));

    server = await startServe(dataDir, port);
    children.push(server);
    // Every acknowledged opt-out is in force.
    const check = await v2Call(
      base,
      '/v3/identity/map',
      { email: acknowledged.map((i) => emails[i]) },
      FIXTURE.advertiser,
    );
    const entries = (check.json as { body: { email: unknown[] } }).body.email;
    assert.deepEqual(
      entries,
      acknowledged.map(() => ({ e: 'optout' })),
    );
    const status = await v2Call(
      base,
      '/v2/optout/status',
      { advertising_ids: acknowledged.map((i) => uids[i]) },
      FIXTURE.advertiser,
    );
    assert.equal(
      (status.json as { body: { opted_out: unknown[] } }).body.opted_out.length,
      acknowledged.length,
    );
    // And the partner receives each of them (generous bound; duplicates allowed).
    const deadline = Date.now() + 60_000;
    const missing = () => acknowledged.filter((i) => !received.has(uids[i] as string));
    while (missing().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(missing(), []);
  });
});
