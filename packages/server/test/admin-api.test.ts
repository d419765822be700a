// The admin HTTP API in-process (startSystem with the operator and admin roles): bearer-token auth
// (401 to everything while no token exists), loopback binding, the same operations as `uid2 admin`
// with JSON in and out, changes reaching the operator of the same process, and the audit actor.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadRuntimeSettings, type RunningSystem, startSystem } from '@uid2-ts/server';
import pino from 'pino';
import { FIXTURE, v2Call } from './helpers/operator.js';

const BIN = fileURLToPath(new URL('../bin/uid2.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** A partner URL template with the reference's placeholders. */
const PLACEHOLDERS = `id=${'$'}{ADVERTISING_ID}&ts=${'$'}{OPTOUT_EPOCH}`;
const PARTNER_URL = `https://dsp.example/optout?${PLACEHOLDERS}`;

interface ApiResponse {
  readonly status: number;
  readonly json: unknown;
}

/** `uid2 admin tokens create` in a child process against the running system's data dir. */
function createTokenWithCli(dataDir: string, name: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('UID2_')) env[k] = v;
    const child = spawn(
      process.execPath,
      [BIN, 'admin', 'tokens', 'create', '--name', name, '--json', '--data-dir', dataDir],
      {
        cwd: ROOT,
        env: { ...env, UID2_SALT_BUCKET_COUNT: '1024' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      err += d;
    });
    child.once('close', (code) => {
      if (code !== 0) reject(new Error(`tokens create failed (${code}): ${err}`));
      else resolve((JSON.parse(out) as { token: string }).token);
    });
  });
}

describe('admin HTTP API', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'uid2-admin-api-'));
  let system: RunningSystem;
  let adminUrl: string;
  let operatorUrl: string;
  let token = '';

  async function api(method: string, path: string, body?: unknown, auth = token): Promise<ApiResponse> {
    const headers: Record<string, string> = {};
    if (auth) headers.authorization = `Bearer ${auth}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(adminUrl + path, {
      method,
      headers,
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, json: text ? (JSON.parse(text) as unknown) : undefined };
  }

  before(async () => {
    system = await startSystem({
      host: '0.0.0.0',
      port: 0,
      adminPort: 0,
      metricsPort: null,
      roles: ['operator', 'admin'],
      fixtures: 'reference',
      settings: loadRuntimeSettings({ env: {}, overrides: { salt_bucket_count: 1024 } }),
      logger: pino({ level: 'silent' }),
      dataDir,
      pollIntervalMs: 100,
    });
    adminUrl = (system.urls.admin ?? '').replace('localhost', '127.0.0.1');
    operatorUrl = (system.urls.operator ?? '')
      .replace('localhost', '127.0.0.1')
      .replace('0.0.0.0', '127.0.0.1');
  });
  after(async () => {
    await system?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('listens on loopback only even when --host is 0.0.0.0', async () => {
    assert.match(system.urls.admin ?? '', /^http:\/\/localhost:\d+$/);
    const external = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
    if (external) {
      // The operator answers on the machine's other address; the admin API does not.
      const health = await fetch(`http://${external}:${new URL(operatorUrl).port}/ops/healthcheck`);
      assert.equal(health.status, 200);
      const port = new URL(adminUrl).port;
      await assert.rejects(
        fetch(`http://${external}:${port}/api/sites`),
        'the admin API answered on a non-loopback address',
      );
    }
  });

  it('answers 401 to everything while no admin token exists, saying how to create one', async () => {
    for (const [method, path] of [
      ['GET', '/api/sites'],
      ['POST', '/api/keys'],
      ['GET', '/api/export'],
      ['GET', '/nothing/here'],
    ] as const) {
      const r = await api(method, path, method === 'POST' ? {} : undefined, 'UID2-A-abcdefgh.whatever');
      assert.equal(r.status, 401, `${method} ${path}`);
      assert.deepEqual(r.json, {
        error: 'no admin token exists yet: create one with `uid2 admin tokens create --name <name>`',
      });
    }
  });

  it('accepts a token created by `uid2 admin tokens create`, and only that token', async () => {
    token = await createTokenWithCli(dataDir, 'robot');
    const ok = await api('GET', '/api/sites');
    assert.equal(ok.status, 200);
    assert.ok(Array.isArray(ok.json));
    for (const bad of [
      '',
      'UID2-A-abcdefgh.whatever',
      `${token}x`,
      token.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')),
    ]) {
      const r = await api('GET', '/api/sites', undefined, bad);
      assert.equal(r.status, 401);
      assert.deepEqual(r.json, { error: 'missing or invalid admin token' });
    }
  });

  let siteId = 0;
  it('sites: create (201), duplicate (409), invalid input (400), show, update, unknown (404)', async () => {
    const created = await api('POST', '/api/sites', {
      name: 'Api Publisher',
      types: ['PUBLISHER'],
      domains: ['www.api-pub.com', 'news.api-pub.com'],
      appNames: ['com.apipub.app'],
    });
    assert.equal(created.status, 201);
    const body = created.json as {
      site: { id: number; domains: string[]; types: string[] };
      keysetId: number;
    };
    siteId = body.site.id;
    assert.equal(siteId, 1000); // after the reference fixtures' site 999
    assert.deepEqual(body.site.domains, ['api-pub.com']);
    assert.deepEqual(body.site.types, ['PUBLISHER']);
    assert.deepEqual((await api('POST', '/api/sites', { name: 'api publisher', types: 'DSP' })).json, {
      error: "a site named 'Api Publisher' already exists (site 1000)",
    });
    assert.equal((await api('POST', '/api/sites', { name: 'api publisher', types: 'DSP' })).status, 409);
    const bad = await api('POST', '/api/sites', { name: 'X', types: ['DSP'], domains: ['not a domain'] });
    assert.deepEqual(
      [bad.status, bad.json],
      [400, { error: "invalid domain name 'not a domain' (give a host name such as example.com)" }],
    );
    const badJson = await api('POST', '/api/sites', '{not json');
    assert.equal(badJson.status, 400);
    const updated = await api('PATCH', `/api/sites/${siteId}`, {
      domains: 'api-pub.com,api-pub.org',
      enabled: false,
    });
    assert.equal(updated.status, 200);
    assert.deepEqual((updated.json as { domains: string[] }).domains, ['api-pub.com', 'api-pub.org']);
    const shown = await api('GET', `/api/sites/${siteId}`);
    assert.deepEqual((shown.json as { enabled: boolean }).enabled, false);
    await api('PATCH', `/api/sites/${siteId}`, { enabled: true });
    assert.deepEqual(await api('GET', '/api/sites/4242'), {
      status: 404,
      json: { error: 'site 4242 does not exist' },
    });
  });

  it('keys: a key created through the API works on the operator at once; OPTOUT refused; disable reaches the operator', async () => {
    const optout = await api('POST', '/api/keys', { site: siteId, roles: ['OPTOUT'] });
    assert.deepEqual(optout, {
      status: 400,
      json: { error: "the OPTOUT role is reserved for the portal's own key" },
    });
    const unknownSite = await api('POST', '/api/keys', { site: 5555, roles: ['GENERATOR'] });
    assert.deepEqual(unknownSite, { status: 404, json: { error: 'site 5555 does not exist' } });

    const created = await api('POST', '/api/keys', { site: siteId, roles: 'GENERATOR', name: 'api key' });
    assert.equal(created.status, 201);
    const k = created.json as { keyId: string; apiKey: string; secret: string; roles: string[] };
    assert.match(k.apiKey, new RegExp(`^UID2-C-P-${siteId}-`));
    assert.deepEqual(k.roles, ['GENERATOR']);
    const creds = { key: k.apiKey, secret: k.secret };
    // The admin API refreshes its own process's operator snapshot after a change.
    const g = await v2Call(operatorUrl, '/v2/token/generate', { email: 'api@example.com' }, creds);
    assert.equal(g.httpStatus, 200);
    assert.equal(g.json?.status, 'success');

    const listed = await api('GET', `/api/keys?site=${siteId}`);
    assert.deepEqual(
      (listed.json as Array<Record<string, unknown>>).map((x) => Object.keys(x).sort()),
      [['contact', 'created', 'disabled', 'keyId', 'name', 'roles', 'siteId']],
    );
    const disabled = await api('POST', `/api/keys/${encodeURIComponent(k.keyId)}/disable`);
    assert.equal(disabled.status, 200);
    assert.equal((disabled.json as { disabled: boolean }).disabled, true);
    const after = await v2Call(operatorUrl, '/v2/token/generate', { email: 'api@example.com' }, creds);
    assert.equal(after.httpStatus, 401);
    assert.equal((await api('POST', '/api/keys/UID2-C-P-1-nokey/disable')).status, 404);
    // The reference fixture keys are untouched and still work.
    const fixture = await v2Call(
      operatorUrl,
      '/v2/token/generate',
      { email: 'api@example.com' },
      FIXTURE.publisher,
    );
    assert.equal(fixture.httpStatus, 200);
  });

  it('keypairs, keysets, partners and rotation through the API', async () => {
    const pair = await api('POST', '/api/keypairs', { site: siteId });
    assert.equal(pair.status, 201);
    const p = pair.json as Record<string, unknown>;
    assert.match(String(p.publicKey), /^UID2-X-P-/);
    assert.equal(p.privateKey, undefined);
    const disabled = await api('POST', `/api/keypairs/${p.subscriptionId}/disable`);
    assert.equal((disabled.json as { disabled: boolean }).disabled, true);

    const ks = await api('PATCH', `/api/keysets/${siteId}`, {
      allowedSites: [999, 124],
      allowedTypes: ['DSP'],
    });
    assert.equal(ks.status, 404); // keyset ids are not site ids
    const keysets = (await api('GET', '/api/keysets')).json as Array<{ keysetId: number; siteId: number }>;
    const mine = keysets.find((x) => x.siteId === siteId)?.keysetId;
    const updated = await api('PATCH', `/api/keysets/${mine}`, {
      allowedSites: [999, 124],
      allowedTypes: ['DSP'],
    });
    assert.deepEqual((updated.json as { allowedSites: number[] }).allowedSites, [124, 999]);

    const added = await api('POST', '/api/partners', {
      name: 'dsp-api',
      url: PARTNER_URL,
      headers: ['X-Key: s3cr3t'],
    });
    assert.equal(added.status, 201);
    assert.deepEqual(added.json, {
      partner: {
        name: 'dsp-api',
        url: PARTNER_URL,
        method: 'GET',
        headers: ['X-Key: ********'],
        format: 'reference',
        secret: null,
        batchSize: 1000,
        enabled: true,
        created: (added.json as { partner: { created: number } }).partner.created,
      },
      warnings: [],
    });
    assert.equal((await api('PATCH', '/api/partners/dsp-api', { method: 'DELETE' })).status, 400);
    assert.equal((await api('DELETE', '/api/partners/dsp-api')).status, 200);
    assert.equal((await api('DELETE', '/api/partners/dsp-api')).status, 404);

    const rotated = await api('POST', '/api/rotate/keys', { kind: 'refresh' });
    assert.deepEqual(
      (rotated.json as { created: Array<{ keysetId: number }> }).created.map((x) => x.keysetId),
      [-2],
    );
    assert.equal((await api('POST', '/api/rotate/salts', { fraction: 3 })).status, 400);
  });

  it('every change is audited with the token name as actor and no secrets; export returns every secret', async () => {
    const audit = (await api('GET', '/api/audit?limit=100')).json as Array<{
      actor: string;
      action: string;
      details: unknown;
    }>;
    const mine = audit
      .filter((a) => a.actor === 'admin-api:robot')
      .map((a) => a.action)
      .reverse();
    assert.deepEqual(mine, [
      'site.create',
      'keyset.create',
      'site.update',
      'site.update',
      'client_key.create',
      'client_key.disable',
      'keypair.create',
      'keypair.disable',
      'keyset.update',
      'partner.add',
      'partner.remove',
      'key.rotate',
    ]);
    assert.ok(audit.some((a) => a.actor.startsWith('cli:') && a.action === 'admin_token.create'));
    assert.doesNotMatch(JSON.stringify(audit), /s3cr3t|UID2-A-|"secret"/);

    const exported = await api('GET', '/api/export');
    assert.equal(exported.status, 200);
    const data = exported.json as { clientKeys: Array<{ keyId: string; secret: string }> };
    assert.equal(
      data.clientKeys.find((c) => c.keyId === FIXTURE.publisher.key.split('.')[0])?.secret,
      FIXTURE.publisher.secret,
    );
  });
});
