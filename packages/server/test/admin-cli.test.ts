// `uid2 admin` as an operator of a deployment runs it: real child processes on a data dir, the
// text and --json outputs, exit codes and messages for bad input, the audit log, export/import,
// and changes made while an operator serves from the same SQLite file reaching it.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type CliResult, cliEnv, runAdmin } from './helpers/cli.js';
import { startTestOperator, type TestOperator, v2Call } from './helpers/operator.js';

const _BIN = fileURLToPath(new URL('../bin/uid2.js', import.meta.url));
const _ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** A partner URL template with the reference's placeholders. */
const PLACEHOLDERS = `id=${'$'}{ADVERTISING_ID}&ts=${'$'}{OPTOUT_EPOCH}`;
const LOOPBACK_PARTNER_URL = `http://127.0.0.1:9/optout?${PLACEHOLDERS}`;
/** How long a change made by `uid2 admin` may take to reach a running operator (it polls every 100 ms). */
const PROPAGATION_MS = 10_000;

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'uid2-admin-'));
  tempDirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

const _childEnv = cliEnv;

type Result = CliResult;

/** Runs `uid2 admin <args> --data-dir <dir>` to completion. */
const admin = runAdmin;

/** Runs an admin command that must succeed with --json and returns its parsed output. */
async function adminJson<T>(dataDir: string, ...args: string[]): Promise<T> {
  const r = await admin(dataDir, ...args, '--json');
  assert.equal(r.code, 0, `uid2 admin ${args.join(' ')} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** A refused command: exit code, one clear line on stderr, no stack trace, nothing on stdout. */
function assertRefused(r: Result, code: number, message: RegExp): void {
  assert.equal(r.code, code, `expected exit ${code}: ${r.stderr}`);
  assert.match(r.stderr, message);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  assert.equal(r.stdout, '');
}

async function eventually(what: string, check: () => Promise<boolean>): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < PROPAGATION_MS) {
    if (await check()) return Date.now() - start;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`${what} did not happen within ${PROPAGATION_MS} ms`);
}

interface Issued {
  keyId: string;
  siteId: number;
  roles: string[];
  apiKey?: string;
  secret: string;
}

const generate = (base: string, creds: { key: string; secret: string }) =>
  v2Call(base, '/v2/token/generate', { email: 'admin-cli-test@example.com' }, creds);

describe('uid2 admin: sites, keys, key pairs and bad input on a fresh data dir', () => {
  const dir = tempDir();

  it('creates and migrates a new store on first use, and sites create prints the normalized site', async () => {
    const r = await admin(
      dir,
      'sites',
      'create',
      '--name',
      'Acme Media',
      '--types',
      'dsp,Publisher',
      '--domains',
      'www.Example.co.uk,shop.acme.github.io,localhost,example.co.uk',
      '--app-names',
      'com.acme.app,123456789',
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /new store: created master key file .*master\.key/);
    assert.match(r.stderr, /new store: bootstrap created 1,024 salt buckets, keyset -1 \(Master keyset\)/);
    // The demo publisher's credentials are printed by whichever command creates them (here: once).
    assert.match(r.stderr, /^uid2 admin: {3}API key {10}UID2-C-P-3-/m);
    // Site ids continue after the bootstrap's demo publisher (site 3).
    assert.match(r.stdout, /^created site 4: Acme Media$/m);
    assert.match(r.stdout, /^ {2}types {6}DSP,PUBLISHER$/m);
    assert.match(r.stdout, /^ {2}domains {4}example\.co\.uk,acme\.github\.io,localhost$/m);
    assert.match(r.stdout, /^ {2}app names {2}com\.acme\.app,123456789$/m);
    assert.match(r.stdout, /^ {2}keyset {5}4 \(default, shares with no other site\)$/m);
    assert.equal(statSync(join(dir, 'master.key')).mode & 0o777, 0o600);
  });

  it('--json output; show and update; duplicate names are refused (exit 1)', async () => {
    const created = await adminJson<{
      site: { id: number; name: string; types: string[] };
      keysetId: number;
    }>(dir, 'sites', 'create', '--name', 'Beta Data', '--types', 'DATA_PROVIDER');
    assert.deepEqual(
      [created.site.id, created.site.name, created.site.types, created.keysetId],
      [5, 'Beta Data', ['DATA_PROVIDER'], 5],
    );
    assertRefused(
      await admin(dir, 'sites', 'create', '--name', 'acme MEDIA', '--types', 'DSP'),
      1,
      /^uid2 admin sites create: a site named 'Acme Media' already exists \(site 4\)$/m,
    );
    const updated = await adminJson<{ name: string; enabled: boolean; domains: string[] }>(
      dir,
      'sites',
      'update',
      '5',
      '--domains',
      'news.beta.org',
      '--enabled',
      'false',
    );
    assert.deepEqual(updated.domains, ['beta.org']);
    assert.equal(updated.enabled, false);
    const shown = await adminJson<{ id: number; domains: string[]; enabled: boolean }>(
      dir,
      'sites',
      'show',
      '5',
    );
    assert.deepEqual([shown.id, shown.domains, shown.enabled], [5, ['beta.org'], false]);
    assertRefused(
      await admin(dir, 'sites', 'update', '5', '--name', 'Acme Media'),
      1,
      /a site named 'Acme Media' already exists/,
    );
    const list = await adminJson<Array<{ id: number; name: string }>>(dir, 'sites', 'list');
    assert.deepEqual(
      list.map((s) => [s.id, s.name]),
      [
        [3, 'Demo Publisher'],
        [4, 'Acme Media'],
        [5, 'Beta Data'],
      ],
    );
  });

  it('bad input: invalid domains and types, unknown sites, unknown flags → clear messages and exit codes', async () => {
    for (const domain of ['https://a.com/x', 'co.uk', '10.0.0.1', 'bad_host.com', 'a..com']) {
      assertRefused(
        await admin(dir, 'sites', 'create', '--name', `x${domain}`, '--types', 'DSP', '--domains', domain),
        2,
        new RegExp(
          `^uid2 admin sites create: invalid domain name '${domain.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}'`,
          'm',
        ),
      );
    }
    assertRefused(
      await admin(dir, 'sites', 'create', '--name', 'x', '--types', 'DSP,BUYER'),
      2,
      /unknown client type 'BUYER' \(types: DSP, ADVERTISER, DATA_PROVIDER, PUBLISHER\)/,
    );
    assertRefused(await admin(dir, 'sites', 'create', '--types', 'DSP'), 2, /name is required/);
    assertRefused(
      await admin(dir, 'sites', 'show', '42'),
      1,
      /^uid2 admin sites show: site 42 does not exist$/m,
    );
    assertRefused(await admin(dir, 'sites', 'show'), 2, /^uid2: admin sites show needs <site-id>$/m);
    assertRefused(await admin(dir, 'sites', 'list', '--bogus'), 2, /Unknown option '--bogus'/);
    assertRefused(await admin(dir, 'sites', 'delete'), 2, /unknown verb 'delete' for sites/);
    assertRefused(await admin(dir, 'widgets', 'list'), 2, /unknown admin resource 'widgets'/);
    // None of the refused commands changed anything.
    const list = await adminJson<unknown[]>(dir, 'sites', 'list');
    assert.equal(list.length, 3);
  });

  it('keys create prints the key and secret once; roles are checked; OPTOUT is refused', async () => {
    const r = await admin(
      dir,
      'keys',
      'create',
      '--site',
      '4',
      '--roles',
      'generator,MAPPER',
      '--name',
      'acme-1',
    );
    assert.equal(r.code, 0, r.stderr);
    const apiKey = /^ {2}API key {2}(\S+)$/m.exec(r.stdout)?.[1] ?? '';
    const secret = /^ {2}secret {3}(\S+)$/m.exec(r.stdout)?.[1] ?? '';
    assert.match(apiKey, /^UID2-C-P-4-[A-Za-z0-9+/]{6}\.[A-Za-z0-9+/=]{38}$/);
    assert.equal(Buffer.from(secret, 'base64').length, 32);
    assert.match(r.stdout, /^ {2}roles {4}GENERATOR,MAPPER$/m);

    const issued = await adminJson<Issued>(
      dir,
      'keys',
      'create',
      '--site',
      '5',
      '--roles',
      'ID_READER,SHARER',
    );
    assert.match(issued.apiKey ?? '', /^UID2-C-P-5-/);
    assert.deepEqual(issued.roles, ['ID_READER', 'SHARER']);

    assertRefused(
      await admin(dir, 'keys', 'create', '--site', '4', '--roles', 'GENERATOR,OPTOUT'),
      1,
      /^uid2 admin keys create: the OPTOUT role is reserved for the portal's own key$/m,
    );
    assertRefused(
      await admin(dir, 'keys', 'create', '--site', '4', '--roles', 'GENERATOR,ADMIN'),
      2,
      /^uid2 admin keys create: unknown role 'ADMIN' \(roles: GENERATOR, MAPPER, ID_READER, SHARER\)$/m,
    );
    assertRefused(
      await admin(dir, 'keys', 'create', '--site', '77', '--roles', 'MAPPER'),
      1,
      /site 77 does not exist/,
    );
    assertRefused(
      await admin(dir, 'keys', 'create', '--site', '2', '--roles', 'MAPPER'),
      1,
      /site 2 is reserved/,
    );
    assertRefused(await admin(dir, 'keys', 'create', '--roles', 'MAPPER'), 2, /site is required/);

    // Listing never shows a key, a hash or a secret.
    const text = await admin(dir, 'keys', 'list', '--site', '4');
    assert.equal(text.code, 0);
    const keyId = apiKey.split('.')[0] ?? '';
    assert.match(
      text.stdout,
      new RegExp(`^${keyId.replace(/[+/]/g, '\\$&')} +4 +acme-1 +GENERATOR,MAPPER +enabled$`, 'm'),
    );
    const json = await admin(dir, 'keys', 'list', '--json');
    for (const out of [text.stdout, json.stdout]) {
      assert.ok(!out.includes(apiKey.split('.')[1] ?? '?'), 'key body listed');
      assert.ok(!out.includes(secret) && !out.includes(issued.secret), 'secret listed');
      assert.doesNotMatch(out, /hash|salt|secret/i);
    }
    const keys = JSON.parse(json.stdout) as Array<{ keyId: string }>;
    assert.equal(keys.length, 3);
  });

  it('keypairs create prints the subscription id and public key, never the private key', async () => {
    const r = await admin(dir, 'keypairs', 'create', '--site', '4', '--name', 'web');
    assert.equal(r.code, 0, r.stderr);
    const sub = /^ {2}subscription id {2}([1-9A-HJ-NP-Za-km-z]{10})$/m.exec(r.stdout)?.[1];
    assert.ok(sub, r.stdout);
    assert.match(
      r.stdout,
      /^ {2}public key {7}UID2-X-P-MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE[A-Za-z0-9+/]{86}==$/m,
    );
    assert.doesNotMatch(r.stdout, /UID2-Y-/);
    const list = await admin(dir, 'keypairs', 'list', '--json');
    assert.doesNotMatch(list.stdout, /UID2-Y-|privateKey/);
    const pairs = JSON.parse(list.stdout) as Array<{ subscriptionId: string; disabled: boolean }>;
    assert.equal(pairs.find((p) => p.subscriptionId === sub)?.disabled, false);
    const disabled = await adminJson<{ disabled: boolean }>(dir, 'keypairs', 'disable', sub);
    assert.equal(disabled.disabled, true);
    assertRefused(
      await admin(dir, 'keypairs', 'disable', 'NoSuchSub1'),
      1,
      /key pair NoSuchSub1 does not exist/,
    );
  });

  it('keysets update sets sharing permissions (all, none, a list of existing sites)', async () => {
    const k = await adminJson<{ allowedSites: number[] | null; allowedTypes: string[] }>(
      dir,
      'keysets',
      'update',
      '4',
      '--allowed-sites',
      '5,3',
      '--allowed-types',
      'dsp',
    );
    assert.deepEqual([k.allowedSites, k.allowedTypes], [[3, 5], ['DSP']]);
    const all = await adminJson<{ allowedSites: number[] | null }>(
      dir,
      'keysets',
      'update',
      '4',
      '--allowed-sites',
      'all',
    );
    assert.equal(all.allowedSites, null);
    const none = await adminJson<{ allowedSites: number[] | null }>(
      dir,
      'keysets',
      'update',
      '4',
      '--allowed-sites',
      'none',
    );
    assert.deepEqual(none.allowedSites, []);
    assertRefused(
      await admin(dir, 'keysets', 'update', '4', '--allowed-sites', '3,99'),
      2,
      /allowed site 99 does not exist/,
    );
    assertRefused(await admin(dir, 'keysets', 'update', '-1', '--allowed-sites', 'all'), 1, /master keyset/);
    const list = await adminJson<Array<{ keysetId: number; siteId: number; allowedSites: number[] | null }>>(
      dir,
      'keysets',
      'list',
    );
    assert.deepEqual(
      list.map((x) => x.keysetId),
      [-2, -1, 2, 3, 4, 5],
    );
  });

  it('partners: add (with warnings for http and loopback), list masked, update, remove', async () => {
    const url = LOOPBACK_PARTNER_URL;
    const r = await admin(
      dir,
      'partners',
      'add',
      '--name',
      'DSP1',
      '--url',
      url,
      '--method',
      'get',
      '--header',
      'Authorization: Bearer hunter2',
      '--header',
      'X-Team: ads',
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /warning: the url is plain http:\/\//);
    assert.match(r.stderr, /warning: the url points to this machine \(loopback\)/);
    assert.doesNotMatch(r.stdout, /hunter2|ads$/m);
    const list = await adminJson<
      Array<{ name: string; headers: string[]; format: string; method: string; url: string }>
    >(dir, 'partners', 'list');
    assert.deepEqual(list, [
      {
        name: 'dsp1',
        url,
        method: 'GET',
        headers: ['Authorization: ********', 'X-Team: ********'],
        format: 'reference',
        secret: null,
        batchSize: 1000,
        enabled: true,
        created: (list[0] as unknown as { created: number }).created,
      },
    ]);
    assertRefused(
      await admin(dir, 'partners', 'add', '--name', 'dsp1', '--url', 'https://x.example/'),
      1,
      /already exists/,
    );
    assertRefused(
      await admin(dir, 'partners', 'add', '--name', 'dsp2', '--url', 'not a url'),
      2,
      /url 'not a url' does not parse/,
    );
    assertRefused(
      await admin(dir, 'partners', 'add', '--name', 'dsp2', '--url', 'https://x.example/', '--format', 'csv'),
      2,
      /format must be reference or batch/,
    );
    const up = await adminJson<{ partner: { format: string; secret: string | null; batchSize: number } }>(
      dir,
      'partners',
      'update',
      'dsp1',
      '--format',
      'batch',
      '--secret',
      'batch-signing-secret',
      '--batch-size',
      '500',
    );
    assert.deepEqual(up.partner.secret, '********');
    assert.deepEqual([up.partner.format, up.partner.batchSize], ['batch', 500]);
    const removed = await admin(dir, 'partners', 'remove', 'dsp1');
    assert.equal(removed.stdout, "partner 'dsp1' removed\n");
    assert.deepEqual(await adminJson(dir, 'partners', 'list'), []);
  });

  it('rotate keys and salts run the lifecycle rotation on demand', async () => {
    const keys = await adminJson<{ created: Array<{ keysetId: number }> }>(
      dir,
      'rotate',
      'keys',
      '--kind',
      'master',
    );
    assert.deepEqual(
      keys.created.map((k) => k.keysetId),
      [-1],
    );
    const all = await adminJson<{ created: Array<{ keysetId: number }> }>(dir, 'rotate', 'keys');
    assert.deepEqual(
      all.created.map((k) => k.keysetId),
      [-2, -1, 2, 3, 4, 5],
    );
    assertRefused(
      await admin(dir, 'rotate', 'keys', '--kind', 'tertiary'),
      2,
      /--kind must be master, refresh, site or all/,
    );
    const salts = await adminJson<{ rotated: number[]; eligible: number }>(
      dir,
      'rotate',
      'salts',
      '--fraction',
      '1',
    );
    assert.ok(salts.rotated.length > 0 && salts.rotated.length <= salts.eligible, JSON.stringify(salts));
    // Idempotent for the target day: a second run finds nothing due.
    const again = await adminJson<{ rotated: number[]; eligible: number }>(
      dir,
      'rotate',
      'salts',
      '--fraction',
      '1',
    );
    assert.deepEqual([again.rotated, again.eligible], [[], 0]);
    assertRefused(
      await admin(dir, 'rotate', 'salts', '--fraction', '2'),
      2,
      /--fraction must be a number in \(0, 1\]/,
    );
  });

  it('audit list shows who did what, newest first, without secrets', async () => {
    const entries = await adminJson<
      Array<{ actor: string; action: string; target: string; details: object }>
    >(dir, 'audit', 'list', '--limit', '500');
    const me = `cli:${userInfo().username}`;
    const ours = entries.filter((e) => e.actor === me).reverse();
    const actions = ours.map((e) => `${e.action} ${e.target}`);
    assert.deepEqual(actions.slice(0, 4), [
      'site.create site:4',
      'keyset.create keyset:4',
      'site.create site:5',
      'keyset.create keyset:5',
    ]);
    assert.ok(actions.includes('site.update site:5'));
    assert.ok(actions.some((a) => /^client_key\.create client_key:UID2-C-P-4-/.test(a)));
    assert.ok(actions.some((a) => /^keypair\.disable keypair:/.test(a)));
    assert.ok(actions.includes('keyset.update keyset:4'));
    assert.deepEqual(
      actions.filter((a) => a.startsWith('partner.')),
      ['partner.add partner:dsp1', 'partner.update partner:dsp1', 'partner.remove partner:dsp1'],
    );
    assert.ok(actions.includes('key.rotate keyset:-1'));
    assert.equal(actions.filter((a) => a === 'salt.rotate salts').length, 1);
    const text = JSON.stringify(entries);
    assert.doesNotMatch(text, /hunter2|batch-signing-secret|UID2-Y-/);
    const limited = await adminJson<unknown[]>(dir, 'audit', 'list', '--limit', '2');
    assert.equal(limited.length, 2);
  });
});

describe('uid2 admin while an operator serves from the same data dir', () => {
  let op: TestOperator;
  const dir = tempDir();
  before(async () => {
    op = await startTestOperator({ dataDir: dir });
  });
  after(async () => {
    await op?.close();
  });

  it('a new site and key work on the running operator; disabling and rotating the secret reach it too', async () => {
    const site = await adminJson<{ site: { id: number } }>(
      dir,
      'sites',
      'create',
      '--name',
      'Live Pub',
      '--types',
      'PUBLISHER',
    );
    const issued = await adminJson<Issued>(
      dir,
      'keys',
      'create',
      '--site',
      String(site.site.id),
      '--roles',
      'GENERATOR',
    );
    const creds = { key: issued.apiKey ?? '', secret: issued.secret };
    await eventually(
      'the new key working on the operator',
      async () => (await generate(op.baseUrl, creds)).httpStatus === 200,
    );
    const g = await generate(op.baseUrl, creds);
    assert.equal(g.json?.status, 'success');
    assert.match(
      (g.json?.body as { advertising_token?: string } | undefined)?.advertising_token ?? '',
      /^A4/,
    );

    const rotated = await adminJson<Issued>(dir, 'keys', 'rotate-secret', issued.keyId);
    assert.equal(rotated.apiKey, undefined);
    assert.notEqual(rotated.secret, issued.secret);
    const fresh = { key: creds.key, secret: rotated.secret };
    await eventually(
      'the new secret working',
      async () => (await generate(op.baseUrl, fresh)).httpStatus === 200,
    );
    // The old secret no longer opens the envelope (the operator answers without decrypting).
    assert.notEqual((await generate(op.baseUrl, creds)).httpStatus, 200);

    await adminJson(dir, 'keys', 'disable', issued.keyId);
    await eventually(
      'the disabled key refused',
      async () => (await generate(op.baseUrl, fresh)).httpStatus === 401,
    );
  });
});

describe('uid2 admin export and import', () => {
  const source = tempDir();
  const target = tempDir();
  const file = join(tempDir(), 'backup.json');
  let issued: Issued;

  it('export writes every record, secrets in clear, to a 0600 file and says so', async () => {
    await admin(source, 'sites', 'create', '--name', 'Exported', '--types', 'PUBLISHER');
    issued = await adminJson<Issued>(source, 'keys', 'create', '--site', '4', '--roles', 'GENERATOR');
    await admin(
      source,
      'partners',
      'add',
      '--name',
      'p1',
      '--url',
      `https://dsp.example/o?id=${'$'}{ADVERTISING_ID}`,
      '--secret',
      'psecret',
    );
    const r = await admin(source, 'export', '--output', file);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^exported to .*backup\.json \(2 sites, 2 API keys, /m);
    assert.match(r.stdout, /WARNING: This file holds every secret of the deployment in clear.*mode 0600/);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const data = JSON.parse(readFileSync(file, 'utf8')) as {
      clientKeys: Array<{ keyId: string; secret: string }>;
      saltBuckets: unknown[];
      partners: Array<{ secret: string }>;
      saltConfig: { bucketCount: number };
    };
    assert.equal(data.clientKeys.find((k) => k.keyId === issued.keyId)?.secret, issued.secret);
    assert.equal(data.saltBuckets.length, 1024);
    assert.equal(data.saltConfig.bucketCount, 1024);
    assert.equal(data.partners[0]?.secret, 'psecret');
  });

  it('import loads it into an empty store, whose operator accepts the exported key; a non-empty store is refused', async () => {
    const r = await admin(target, 'import', '--input', file);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^imported: 1024 saltBuckets, 2 sites, 5 keysets, \d+ keys, 2 clientKeys, 1 keypairs, 1 partners, 0 optOuts, \d+ audit$/m,
    );
    assertRefused(
      await admin(target, 'import', '--input', file),
      1,
      /the store is not empty: import only into a new store/,
    );
    assertRefused(await admin(source, 'import', '--input', file), 1, /the store is not empty/);
    assertRefused(
      await admin(tempDir(), 'import', '--input', join(target, 'missing.json')),
      2,
      /cannot read/,
    );

    const exported = await adminJson<Array<{ action: string }>>(target, 'audit', 'list');
    assert.equal(exported[0]?.action, 'deployment.import');
    const op = await startTestOperator({ dataDir: target, fixtures: false });
    try {
      const g = await generate(op.baseUrl, { key: issued.apiKey ?? '', secret: issued.secret });
      assert.equal(g.httpStatus, 200);
      assert.equal(g.json?.status, 'success');
    } finally {
      await op.close();
    }
  });
});

describe('uid2 admin tokens and help', () => {
  const dir = tempDir();
  it('tokens create prints the token once; list shows names only; revoke removes it', async () => {
    const t = await adminJson<{ name: string; token: string }>(dir, 'tokens', 'create', '--name', 'ops');
    assert.match(t.token, /^UID2-A-[A-Za-z0-9_-]{8}\.[A-Za-z0-9_-]{43}$/);
    assertRefused(await admin(dir, 'tokens', 'create', '--name', 'ops'), 1, /already exists/);
    const list = await admin(dir, 'tokens', 'list', '--json');
    assert.ok(!list.stdout.includes(t.token.split('.')[1] ?? '?'));
    assert.deepEqual(
      (JSON.parse(list.stdout) as Array<{ name: string }>).map((x) => x.name),
      ['ops'],
    );
    await adminJson(dir, 'tokens', 'revoke', 'ops');
    assert.deepEqual(await adminJson(dir, 'tokens', 'list'), []);
  });

  it('--help lists every command', async () => {
    const r = await admin(dir, '--help');
    assert.equal(r.code, 0);
    for (const c of [
      'sites create',
      'keys rotate-secret <key-id>',
      'keypairs disable',
      'keysets update',
      'partners add',
      'rotate salts',
      'audit list',
      'tokens create',
      'export',
      'import',
    ])
      assert.ok(r.stdout.includes(c), c);
  });
});
