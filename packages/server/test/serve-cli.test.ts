// The `uid2` command as a user runs it: `uid2 serve` in a child process (bootstrap, demo
// credentials, restart on the same data dir, master-key mismatch, test fixtures), its help and
// usage errors, and `uid2 --version` / `npx uid2 --help`.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { VERSION } from '@uid2-ts/server';
import { FIXTURE, v2Call } from './helpers/operator.js';

const BIN = fileURLToPath(new URL('../bin/uid2.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const START_TIMEOUT_MS = 30_000;

/** The environment without the runner's own UID2_* settings, plus a small salt table. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('UID2_')) env[k] = v;
  return { ...env, UID2_SALT_BUCKET_COUNT: '1024', ...extra };
}

const children = new Set<ChildProcess>();
const tempDirs: string[] = [];
after(() => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'uid2-cli-'));
  tempDirs.push(dir);
  return dir;
}

/** A port that was free a moment ago: listen on port 0, read it, close. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

interface Run {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  /** Resolves with the exit code (or the signal name) once the process has ended. */
  readonly exited: Promise<number | string>;
}

function run(args: readonly string[], env: NodeJS.ProcessEnv = childEnv(), command = process.execPath): Run {
  const child = spawn(command, command === process.execPath ? [BIN, ...args] : [...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const r: Run = {
    child,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) => {
      child.once('exit', (code, signal) => resolve(code ?? signal ?? -1));
    }),
  };
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    r.stdout += d;
  });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    r.stderr += d;
  });
  return r;
}

/** Waits until `pattern` shows up in stdout; fails if the process exits first or it takes too long. */
async function waitForOutput(
  r: Run,
  pattern: RegExp,
  timeoutMs = START_TIMEOUT_MS,
): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  let ended: number | string | undefined;
  void r.exited.then((code) => {
    ended = code;
  });
  for (;;) {
    const m = r.stdout.match(pattern);
    if (m) return m;
    if (ended !== undefined) {
      assert.fail(
        `uid2 exited (${ended}) before printing ${pattern}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`,
      );
    }
    if (Date.now() > deadline) {
      assert.fail(`timed out waiting for ${pattern}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
    }
    await new Promise((done) => setTimeout(done, 25));
  }
}

async function stop(r: Run): Promise<number | string> {
  r.child.kill('SIGTERM');
  return r.exited;
}

interface DemoCredentials {
  readonly siteId: number;
  readonly key: string;
  readonly secret: string;
}

function parseCredentials(stdout: string): DemoCredentials {
  const site = stdout.match(/^ {4}site id +(\d+)$/m);
  const key = stdout.match(/^ {4}API key +(\S+)$/m);
  const secret = stdout.match(/^ {4}secret +(\S+)$/m);
  assert.ok(site && key && secret, `no demo credentials in:\n${stdout}`);
  return { siteId: Number(site[1]), key: key[1] as string, secret: secret[1] as string };
}

const RUNNING = /^uid2 is running .*$/m;
/** The last line of the start-up block when demo credentials are printed. */
const CREDENTIALS_END = /^ {4}CSTG public key +\S+\n/m;

async function generate(baseUrl: string, creds: { key: string; secret: string }) {
  return v2Call(baseUrl, '/v2/token/generate', { email: 'cli.user@example.com' }, creds);
}

describe('uid2 serve', () => {
  const dataDir = tempDir();
  let credentials: DemoCredentials | undefined;

  it('first start bootstraps the data dir and prints demo credentials that work; health, metrics and portal answer', async () => {
    const [port, metricsPort, portalPort] = [await freePort(), await freePort(), await freePort()];
    const r = run([
      'serve',
      '--data-dir',
      dataDir,
      '--port',
      String(port),
      '--metrics-port',
      String(metricsPort),
      '--portal-port',
      String(portalPort),
    ]);
    await waitForOutput(r, RUNNING);
    await waitForOutput(r, CREDENTIALS_END);
    assert.match(r.stdout, new RegExp(`^ {2}operator +http://localhost:${port}$`, 'm'));
    assert.match(r.stdout, new RegExp(`^ {2}metrics +http://localhost:${metricsPort}/metrics$`, 'm'));
    assert.match(r.stdout, new RegExp(`^ {2}portal +http://localhost:${portalPort}$`, 'm'));
    assert.match(r.stdout, /created master key file .*master\.key/);
    assert.match(r.stdout, /bootstrap created: 1,024 salt buckets.*portal OPTOUT key/);
    credentials = parseCredentials(r.stdout);
    assert.match(credentials.key, new RegExp(`^UID2-C-P-${credentials.siteId}-[A-Za-z0-9+/]{6}\\.`));
    assert.equal(Buffer.from(credentials.secret, 'base64').length, 32);
    assert.match(r.stdout, /roles +GENERATOR, MAPPER, SHARER, ID_READER/);
    assert.doesNotMatch(r.stderr, /WARNING/);

    const base = `http://127.0.0.1:${port}`;
    const g = await generate(base, credentials);
    assert.equal(g.httpStatus, 200);
    assert.equal(g.json?.status, 'success');
    assert.match(
      (g.json?.body as { advertising_token?: string } | undefined)?.advertising_token ?? '',
      /^A4/,
    );

    const health = await fetch(`${base}/ops/healthcheck`);
    assert.deepEqual([health.status, await health.text()], [200, 'OK']);

    const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(metrics.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await metrics.text();
    assert.match(text, /^# HELP uid2_operator_requests_total /m);
    assert.match(text, /^# TYPE uid2_operator_requests_total counter$/m);
    assert.match(text, /^uid2_operator_tokens_total\{kind="generate"\} 1$/m);
    assert.match(text, /^uid2_operator_requests_total\{endpoint="\/v2\/token\/generate",status="200"\} 1$/m);

    const portal = await fetch(`http://127.0.0.1:${portalPort}/`);
    assert.equal(portal.status, 200);
    assert.match(await portal.text(), /<input type="email" id="email"/);

    assert.equal(await stop(r), 0);
  });

  it('a restart on the same data dir prints no credentials, and the first ones still work', async () => {
    assert.ok(credentials, 'the first start must have printed credentials');
    const [port, metricsPort] = [await freePort(), await freePort()];
    const r = run([
      'serve',
      '--data-dir',
      dataDir,
      '--port',
      String(port),
      '--metrics-port',
      String(metricsPort),
    ]);
    await waitForOutput(r, RUNNING);
    const g = await generate(`http://127.0.0.1:${port}`, credentials);
    assert.equal(g.httpStatus, 200);
    assert.equal(g.json?.status, 'success');
    assert.doesNotMatch(r.stdout, /API key|secret |Demo publisher|created master key|bootstrap created/);
    assert.equal(await stop(r), 0);
    assert.doesNotMatch(r.stdout, /API key|secret /);
  });

  it('a wrong UID2_MASTER_KEY for an existing data dir stops start-up with a clear message', async () => {
    const [port, metricsPort] = [await freePort(), await freePort()];
    const r = run(
      ['serve', '--data-dir', dataDir, '--port', String(port), '--metrics-port', String(metricsPort)],
      childEnv({ UID2_MASTER_KEY: randomBytes(32).toString('base64') }),
    );
    const code = await r.exited;
    assert.notEqual(code, 0);
    assert.equal(code, 1);
    assert.match(r.stderr, /^uid2: the master key does not match the one this store was created with/m);
    assert.doesNotMatch(r.stdout, RUNNING);
  });

  it('--fixtures reference: loud WARNING, loopback only, and the site-999 fixture key works', async () => {
    const [port, metricsPort] = [await freePort(), await freePort()];
    const r = run([
      'serve',
      '--fixtures',
      'reference',
      '--data-dir',
      tempDir(),
      '--port',
      String(port),
      '--metrics-port',
      String(metricsPort),
    ]);
    await waitForOutput(r, RUNNING);
    assert.match(
      r.stderr,
      /!!! WARNING: --fixtures reference loads the reference implementation's PUBLIC TEST CREDENTIALS/,
    );
    assert.match(r.stderr, /Listening on loopback only/);
    assert.match(r.stdout, new RegExp(`^ {2}operator +http://localhost:${port}$`, 'm'));
    await waitForOutput(r, /reference TEST fixtures loaded/);

    const g = await generate(`http://127.0.0.1:${port}`, FIXTURE.all);
    assert.equal(g.httpStatus, 200);
    assert.equal(g.json?.status, 'success');
    const keys = await v2Call(`http://127.0.0.1:${port}`, '/v2/key/sharing', undefined, FIXTURE.all);
    assert.equal(keys.httpStatus, 200);

    // Not reachable through a non-loopback address of this machine.
    const external = Object.values(networkInterfaces())
      .flat()
      .find((a) => a !== undefined && a.family === 'IPv4' && !a.internal);
    if (external) {
      for (const p of [port, metricsPort]) {
        const outcome = await new Promise<string>((resolve) => {
          const socket = connect({ host: external.address, port: p });
          socket.once('connect', () => {
            socket.destroy();
            resolve('connected');
          });
          socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
        });
        assert.equal(outcome, 'ECONNREFUSED', `${external.address}:${p}`);
      }
    }
    assert.equal(await stop(r), 0);
  });
});

describe('uid2 command line', () => {
  it('uid2 serve --help lists every option with its UID2_* twin', async () => {
    const r = run(['serve', '--help']);
    assert.equal(await r.exited, 0);
    const options = [...r.stdout.matchAll(/^ {2}--([a-z-]+)\b.*$/gm)];
    const names = options.map((m) => m[1]);
    assert.deepEqual(names, [
      'host',
      'port',
      'portal-port',
      'operator-url',
      'admin-port',
      'admin-host',
      'metrics-port',
      'data-dir',
      'database-url',
      'master-key-file',
      'roles',
      'fixtures',
      'config',
      'identity-scope',
      'log-level',
    ]);
    for (const m of options) {
      const twin = `UID2_${(m[1] as string).replace(/-/g, '_').toUpperCase()}`;
      assert.ok(m[0].endsWith(`[${twin}]`), `${m[0]} should name ${twin}`);
    }
  });

  it('an unknown flag exits 2 with a message', async () => {
    const r = run(['serve', '--no-such-flag']);
    assert.equal(await r.exited, 2);
    assert.match(r.stderr, /^uid2: Unknown option '--no-such-flag'/m);
    assert.doesNotMatch(r.stdout, RUNNING);
  });

  it('uid2 --version prints the package version', async () => {
    const r = run(['--version']);
    assert.equal(await r.exited, 0);
    assert.equal(r.stdout, `${VERSION}\n`);
  });

  it('npx uid2 --help runs the linked bin', async () => {
    const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
    // npm_config_yes=false: never offer to download a package of that name if the link were missing.
    const r = run(['uid2', '--help'], childEnv({ npm_config_yes: 'false' }), npx);
    assert.equal(await r.exited, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^uid2 ${VERSION.replace(/\./g, '\\.')} — `));
    assert.match(r.stdout, /^ {2}uid2 serve \[options\]/m);
  });
});
