// One behavioural suite of the Store interface, run against both engines: SQLite in a temporary
// directory and PostgreSQL in a fresh schema (skipped with a reason when PostgreSQL is unreachable
// on a developer's machine; a failure under CI=true).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  type ClientKeyRecord,
  type DeadLetterRecord,
  type KeypairRecord,
  type KeyRecord,
  type KeysetRecord,
  type OpenedStore,
  type OptOutRecord,
  type OptOutRowSink,
  openStore,
  type PartnerRecord,
  type SaltBucketRecord,
  type SaltConfig,
  type SiteRecord,
  type Store,
  type StoreLocation,
} from '@uid2-ts/server';
import { MIGRATIONS } from '../src/store/migrations.js';
import { parsePostgresUrl } from '../src/store/postgres/connection.js';
import {
  dropSchema,
  freshSchema,
  postgresSkipReason,
  schemaUrl,
  withAdminClient,
} from './helpers/postgres.js';

/** A bulk-read sink that turns either form into the lower-case text row. */
function textSink(rows: string[]): OptOutRowSink {
  return {
    text: (row) => rows.push(row.toLowerCase()),
    bytes: (b, flhAt, flhLength, uidAt, uidLength, ts) =>
      rows.push(
        `${ts},${b.toString('hex', flhAt, flhAt + flhLength)},${b.toString('hex', uidAt, uidAt + uidLength)}`,
      ),
  };
}

type Kind = 'participants' | 'salts' | 'optouts';

interface Engine {
  readonly name: 'sqlite' | 'postgres';
  readonly skip: string | undefined;
  /** A new, empty store location (its own directory, and for PostgreSQL its own schema). */
  location(options?: { masterKey?: string | null }): StoreLocation;
  cleanup(): Promise<void>;
}

const MASTER_KEY = randomBytes(32).toString('base64');
const OTHER_KEY = randomBytes(32).toString('base64');

function makeEngine(name: 'sqlite' | 'postgres', skip: string | undefined): Engine {
  const dirs: string[] = [];
  const schemas: string[] = [];
  return {
    name,
    skip,
    location(options = {}) {
      const dataDir = mkdtempSync(join(tmpdir(), `uid2-store-${name}-`));
      dirs.push(dataDir);
      let databaseUrl: string | undefined;
      if (name === 'postgres') {
        const schema = freshSchema('contract');
        schemas.push(schema);
        databaseUrl = schemaUrl(schema);
      }
      const masterKey = options.masterKey === null ? undefined : (options.masterKey ?? MASTER_KEY);
      return { dataDir, databaseUrl, masterKey };
    },
    async cleanup() {
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
      for (const s of schemas) await dropSchema(s);
    },
  };
}

const engines: Engine[] = [
  makeEngine('sqlite', undefined),
  makeEngine('postgres', await postgresSkipReason()),
];

const site = (id: number, over: Partial<SiteRecord> = {}): SiteRecord => ({
  id,
  name: `site ${id}`,
  description: `described ${id}`,
  enabled: true,
  visible: false,
  clientTypes: ['DSP', 'PUBLISHER'],
  domainNames: ['example.com', 'example.co.uk'],
  appNames: ['com.example.app'],
  created: 1_700_000_000 + id,
  ...over,
});

const clientKey = (keyId: string, over: Partial<ClientKeyRecord> = {}): ClientKeyRecord => ({
  keyId,
  keyHash: randomBytes(64).toString('base64'),
  keySalt: randomBytes(32).toString('base64'),
  secret: randomBytes(32),
  name: `key ${keyId}`,
  contact: 'ops@example.com',
  siteId: 10,
  roles: ['GENERATOR', 'MAPPER', 'LEGACY_ROLE'],
  disabled: false,
  serviceId: 0,
  created: 1_700_000_100,
  ...over,
});

const bucket = (idx: number, over: Partial<SaltBucketRecord> = {}): SaltBucketRecord => ({
  idx,
  generation: 0,
  format: 'salt',
  keyId: 0,
  previousGeneration: null,
  previousFormat: null,
  previousKeyId: null,
  lastUpdatedMs: 1_700_000_000_000 + idx,
  refreshFromMs: 1_800_000_000_000 + idx,
  ...over,
});

const saltConfig = (bucketCount: number): SaltConfig => ({
  firstLevelSalt: randomBytes(32).toString('base64'),
  seed: randomBytes(32),
  idPrefix: 'b',
  idSecret: randomBytes(32).toString('base64'),
  bucketCount,
});

async function waitFor(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

for (const engine of engines) {
  describe(`Store contract: ${engine.name}`, { skip: engine.skip }, () => {
    const opened: OpenedStore[] = [];
    const open = async (location: StoreLocation): Promise<Store> => {
      const o = await openStore(location);
      opened.push(o);
      return o.store;
    };
    let shared: { location: StoreLocation; store: Store } | undefined;
    /** One store for the record round trips (each test uses its own ids). */
    const sharedStore = async (): Promise<Store> => {
      if (!shared) {
        const location = engine.location();
        shared = { location, store: await open(location) };
      }
      return shared.store;
    };

    after(async () => {
      for (const o of opened) await o.store.close();
      await engine.cleanup();
    });

    it('reports its engine, and a location without credentials', async () => {
      const store = await sharedStore();
      assert.equal(store.engine, engine.name);
      if (engine.name === 'postgres') {
        assert.match(store.location, /^postgres:\/\/postgres@.*\?schema=contract_/);
        const parsed = parsePostgresUrl(
          'postgresql://alice:hunter2@db.internal:6543/uid2?schema=prod&sslmode=require',
        );
        assert.equal(parsed.location, 'postgresql://alice@db.internal:6543/uid2?sslmode=require&schema=prod');
        assert.equal(parsed.schema, 'prod');
        assert.equal(parsed.config.options, '-c search_path="prod"');
        assert.throws(
          () => parsePostgresUrl('postgres://h/db?schema=x;drop'),
          /schema must be a plain identifier/,
        );
      } else {
        assert.match(store.location, /uid2\.db$/);
      }
    });

    it('sites: upsert inserts then replaces, list is ordered by id, every write bumps the change version', async () => {
      const store = await sharedStore();
      const v0 = await store.changeVersion();
      await store.upsertSite(site(12));
      await store.upsertSite(site(11, { enabled: false, visible: true, appNames: [], domainNames: [] }));
      const v1 = await store.changeVersion();
      assert.equal(v1, v0 + 2);
      await store.upsertSite(site(12, { name: 'renamed', clientTypes: ['ADVERTISER'], created: 5 }));
      assert.equal(await store.changeVersion(), v1 + 1);
      const sites = (await store.listSites()).filter((s) => s.id === 11 || s.id === 12);
      assert.deepEqual(sites, [
        site(11, { enabled: false, visible: true, appNames: [], domainNames: [] }),
        // `created` is kept from the first insert.
        site(12, { name: 'renamed', clientTypes: ['ADVERTISER'] }),
      ]);
      await assert.rejects(store.upsertSite(site(13, { name: 'renamed' })), /UNIQUE|unique/);
    });

    it('client keys: secrets decrypt back, hashes and roles round-trip, updates replace', async () => {
      const store = await sharedStore();
      const a = clientKey('UID2-C-L-10-aaaaaa');
      const b = clientKey('UID2-C-L-10-bbbbbb', { disabled: true, serviceId: 7, roles: [] });
      const v0 = await store.changeVersion();
      await store.upsertClientKey(b);
      await store.upsertClientKey(a);
      assert.equal(await store.changeVersion(), v0 + 2);
      const listed = (await store.listClientKeys()).filter((k) => k.siteId === 10);
      assert.deepEqual(listed, [a, b]);
      assert.ok(listed[0]?.secret.equals(a.secret));
      const rotated = { ...a, secret: randomBytes(32), keyHash: 'h', keySalt: 's', disabled: true };
      await store.upsertClientKey(rotated);
      const again = (await store.listClientKeys()).find((k) => k.keyId === a.keyId);
      assert.deepEqual(again, rotated);
    });

    it('keysets and keys: round trips, null and empty allowed sites, deleteKeys', async () => {
      const store = await sharedStore();
      const ks: KeysetRecord[] = [
        {
          keysetId: 20,
          siteId: 20,
          name: 'k20',
          allowedSites: null,
          allowedTypes: [],
          created: 1,
          enabled: true,
          isDefault: true,
        },
        {
          keysetId: 21,
          siteId: 20,
          name: 'k21',
          allowedSites: [],
          allowedTypes: ['DSP'],
          created: 2,
          enabled: false,
          isDefault: false,
        },
        {
          keysetId: 22,
          siteId: 20,
          name: 'k22',
          allowedSites: [3, -1, 999],
          allowedTypes: ['DSP', 'DATA_PROVIDER'],
          created: 3,
          enabled: true,
          isDefault: false,
        },
      ];
      for (const k of ks) await store.upsertKeyset(k);
      assert.deepEqual(
        (await store.listKeysets()).filter((k) => k.siteId === 20),
        ks,
      );
      const keys: KeyRecord[] = [201, 202, 203].map((id) => ({
        id,
        keysetId: 21,
        created: 1_700_000_000,
        activates: 1_700_000_000 + id,
        expires: 4_000_000_000, // past 2^31: needs 64-bit columns
        secret: randomBytes(32),
      }));
      const v0 = await store.changeVersion();
      await store.insertKeys(keys);
      assert.equal(await store.changeVersion(), v0 + 1);
      assert.deepEqual(
        (await store.listKeys()).filter((k) => k.keysetId === 21),
        keys,
      );
      await assert.rejects(store.insertKeys([keys[0] as KeyRecord]));
      await store.deleteKeys([201, 203, 999_999]);
      assert.equal(await store.changeVersion(), v0 + 2);
      assert.deepEqual(
        (await store.listKeys()).filter((k) => k.keysetId === 21),
        [keys[1]],
      );
    });

    it('client-side key pairs: the private key decrypts back; upsert replaces', async () => {
      const store = await sharedStore();
      const kp: KeypairRecord = {
        subscriptionId: 'sub30aaaa',
        siteId: 30,
        name: 'kp',
        publicKey: `UID2-X-L-${randomBytes(91).toString('base64')}`,
        privateKey: `UID2-Y-L-${randomBytes(138).toString('base64')}`,
        disabled: false,
        created: 1_700_000_300,
      };
      const v0 = await store.changeVersion();
      await store.upsertKeypair(kp);
      await store.upsertKeypair({ ...kp, subscriptionId: 'sub30bbbb', disabled: true });
      assert.equal(await store.changeVersion(), v0 + 2);
      assert.deepEqual(
        (await store.listKeypairs()).filter((k) => k.siteId === 30),
        [kp, { ...kp, subscriptionId: 'sub30bbbb', disabled: true }],
      );
      await store.upsertKeypair({ ...kp, name: 'renamed', disabled: true });
      assert.equal(
        (await store.listKeypairs()).find((k) => k.subscriptionId === kp.subscriptionId)?.name,
        'renamed',
      );
    });

    it('partners: headers and secret decrypt back, null secret, delete; writes bump the change version', async () => {
      const store = await sharedStore();
      const p: PartnerRecord = {
        name: 'dsp-one',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the partner URL placeholders, not a template
        url: 'https://dsp.example/optout?id=${ADVERTISING_ID}&ts=${OPTOUT_EPOCH}',
        method: 'GET',
        headers: ['Authorization: Bearer partner-token-123', 'X-Other: 1'],
        format: 'reference',
        secret: null,
        batchSize: 1,
        enabled: true,
        created: 1_700_000_400,
      };
      const q: PartnerRecord = {
        ...p,
        name: 'dsp-two',
        method: 'POST',
        headers: [],
        format: 'batch',
        secret: 'hmac-secret',
        batchSize: 500,
        enabled: false,
      };
      const v0 = await store.changeVersion();
      await store.upsertPartner(q);
      await store.upsertPartner(p);
      assert.deepEqual(await store.listPartners(), [p, q]);
      await store.upsertPartner({ ...q, secret: 'rotated', enabled: true });
      await store.deletePartner('dsp-one');
      await store.deletePartner('no-such-partner');
      assert.deepEqual(await store.listPartners(), [{ ...q, secret: 'rotated', enabled: true }]);
      assert.equal(await store.changeVersion(), v0 + 5);
    });

    it('meta: get, set, overwrite; meta writes do not bump the change version', async () => {
      const store = await sharedStore();
      assert.equal(await store.getMeta('contract.meta'), undefined);
      const v0 = await store.changeVersion();
      await store.setMeta('contract.meta', 'one');
      await store.setMeta('contract.meta', 'two');
      assert.equal(await store.getMeta('contract.meta'), 'two');
      assert.equal(await store.changeVersion(), v0);
    });

    it('audit log: appended ids increase; listed newest first, limited, paged with beforeId', async () => {
      const store = await sharedStore();
      const added = [];
      for (let i = 0; i < 5; i++) {
        added.push(
          await store.appendAudit({
            ts: 1_700_000_000_000 + i,
            actor: 'cli:tester',
            action: 'site.update',
            target: `site:${i}`,
            details: { i, nested: { ok: true }, list: ['a'] },
          }),
        );
      }
      for (let i = 1; i < added.length; i++) assert.ok((added[i]?.id ?? 0) > (added[i - 1]?.id ?? 0));
      const newest = added.slice().reverse();
      assert.deepEqual(await store.listAudit({ limit: 3 }), newest.slice(0, 3));
      assert.deepEqual(
        await store.listAudit({ limit: 10, beforeId: newest[2]?.id as number }),
        newest.slice(3),
      );
      assert.deepEqual(await store.listAudit({ limit: 10, beforeId: added[0]?.id as number }), []);
    });

    it('salts: init in one transaction, streamed in index order across pages, updates bump salt_version', async () => {
      const store = await open(engine.location());
      assert.equal(await store.getSaltConfig(), undefined);
      assert.equal(await store.getMeta('salt_version'), undefined);
      const count = 120_003; // more than two 50,000-row pages
      const config = saltConfig(count);
      const v0 = await store.changeVersion();
      function* buckets(): Generator<SaltBucketRecord> {
        for (let i = 0; i < count; i++) {
          yield bucket(i, i % 2 === 1 ? { format: 'key', keyId: i + 1 } : {});
        }
      }
      await store.initSalts(config, buckets());
      assert.deepEqual(await store.getSaltConfig(), config);
      assert.equal(await store.getMeta('salt_version'), '1');
      assert.equal(await store.changeVersion(), v0 + 1);

      let n = 0;
      let mismatch: string | undefined;
      await store.forEachSaltBucket((b) => {
        const want = bucket(n, n % 2 === 1 ? { format: 'key', keyId: n + 1 } : {});
        if (mismatch === undefined && JSON.stringify(b) !== JSON.stringify(want)) {
          mismatch = `${JSON.stringify(b)} != ${JSON.stringify(want)}`;
        }
        n++;
      });
      assert.equal(mismatch, undefined);
      assert.equal(n, count);

      const rotated = [
        bucket(5, {
          generation: 3,
          format: 'key',
          keyId: 9_000_001,
          previousGeneration: 2,
          previousFormat: 'salt',
          previousKeyId: 0,
          lastUpdatedMs: 1_900_000_000_000,
          refreshFromMs: 1_900_086_400_000,
        }),
        bucket(count - 1, {
          generation: 1,
          previousGeneration: 0,
          previousFormat: 'key',
          previousKeyId: count,
        }),
      ];
      await store.updateSaltBuckets(rotated);
      assert.equal(await store.getMeta('salt_version'), '2');
      assert.equal(await store.changeVersion(), v0 + 2);
      const seen = new Map<number, SaltBucketRecord>();
      await store.forEachSaltBucket((b) => {
        if (b.idx === 5 || b.idx === count - 1 || b.idx === 6) seen.set(b.idx, b);
      });
      assert.deepEqual(seen.get(5), rotated[0]);
      assert.deepEqual(seen.get(count - 1), rotated[1]);
      assert.deepEqual(seen.get(6), bucket(6));
      await assert.rejects(store.initSalts(config, [bucket(0)]));
      assert.equal(await store.getMeta('salt_version'), '2', 'a failed init changes nothing');
    });

    it('opt-outs: append returns increasing seqs, listAfter pages with cursors, durable across close/reopen', async () => {
      const location = engine.location();
      const store = await open(location);
      assert.deepEqual(await store.appendOptOuts([]), []);
      const v0 = await store.changeVersion();
      const batch = Array.from({ length: 7 }, (_, i) => ({
        firstLevelHash: randomBytes(32),
        advertisingId: randomBytes(i % 2 === 0 ? 33 : 32),
        timestamp: 1_700_000_000 + i,
      }));
      const first = await store.appendOptOuts(batch.slice(0, 4));
      const second = await store.appendOptOuts(batch.slice(4));
      const all = [...first, ...second];
      assert.deepEqual(
        all.map(({ seq: _seq, ...o }) => o),
        batch,
      );
      for (let i = 1; i < all.length; i++) assert.ok((all[i]?.seq ?? 0) > (all[i - 1]?.seq ?? 0));
      assert.equal(await store.changeVersion(), v0, 'opt-outs have their own cursor, not the change version');

      assert.deepEqual(await store.listOptOutsAfter(0, 100), all);
      const page1 = await store.listOptOutsAfter(0, 3);
      assert.deepEqual(page1, all.slice(0, 3));
      const page2 = await store.listOptOutsAfter(page1[2]?.seq as number, 3);
      assert.deepEqual(page2, all.slice(3, 6));
      assert.deepEqual(await store.listOptOutsAfter(page2[2]?.seq as number, 3), all.slice(6));
      assert.deepEqual(await store.listOptOutsAfter(all[6]?.seq as number, 3), []);

      await store.close();
      const reopened = await open(location);
      assert.deepEqual(await reopened.listOptOutsAfter(0, 100), all);
      const more = await reopened.appendOptOuts([batch[0] as (typeof batch)[number]]);
      assert.ok((more[0]?.seq ?? 0) > (all[6]?.seq ?? 0));

      // The bulk read: one text row per opt-out after the cursor, in seq order; the seq reached.
      const rowOf = (o: OptOutRecord) =>
        `${o.timestamp},${o.firstLevelHash.toString('hex')},${o.advertisingId.toString('hex')}`;
      const scan = async (after: number) => {
        const rows: string[] = [];
        const reached = await reopened.scanOptOutRows(after, textSink(rows));
        return { rows, reached };
      };
      const everything = [...all, ...more];
      const last = more[0]?.seq as number;
      assert.deepEqual(await scan(0), { rows: everything.map(rowOf), reached: last });
      assert.deepEqual(await scan(all[4]?.seq as number), {
        rows: everything.slice(5).map(rowOf),
        reached: last,
      });
      assert.deepEqual(await scan(last), { rows: [], reached: last });
    });

    it('opt-out client-IP hashes: written with the append, listed by seq, purged by age', async () => {
      const store = await open(engine.location());
      const T = 1_700_000_000;
      const optOut = (ts: number, clientIpHash?: Buffer) => ({
        firstLevelHash: randomBytes(32),
        advertisingId: randomBytes(32),
        timestamp: ts,
        ...(clientIpHash === undefined ? {} : { clientIpHash }),
      });
      const hashes = [randomBytes(32), randomBytes(32), randomBytes(32)];
      const appended = await store.appendOptOuts([
        optOut(T - 40 * 86_400, hashes[0]),
        optOut(T - 31 * 86_400),
        optOut(T - 29 * 86_400, hashes[1]),
      ]);
      const [one] = await store.appendOptOuts([optOut(T, hashes[2])]);
      // The hash is not part of the opt-out record.
      for (const r of [...appended, one]) assert.ok(r && !('clientIpHash' in r));
      assert.deepEqual(await store.listOptOutsAfter(0, 10), [...appended, one]);
      const seqs = [appended[0]?.seq, appended[2]?.seq, one?.seq] as number[];
      const rows = await store.listOptOutClientIps({ limit: 10 });
      assert.deepEqual(rows, [
        { seq: seqs[0], ipHash: hashes[0], timestamp: T - 40 * 86_400 },
        { seq: seqs[1], ipHash: hashes[1], timestamp: T - 29 * 86_400 },
        { seq: seqs[2], ipHash: hashes[2], timestamp: T },
      ]);
      assert.deepEqual(await store.listOptOutClientIps({ afterSeq: seqs[0], limit: 1 }), rows.slice(1, 2));

      // Retention of 30 days at time T: only the 40-day-old hash goes; opt-outs themselves stay.
      assert.equal(await store.purgeOptOutClientIps(T - 30 * 86_400), 1);
      assert.deepEqual(await store.listOptOutClientIps({ limit: 10 }), rows.slice(1));
      assert.equal(await store.purgeOptOutClientIps(T - 30 * 86_400), 0);
      assert.equal((await store.listOptOutsAfter(0, 10)).length, 4);
      assert.equal(await store.purgeOptOutClientIps(T + 1), 2);
      assert.deepEqual(await store.listOptOutClientIps({ limit: 10 }), []);
    });

    it('concurrent opt-out appends: no seq is lost or skipped by a cursor', async () => {
      const store = await open(engine.location());
      const writes = Array.from({ length: 20 }, (_, i) =>
        store.appendOptOuts([
          { firstLevelHash: randomBytes(32), advertisingId: randomBytes(33), timestamp: i },
          { firstLevelHash: randomBytes(32), advertisingId: randomBytes(33), timestamp: i },
        ]),
      );
      const results = (await Promise.all(writes)).flat();
      const listed = await store.listOptOutsAfter(0, 1000);
      assert.equal(listed.length, 40);
      assert.deepEqual(
        listed.map((o) => o.seq),
        results.map((o) => o.seq).sort((a, b) => a - b),
      );
    });

    it('partner cursors: 0 before the first advance, never move backwards, durable across reopen', async () => {
      const location = engine.location();
      const store = await open(location);
      assert.equal(await store.getPartnerCursor('dsp-a'), 0);
      await store.advancePartnerCursor('dsp-a', 5);
      await store.advancePartnerCursor('dsp-b', 2);
      await store.advancePartnerCursor('dsp-a', 3);
      assert.equal(await store.getPartnerCursor('dsp-a'), 5);
      await store.advancePartnerCursor('dsp-a', 9);
      await store.close();
      const reopened = await open(location);
      assert.equal(await reopened.getPartnerCursor('dsp-a'), 9);
      assert.equal(await reopened.getPartnerCursor('dsp-b'), 2);
      assert.equal(await reopened.getPartnerCursor('dsp-c'), 0);
    });

    it('dead letters: add, list in seq order, re-add replaces, replay marks some or all, remove', async () => {
      const store = await open(engine.location());
      const letter = (partner: string, seq: number, attempts = 20) => ({
        partner,
        seq,
        advertisingId: Buffer.alloc(32, seq),
        timestamp: 1_700_000_000 + seq,
        attempts,
        lastError: 'HTTP 503',
        created: 1_700_000_000_000 + seq,
      });
      await store.addDeadLetters([]);
      await store.addDeadLetters([letter('dsp-a', 7), letter('dsp-a', 3), letter('dsp-b', 3)]);
      const listed = await store.listDeadLetters('dsp-a');
      assert.deepEqual(
        listed.map(({ id: _id, ...d }) => d),
        [
          { ...letter('dsp-a', 3), replay: false },
          { ...letter('dsp-a', 7), replay: false },
        ],
      );
      const [three, seven] = listed as [DeadLetterRecord, DeadLetterRecord];
      assert.deepEqual(await store.listDeadLetters('dsp-a', { replayOnly: true }), []);
      assert.equal((await store.listDeadLetters('dsp-a', { limit: 1 })).length, 1);

      assert.equal(await store.requestDeadLetterReplay('dsp-a', [seven.id]), 1);
      assert.deepEqual(await store.listDeadLetters('dsp-a', { replayOnly: true }), [
        { ...seven, replay: true },
      ]);
      assert.equal(await store.requestDeadLetterReplay('dsp-b', [seven.id]), 0, 'ids are per partner');
      assert.equal(await store.requestDeadLetterReplay('dsp-a', 'all'), 2);
      // Dead-lettered again (the replay failed): attempts and error replaced, replay cleared, same id.
      await store.addDeadLetters([{ ...letter('dsp-a', 3, 4), lastError: 'HTTP 400' }]);
      const again = await store.listDeadLetters('dsp-a');
      assert.deepEqual(again, [
        { ...three, attempts: 4, lastError: 'HTTP 400', replay: false },
        { ...seven, replay: true },
      ]);
      await store.removeDeadLetters('dsp-a', [seven.id]);
      await store.removeDeadLetters('dsp-b', [three.id]);
      assert.deepEqual(
        (await store.listDeadLetters('dsp-a')).map((d) => d.seq),
        [3],
      );
      assert.deepEqual(
        (await store.listDeadLetters('dsp-b')).map((d) => d.seq),
        [3],
      );
    });

    it('migrations: reopening is idempotent and keeps the data; several openers at once are safe', async () => {
      const location = engine.location();
      const first = await open(location);
      await first.upsertSite(site(40));
      await first.close();
      const second = await open(location);
      const third = await open(location);
      assert.deepEqual(await second.listSites(), [site(40)]);
      assert.deepEqual(await third.listSites(), [site(40)]);
      if (engine.name === 'postgres') {
        // Three processes' worth of openers racing on an empty schema.
        const fresh = engine.location();
        const racers = await Promise.all([open(fresh), open(fresh), open(fresh)]);
        await racers[0]?.upsertSite(site(41));
        assert.deepEqual(await racers[2]?.listSites(), [site(41)]);
        const url = fresh.databaseUrl as string;
        const schema = new URL(url).searchParams.get('schema') as string;
        const versions = await withAdminClient(
          async (c) =>
            (await c.query(`SELECT version FROM "${schema}".schema_migrations ORDER BY version`)).rows,
        );
        assert.deepEqual(
          versions.map((r: { version: number }) => r.version),
          MIGRATIONS.map((m) => m.version),
        );
      }
    });

    it('master key: a key file (0600) is created for an empty store; a wrong key is refused', async () => {
      const location = engine.location({ masterKey: null });
      const o = await openStore(location);
      const keyFile = join(location.dataDir, 'master.key');
      assert.equal(o.masterKeyCreated, true);
      assert.equal(o.masterKeyFile, keyFile);
      assert.equal(statSync(keyFile).mode & 0o777, 0o600);
      await o.store.upsertClientKey(clientKey('UID2-C-L-50-cccccc'));
      await o.store.close();

      const again = await openStore(location);
      assert.equal(again.masterKeyCreated, false);
      assert.equal((await again.store.listClientKeys())[0]?.keyId, 'UID2-C-L-50-cccccc');
      await again.store.close();

      await assert.rejects(openStore({ ...location, masterKey: OTHER_KEY }), {
        name: 'MasterKeyError',
        message: /does not match the one this store was created with/,
      });
    });

    it('master key: no key file is created for a non-empty store', async () => {
      // Created with UID2_MASTER_KEY: there is no key file, and the store holds data.
      const location = engine.location();
      const o = await openStore(location);
      await o.store.upsertSite(site(60));
      await o.store.close();
      const keyFile = join(location.dataDir, 'master.key');
      await assert.rejects(openStore({ ...location, masterKey: undefined }), {
        name: 'MasterKeyError',
        message: /does not exist, but the store already holds data/,
      });
      assert.equal(existsSync(keyFile), false);

      // A key file lost after the fact is not re-created either.
      const withFile = engine.location({ masterKey: null });
      const p = await openStore(withFile);
      await p.store.close();
      unlinkSync(join(withFile.dataDir, 'master.key'));
      await assert.rejects(openStore(withFile), { name: 'MasterKeyError' });
      assert.equal(existsSync(join(withFile.dataDir, 'master.key')), false);
    });

    if (engine.name === 'sqlite') {
      it('change notifications and leadership: the embedded store polls and always leads', async () => {
        const store = await sharedStore();
        const seen: Kind[] = [];
        const unsubscribe = store.onChange((k) => seen.push(k));
        await store.upsertSite(site(70));
        unsubscribe();
        assert.deepEqual(seen, []);
        assert.equal(await store.tryLeadership('jobs'), true);
        assert.equal(await store.tryLeadership('jobs'), true);
      });
    } else {
      it('onChange: notifications reach another store instance, by kind', async () => {
        const location = engine.location();
        const writer = await open(location);
        const reader = await open(location);
        const seen: Kind[] = [];
        const unsubscribe = reader.onChange((k) => seen.push(k));
        await waitFor(() => (reader as Store & { listening?: boolean }).listening === true, 'LISTEN');

        await writer.upsertSite(site(80));
        await waitFor(() => seen.includes('participants'), 'a participants notification');
        await writer.initSalts(saltConfig(4), [bucket(0), bucket(1), bucket(2), bucket(3)]);
        await waitFor(() => seen.includes('salts'), 'a salts notification');
        await writer.appendOptOuts([
          { firstLevelHash: randomBytes(32), advertisingId: randomBytes(33), timestamp: 1 },
        ]);
        await waitFor(() => seen.includes('optouts'), 'an optouts notification');

        // A rolled-back write notifies nobody.
        seen.length = 0;
        await assert.rejects(writer.upsertSite(site(81, { name: 'site 80' })));
        await writer.setMeta('probe', 'x');
        await writer.upsertKeyset({
          keysetId: 80,
          siteId: 80,
          name: 'k',
          allowedSites: null,
          allowedTypes: [],
          created: 1,
          enabled: true,
          isDefault: true,
        });
        await waitFor(() => seen.length > 0, 'the keyset notification');
        assert.deepEqual(seen, ['participants']);

        unsubscribe();
        seen.length = 0;
        await writer.upsertSite(site(82));
        await new Promise((r) => setTimeout(r, 200));
        assert.deepEqual(seen, []);
      });

      it('onChange: the listener reconnects after its connection is killed and reports every kind', async () => {
        const location = engine.location();
        const writer = await open(location);
        const reader = await open(location);
        const seen: Kind[] = [];
        const unsubscribe = reader.onChange((k) => seen.push(k));
        const listening = () => (reader as Store & { listening?: boolean }).listening === true;
        await waitFor(listening, 'LISTEN');
        await withAdminClient((c) =>
          c.query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = 'LISTEN uid2_changes' AND pid <> pg_backend_pid()",
          ),
        );
        await waitFor(
          () => ['participants', 'salts', 'optouts'].every((k) => seen.includes(k as Kind)),
          'resync',
        );
        await waitFor(listening, 'LISTEN again');
        seen.length = 0;
        await writer.upsertSite(site(90));
        await waitFor(() => seen.includes('participants'), 'a notification after reconnecting');
        unsubscribe();
      });

      it('scanOptOutRows (binary COPY): every row once, in seq order, across sequence gaps; the connection is reused', async () => {
        const location = engine.location();
        const url = location.databaseUrl as string;
        const store = await open(location);
        const schema = new URL(url).searchParams.get('schema') as string;
        const optOut = (i: number) => ({
          firstLevelHash: randomBytes(32),
          advertisingId: randomBytes(i % 2 === 0 ? 33 : 32),
          timestamp: i === 3 ? 2 ** 40 : 1_700_000_000 + i,
        });
        const appended = [...(await store.appendOptOuts(Array.from({ length: 5 }, (_, i) => optOut(i))))];
        // A rolled-back append leaves a gap of sequence numbers.
        await withAdminClient(async (c) => {
          await c.query('BEGIN');
          await c.query(
            `INSERT INTO "${schema}".optouts (flh, advertising_id, ts)
             SELECT sha256(int8send(i)), sha256(int8send(-i)), i FROM generate_series(1, 4) AS i`,
          );
          await c.query('ROLLBACK');
        });
        // Enough rows that the stream arrives in several chunks (rows split between chunks).
        appended.push(...(await store.appendOptOuts(Array.from({ length: 3000 }, (_, i) => optOut(5 + i)))));
        const rowOf = (o: OptOutRecord) =>
          `${o.timestamp},${o.firstLevelHash.toString('hex')},${o.advertisingId.toString('hex')}`;
        const last = appended[appended.length - 1]?.seq as number;
        for (const from of [0, 4, (appended[5]?.seq as number) - 1, last - 1, last]) {
          const rows: string[] = [];
          const reached = await store.scanOptOutRows(from, textSink(rows));
          assert.deepEqual(
            { rows, reached },
            { rows: appended.filter((o) => o.seq > from).map(rowOf), reached: last },
            `scan after seq ${from}`,
          );
        }
        // A sink that fails stops the scan with its error; the store goes on working.
        await assert.rejects(
          store.scanOptOutRows(0, {
            text: () => undefined,
            bytes: () => {
              throw new Error('sink failed');
            },
          }),
          /sink failed/,
        );
        assert.equal((await store.listOptOutsAfter(0, 10_000)).length, appended.length);
      });

      it('tryLeadership: exclusive across instances, re-entrant for the holder, passed over on close', async () => {
        const location = engine.location();
        const a = await open(location);
        const b = await open(location);
        assert.equal(await a.tryLeadership('jobs'), true);
        assert.equal(await a.tryLeadership('jobs'), true);
        assert.equal(await b.tryLeadership('jobs'), false);
        assert.equal(await b.tryLeadership('other-job'), true);
        assert.equal(await a.tryLeadership('other-job'), false);
        // Another schema (another deployment) has its own leader.
        const elsewhere = await open(engine.location());
        assert.equal(await elsewhere.tryLeadership('jobs'), true);

        await a.close();
        await waitFor(() => b.tryLeadership('jobs'), 'leadership to pass to the other instance');
        assert.equal(await b.tryLeadership('jobs'), true);
      });

      it('tryLeadership: a lost leadership connection loses leadership; the next call tries again', async () => {
        const location = engine.location();
        const a = await open(location);
        const b = await open(location);
        assert.equal(await a.tryLeadership('jobs'), true);
        const schema = new URL(location.databaseUrl as string).searchParams.get('schema') as string;
        await withAdminClient((c) =>
          c.query(
            `SELECT pg_terminate_backend(l.pid) FROM pg_locks l
             WHERE l.locktype = 'advisory' AND l.granted AND l.pid <> pg_backend_pid()
               AND l.objid::bigint = (hashtext($1 || ':jobs')::bigint & 4294967295)`,
            [schema],
          ),
        );
        await waitFor(() => b.tryLeadership('jobs'), 'the other instance to lead');
        assert.equal(await a.tryLeadership('jobs'), false);
        await b.close();
        await waitFor(() => a.tryLeadership('jobs'), 'the first instance to lead again');
      });
    }
  });
}
