// "A copy of the database alone reveals no secret": for each engine, fill a store the way a real
// deployment is filled (bootstrap, the reference fixtures, a DSP partner with credentials), dump
// the database every way an attacker could, and look for every secret in every encoding.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  bootstrap,
  loadReferenceFixtures,
  loadRuntimeSettings,
  openStore,
  type Store,
} from '@uid2-ts/server';
import Database from 'better-sqlite3';
import { REFERENCE_CLIENTS } from '../src/bootstrap/reference-fixtures.js';
import {
  dropSchema,
  freshSchema,
  postgresSkipReason,
  schemaUrl,
  TEST_DATABASE_URL,
  withAdminClient,
} from './helpers/postgres.js';

const MASTER_KEY = randomBytes(32).toString('base64');
const PARTNER_TOKEN = `partner-bearer-${randomBytes(24).toString('hex')}`;
const PARTNER_SECRET = `partner-hmac-${randomBytes(24).toString('base64')}`;

interface Needle {
  readonly what: string;
  readonly bytes: Buffer;
}

/** Every secret the store holds, in every encoding it could leak in (raw, base64, hex, text). */
async function fillAndCollectSecrets(store: Store): Promise<Needle[]> {
  const settings = loadRuntimeSettings({ env: {}, overrides: { salt_bucket_count: 1024 } });
  const report = await bootstrap(store, settings);
  await loadReferenceFixtures(store);
  await store.upsertPartner({
    name: 'dsp-with-credentials',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the partner URL placeholders, not a template
    url: 'https://dsp.example/optout?id=${ADVERTISING_ID}',
    method: 'POST',
    headers: [`Authorization: Bearer ${PARTNER_TOKEN}`],
    format: 'batch',
    secret: PARTNER_SECRET,
    batchSize: 100,
    enabled: true,
    created: 1_700_000_000,
  });
  await store.appendOptOuts([
    { firstLevelHash: randomBytes(32), advertisingId: randomBytes(33), timestamp: 1 },
  ]);

  const needles: Needle[] = [];
  const text = (what: string, value: string) => needles.push({ what, bytes: Buffer.from(value, 'utf8') });
  const binary = (what: string, value: Buffer) => {
    needles.push({ what: `${what} (raw)`, bytes: value });
    text(`${what} (base64)`, value.toString('base64'));
    text(`${what} (hex)`, value.toString('hex'));
  };
  const apiKeys = REFERENCE_CLIENTS.map((c) => c.key);
  assert.ok(report.demo, 'bootstrap created the demo publisher');
  apiKeys.push(report.demo.apiKey);
  for (const key of apiKeys) {
    text(`API key ${key.slice(0, 19)}`, key);
    text(`API key secret part of ${key.slice(0, 19)}`, key.slice(key.indexOf('.') + 1));
  }
  const clients = await store.listClientKeys();
  assert.equal(clients.length, REFERENCE_CLIENTS.length + 1);
  for (const c of clients) binary(`client secret of ${c.keyId}`, c.secret);
  const keys = await store.listKeys();
  assert.ok(keys.length >= 9, 'keys of the reserved, fixture and demo keysets');
  for (const k of keys) binary(`key secret ${k.id}`, k.secret);
  const keypairs = await store.listKeypairs();
  assert.equal(keypairs.length, 2);
  for (const kp of keypairs) {
    text(`CSTG private key ${kp.subscriptionId}`, kp.privateKey);
    binary(
      `CSTG private key DER ${kp.subscriptionId}`,
      Buffer.from(kp.privateKey.slice('UID2-Y-L-'.length), 'base64'),
    );
  }
  const salts = await store.getSaltConfig();
  assert.ok(salts);
  binary('salt seed', salts.seed);
  text('first-level salt', salts.firstLevelSalt);
  text('id secret', salts.idSecret);
  text('partner header credential', PARTNER_TOKEN);
  text('partner secret', PARTNER_SECRET);
  return needles;
}

function assertNoSecret(dump: Buffer, needles: readonly Needle[], where: string): void {
  const found = needles.filter((n) => dump.includes(n.bytes)).map((n) => n.what);
  assert.deepEqual(found, [], `secrets found in ${where}`);
}

/** Proves a dump is real: it does contain what is stored in clear and the sealed secrets. */
function assertDumpHasData(dump: Buffer, where: string): void {
  for (const clear of ['UID2-C-L-999-fCXrMM', 'dsp-with-credentials', '4WvryDGbR5', 'Demo Publisher']) {
    assert.ok(dump.includes(clear), `${where} contains ${clear}`);
  }
  assert.ok(dump.includes('v1.'), `${where} contains sealed secrets`);
}

describe('no secret in a database dump: SQLite', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'uid2-secrets-sqlite-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('the .db, -wal and -shm files and a text dump of every table hold no secret', async () => {
    const { store } = await openStore({ dataDir, masterKey: MASTER_KEY });
    let needles: Needle[];
    try {
      needles = await fillAndCollectSecrets(store);
      const file = join(dataDir, 'uid2.db');
      // The files while the store is open (recent writes live in the WAL)…
      const live = ['', '-wal', '-shm']
        .filter((s) => existsSync(file + s))
        .map((s) => readFileSync(file + s));
      assert.ok(live.length >= 2, 'the database and its WAL');
      assertNoSecret(Buffer.concat(live), needles, 'the live database files');

      // …and after a checkpoint has moved everything into the main file.
      const db = new Database(file);
      try {
        db.pragma('wal_checkpoint(TRUNCATE)');
        const files = Buffer.concat(
          ['', '-wal', '-shm'].filter((s) => existsSync(file + s)).map((s) => readFileSync(file + s)),
        );
        assertDumpHasData(files, 'the checkpointed database file');
        assertNoSecret(files, needles, 'the checkpointed database files');

        // A sqlite3 `.dump`-like text of every table.
        const tables = (
          db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>
        ).map((t) => t.name);
        assert.ok(tables.includes('client_keys') && tables.includes('optout_partners'));
        const parts: Buffer[] = [];
        for (const t of tables) {
          for (const row of db.prepare(`SELECT * FROM "${t}"`).all() as Array<Record<string, unknown>>) {
            for (const v of Object.values(row)) {
              if (Buffer.isBuffer(v)) parts.push(v, Buffer.from(v.toString('hex')));
              else parts.push(Buffer.from(String(v)));
              parts.push(Buffer.from('|'));
            }
          }
        }
        const dump = Buffer.concat(parts);
        assertDumpHasData(dump, 'the table dump');
        assertNoSecret(dump, needles, 'the table dump');
      } finally {
        db.close();
      }
    } finally {
      await store.close();
    }
  });
});

const pgSkip = await postgresSkipReason();

describe('no secret in a database dump: PostgreSQL', { skip: pgSkip }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'uid2-secrets-pg-'));
  const schema = freshSchema('secrets');
  after(async () => {
    rmSync(dataDir, { recursive: true, force: true });
    await dropSchema(schema);
  });

  it('pg_dump of the schema and a row_to_json of every table hold no secret', async () => {
    const { store } = await openStore({ dataDir, databaseUrl: schemaUrl(schema), masterKey: MASTER_KEY });
    try {
      const needles = await fillAndCollectSecrets(store);

      const json = await withAdminClient(async (c) => {
        const tables = (
          await c.query('SELECT table_name FROM information_schema.tables WHERE table_schema = $1', [schema])
        ).rows.map((r: { table_name: string }) => r.table_name);
        assert.ok(tables.includes('client_keys') && tables.includes('optout_partners'));
        const parts: string[] = [];
        for (const t of tables) {
          const rows = await c.query(`SELECT row_to_json(t)::text AS j FROM "${schema}"."${t}" t`);
          for (const r of rows.rows as Array<{ j: string }>) parts.push(r.j);
        }
        return Buffer.from(parts.join('\n'));
      });
      assertDumpHasData(json, 'row_to_json of every table');
      assertNoSecret(json, needles, 'row_to_json of every table');

      let pgDump: string | undefined;
      try {
        pgDump = execFileSync('which', ['pg_dump'], { encoding: 'utf8' }).trim();
      } catch {
        pgDump = undefined;
      }
      if (pgDump) {
        const dump = execFileSync(pgDump, ['--dbname', TEST_DATABASE_URL, '--schema', schema, '--no-owner'], {
          maxBuffer: 256 * 1024 * 1024,
        });
        assertDumpHasData(dump, 'pg_dump');
        assertNoSecret(dump, needles, 'pg_dump');
      }
    } finally {
      await store.close();
    }
  });
});
