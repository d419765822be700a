// Multi-node on PostgreSQL: two `uid2 serve --roles operator` processes and `uid2 admin` share one
// database (a fresh schema). A change made through admin reaches both operators; the lifecycle
// leader (one process, by advisory lock) rotates keys and both operators serve with the new keys;
// PostgreSQL is stopped and started mid-test and both operators serve through the outage from their
// snapshots, then see a change made afterwards, without a restart of their own.
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { decodeAdvertisingToken } from '@uid2-ts/core';
import { openStore, type Store } from '@uid2-ts/server';
import { addTestClient, v2Call } from './helpers/operator.js';
import {
  dropSchema,
  freshSchema,
  postgresSkipReason,
  schemaUrl,
  withAdminClient,
} from './helpers/postgres.js';

const run = promisify(execFile);
const BIN = new URL('../bin/uid2.js', import.meta.url).pathname;
const skip = await postgresSkipReason();

/** How long a change may take to reach an operator (the issue asks for 2 s; CI machines are slow). */
const PROPAGATION_BOUND_MS = 5_000;

interface Credentials {
  readonly key: string;
  readonly secret: string;
}

interface Operator {
  readonly name: string;
  readonly baseUrl: string;
  readonly child: ChildProcess;
  readonly output: string[];
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns a value (not undefined) or `timeoutMs` passes. */
async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`,
      );
    }
    await sleep(100);
  }
}

function pgCluster(action: 'stop' | 'start'): void {
  const version = readdirSync('/etc/postgresql')[0];
  assert.ok(version, 'no PostgreSQL cluster in /etc/postgresql');
  execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', action], { stdio: 'pipe' });
}

const restartSkip =
  skip ??
  (existsSync('/etc/postgresql') && process.getuid?.() === 0
    ? undefined
    : process.env.CI === 'true'
      ? undefined
      : 'restarting PostgreSQL needs root and pg_ctlcluster');

describe('multi-node on PostgreSQL', { skip }, () => {
  const schema = freshSchema('multinode');
  const url = schemaUrl(schema);
  const masterKey = randomBytes(32).toString('base64');
  const dataDir = mkdtempSync(join(tmpdir(), 'uid2-multinode-'));
  const env = {
    ...process.env,
    UID2_MASTER_KEY: masterKey,
    UID2_SALT_BUCKET_COUNT: '1024',
    // Short rotation cycle: the leader adds keys every ~12 s, each visible 2 s before it activates.
    UID2_KEY_ROTATION_PERIOD_SECONDS: '12',
    UID2_KEY_ACTIVATION_LEAD_SECONDS: '2',
    UID2_KEY_ROTATION_CHECK_INTERVAL_SECONDS: '1',
  };
  const operators: Operator[] = [];
  let store: Store;
  let creds: Credentials;
  let keysetId: number;

  async function startOperator(name: string): Promise<Operator> {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [
        BIN,
        'serve',
        '--roles',
        'operator',
        '--database-url',
        url,
        '--data-dir',
        dataDir,
        '--host',
        '127.0.0.1',
        '--port',
        String(port),
        '--metrics-port',
        '0',
        '--log-level',
        'info',
      ],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const output: string[] = [];
    child.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
    child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
    const op = { name, baseUrl: `http://127.0.0.1:${port}`, child, output };
    operators.push(op);
    await until(`${name} to become ready`, 60_000, async () => {
      if (child.exitCode !== null) throw new Error(`${name} exited: ${output.join('')}`);
      const res = await fetch(`${op.baseUrl}/ops/healthcheck`);
      return res.status === 200 ? true : undefined;
    });
    return op;
  }

  async function admin(...args: string[]): Promise<Record<string, unknown>> {
    const { stdout } = await run(process.execPath, [BIN, 'admin', ...args, '--database-url', url, '--json'], {
      env,
    });
    return JSON.parse(stdout) as Record<string, unknown>;
  }

  async function createApiKey(name: string, site: number): Promise<Credentials> {
    const issued = await admin(
      'keys',
      'create',
      '--site',
      String(site),
      '--roles',
      'GENERATOR,SHARER',
      '--name',
      name,
    );
    assert.equal(typeof issued.apiKey, 'string');
    assert.equal(typeof issued.secret, 'string');
    return { key: issued.apiKey as string, secret: issued.secret as string };
  }

  const generate = (op: Operator, c: Credentials, email = 'multi.node@example.com') =>
    v2Call(op.baseUrl, '/v2/token/generate', { email }, c);

  /** Time until `c` works on every operator, in ms from `sinceMs`. */
  async function propagation(c: Credentials, sinceMs: number): Promise<number> {
    for (const op of operators) {
      await until(`the new API key to work on ${op.name}`, 30_000, async () =>
        (await generate(op, c)).httpStatus === 200 ? true : undefined,
      );
    }
    return Date.now() - sinceMs;
  }

  before(async () => {
    // The first process creates and bootstraps the schema; the second joins it.
    await startOperator('operator-1');
    await startOperator('operator-2');
    ({ store } = await openStore({ dataDir, databaseUrl: url, masterKey }));
  });

  after(async () => {
    for (const op of operators) {
      if (op.child.exitCode === null && op.child.pid !== undefined) {
        const exited = new Promise((r) => op.child.once('exit', r));
        process.kill(op.child.pid, 'SIGTERM');
        await Promise.race([exited, sleep(5000)]);
        if (op.child.exitCode === null) process.kill(op.child.pid, 'SIGKILL');
      }
    }
    await store?.close();
    await dropSchema(schema).catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('exactly one process holds the lifecycle leadership lock', async () => {
    const free = await withAdminClient(async (c) => {
      const { rows } = await c.query('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [
        `${schema}:uid2-lifecycle`,
      ]);
      const ok = (rows[0] as { ok: boolean }).ok;
      if (ok) await c.query('SELECT pg_advisory_unlock(hashtext($1))', [`${schema}:uid2-lifecycle`]);
      return ok;
    });
    assert.equal(free, false, 'an operator leads the lifecycle jobs');
  });

  it('a site and API key created through uid2 admin work on both operators', async (t) => {
    const created = await admin('sites', 'create', '--name', 'Multi Node Publisher', '--types', 'PUBLISHER');
    const site = (created.site as { id: number }).id;
    keysetId = created.keysetId as number;
    const since = Date.now();
    creds = await createApiKey('multi-node key', site);
    const ms = await propagation(creds, since);
    t.diagnostic(`new API key usable on both operators ${ms} ms after the admin command started`);
    assert.ok(ms < PROPAGATION_BOUND_MS + 2_000, `took ${ms} ms`);
  });

  it('a rotation run by the leader is seen by both operators and used for new tokens', async (t) => {
    // The leader's job adds a key to the new site's keyset once its first key is old enough.
    const rotated = await until('the leader to rotate the site keyset', 60_000, async () => {
      const audit = await store.listAudit({ limit: 200 });
      const entry = audit.find(
        (a) =>
          a.action === 'key.rotate' && a.actor === 'job:key-rotation' && a.target === `keyset:${keysetId}`,
      );
      return entry?.details as { keyId: number; activates: number } | undefined;
    });
    t.diagnostic(`leader rotated keyset ${keysetId}: key ${rotated.keyId}`);
    // One leader: the master keyset's job rotations are a period apart, never two at once.
    const masterRotations = (await store.listAudit({ limit: 500 }))
      .filter((a) => a.action === 'key.rotate' && a.target === 'keyset:-1')
      .map((a) => a.ts)
      .sort((a, b) => a - b);
    assert.ok(masterRotations.length >= 1);
    for (let i = 1; i < masterRotations.length; i++) {
      assert.ok((masterRotations[i] as number) - (masterRotations[i - 1] as number) >= 9_000);
    }
    // Both operators publish it (before it activates, through /v2/key/sharing).
    for (const op of operators) {
      await until(`${op.name} to list key ${rotated.keyId}`, PROPAGATION_BOUND_MS, async () => {
        const res = await v2Call(op.baseUrl, '/v2/key/sharing', {}, creds);
        const keys = (res.json?.body as { keys?: Array<{ id: number }> } | undefined)?.keys ?? [];
        return keys.some((k) => k.id === rotated.keyId) ? true : undefined;
      });
    }
    await sleep(Math.max(0, rotated.activates * 1000 - Date.now()) + 200);

    // A token minted on one operator after the rotation uses the new key and works on the other.
    const [one, two] = operators as [Operator, Operator];
    const email = 'rotation.check@example.com';
    const minted = await generate(one, creds, email);
    assert.equal(minted.httpStatus, 200, minted.text);
    const body = minted.json?.body as { advertising_token: string; refresh_token: string } | undefined;
    assert.ok(body);
    const keys = new Map((await store.listKeys()).map((k) => [k.id, k]));
    const decoded = decodeAdvertisingToken(body.advertising_token, (id) => keys.get(id));
    assert.ok(decoded.ok);
    assert.ok(decoded.value.siteKeyId >= rotated.keyId, 'minted with the rotated (or a newer) site key');

    const validated = await v2Call(
      two.baseUrl,
      '/v2/token/validate',
      { token: body.advertising_token, email },
      creds,
    );
    assert.equal(validated.httpStatus, 200, validated.text);
    assert.equal(validated.json?.body, true);
    const refreshed = await fetch(`${two.baseUrl}/v2/token/refresh`, {
      method: 'POST',
      body: body.refresh_token,
    });
    assert.equal(refreshed.status, 200);
  });

  it('an opt-out taken by one operator is honoured by the other', async (t) => {
    // The OPTOUT role is reserved for the portal, so its key is written straight into the store.
    const optout = await addTestClient(store, 3, ['OPTOUT']);
    await until('the opt-out key to work on operator-1', 30_000, async () => {
      const r = await v2Call(
        operators[0]?.baseUrl as string,
        '/v2/token/logout',
        { email: 'warmup@example.com' },
        optout,
      );
      return r.httpStatus === 200 ? true : undefined;
    });
    const email = 'multi.node.optout@example.com';
    assert.equal((await generate(operators[1] as Operator, creds, email)).json?.status, 'success');
    const since = Date.now();
    const out = await v2Call(operators[0]?.baseUrl as string, '/v2/token/logout', { email }, optout);
    assert.deepEqual(out.json, { status: 'success', body: { optout: 'OK' } });
    await until('operator-2 to answer optout', 30_000, async () =>
      (await generate(operators[1] as Operator, creds, email)).json?.status === 'optout' ? true : undefined,
    );
    t.diagnostic(`opt-out honoured by the other operator ${Date.now() - since} ms after it was acknowledged`);
  });

  it('PostgreSQL stopped and started: both serve through the outage and recover without a restart', {
    skip: restartSkip,
  }, async (t) => {
    const pids = operators.map((op) => op.child.pid);
    pgCluster('stop');
    try {
      await sleep(1500);
      for (const op of operators) {
        const res = await generate(op, creds);
        assert.equal(
          res.httpStatus,
          200,
          `${op.name} serves from its snapshot during the outage: ${res.text}`,
        );
        assert.equal((await fetch(`${op.baseUrl}/ops/healthcheck`)).status, 200);
      }
    } finally {
      pgCluster('start');
    }
    await until('PostgreSQL to accept connections again', 60_000, async () =>
      withAdminClient(async (c) => (await c.query('SELECT 1')).rowCount === 1 || undefined),
    );
    // A change made after the restart reaches both operators.
    const site = (await admin('sites', 'create', '--name', 'After Restart', '--types', 'PUBLISHER')).site as {
      id: number;
    };
    const since = Date.now();
    const later = await createApiKey('after restart', site.id);
    const ms = await propagation(later, since);
    t.diagnostic(`API key created after the restart usable on both operators after ${ms} ms`);
    assert.ok(ms < 15_000, `took ${ms} ms`);
    assert.deepEqual(
      operators.map((op) => op.child.pid),
      pids,
    );
    for (const op of operators) assert.equal(op.child.exitCode, null, `${op.name} is still running`);
  });
});
