// POST /v2/key/sharing, /v2/key/bidstream and /v2/key/latest against a live operator with the
// reference fixtures (api.md §7, tokens-and-keys.md §5.4–§5.6).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { KeyRecord, KeysetRecord, Store } from '@uid2-ts/server';
import {
  addTestClient,
  FIXTURE,
  rawPost,
  startTestOperator,
  type TestOperator,
  v2Call,
} from './helpers/operator.js';

type Creds = { key: string; secret: string };
type KeyJson = {
  id: number;
  created: number;
  activates: number;
  expires: number;
  secret: string;
  keyset_id?: number;
  site_id?: number;
};
type SiteData = Array<{ id: number; domain_names: string[] }>;

const MASTER_FOR_SDKS = 9999999;
const SHARING_FIELDS = [
  'caller_site_id',
  'master_keyset_id',
  'default_keyset_id',
  'token_expiry_seconds',
  'max_sharing_lifetime_seconds',
  'identity_scope',
  'allow_clock_skew_seconds',
  'keys',
  'site_data',
];

function keyRecord(id: number, keysetId: number, activates: number, expires: number): KeyRecord {
  return { id, keysetId, created: activates, activates, expires, secret: randomBytes(32) };
}

function keysetRecord(
  keysetId: number,
  siteId: number,
  allowedSites: number[] | null,
  enabled = true,
  isDefault = false,
): KeysetRecord {
  return {
    keysetId,
    siteId,
    name: `test keyset ${keysetId}`,
    allowedSites,
    allowedTypes: [],
    created: Math.floor(Date.now() / 1000),
    enabled,
    isDefault,
  };
}

/**
 * The test's own statement of the §5.1 access rule over what the store holds, in ascending id
 * order, with each key's keyset (to check `keyset_id`/`site_id`).
 */
async function visibleKeys(
  store: Store,
  siteId: number,
  idReader: boolean,
): Promise<Array<{ key: KeyRecord; keyset: KeysetRecord }>> {
  const [keys, keysets] = await Promise.all([store.listKeys(), store.listKeysets()]);
  const byId = new Map(keysets.map((k) => [k.keysetId, k]));
  const out: Array<{ key: KeyRecord; keyset: KeysetRecord }> = [];
  for (const key of keys) {
    const keyset = byId.get(key.keysetId);
    if (keyset === undefined || keyset.keysetId === -2) continue;
    const visible =
      keyset.keysetId === -1 ||
      (keyset.enabled &&
        (keyset.siteId === siteId ||
          (keyset.allowedSites === null ? idReader : keyset.allowedSites.includes(siteId))));
    if (visible) out.push({ key, keyset });
  }
  return out.sort((a, b) => a.key.id - b.key.id);
}

function plainKey(k: KeyRecord): KeyJson {
  return {
    id: k.id,
    created: k.created,
    activates: k.activates,
    expires: k.expires,
    secret: k.secret.toString('base64'),
  };
}

function bodyOf<T>(r: { httpStatus: number; json: Record<string, unknown> | undefined }): T {
  assert.equal(r.httpStatus, 200);
  assert.equal(r.json?.status, 'success');
  return r.json?.body as T;
}

const keysetIdsOf = (keys: readonly KeyJson[], all: Map<number, number>) =>
  [...new Set(keys.map((k) => all.get(k.id)))].sort((a, b) => (a ?? 0) - (b ?? 0));

describe('key endpoints with the reference fixtures (CSTG on, UID2, default settings)', () => {
  let op: TestOperator;
  let store: Store;
  let demoSite: number;
  /** key id → keyset id, as the store holds it. */
  let keysetOfKey: Map<number, number>;
  before(async () => {
    op = await startTestOperator();
    store = op.system.store;
    demoSite = op.system.bootstrap.demo?.siteId as number;
    keysetOfKey = new Map((await store.listKeys()).map((k) => [k.id, k.keysetId]));
  });
  after(async () => op?.close());

  const call = (path: string, creds: Creds, payload?: object) => v2Call(op.baseUrl, path, payload, creds);

  describe('POST /v2/key/sharing', () => {
    it('site 999 (SHARER + ID_READER): header fields, own and master keyset ids, every allow-all keyset', async () => {
      const body = bodyOf<Record<string, unknown>>(await call('/v2/key/sharing', FIXTURE.all));
      assert.deepEqual(Object.keys(body), SHARING_FIELDS);
      assert.equal(body.caller_site_id, 999);
      assert.equal(body.master_keyset_id, MASTER_FOR_SDKS);
      assert.equal(body.default_keyset_id, 9991);
      assert.equal(body.token_expiry_seconds, '2592000');
      assert.equal(body.max_sharing_lifetime_seconds, 2592010);
      assert.equal(body.identity_scope, 'UID2');
      assert.equal(body.allow_clock_skew_seconds, 1800);
      const keys = body.keys as KeyJson[];
      // Master, fallback (2), demo, and every fixture site's keyset: never the refresh keyset.
      assert.deepEqual(keysetIdsOf(keys, keysetOfKey), [-1, 2, 3, 501, 901, 1241, 1251, 1261, 9991]);
      const expected = (await visibleKeys(store, 999, true)).map(({ key, keyset }) => {
        const json = plainKey(key);
        if (keyset.siteId === 999) json.keyset_id = key.keysetId;
        else if (key.keysetId === -1) json.keyset_id = MASTER_FOR_SDKS;
        return json;
      });
      assert.deepEqual(keys, expected);
      const master = keys.find((k) => keysetOfKey.get(k.id) === -1) as KeyJson;
      assert.deepEqual(Object.keys(master), ['id', 'created', 'activates', 'expires', 'secret', 'keyset_id']);
      assert.equal(master.keyset_id, MASTER_FOR_SDKS);
      assert.equal(keys.find((k) => keysetOfKey.get(k.id) === 9991)?.keyset_id, 9991);
      assert.equal(
        keys.find((k) => keysetOfKey.get(k.id) === 501)?.keyset_id,
        undefined,
        'keys of other sites carry no keyset_id',
      );
      // site_data: owners of the listed keys that have domain names (app names are not merged by default).
      assert.deepEqual(body.site_data as SiteData, [
        { id: demoSite, domain_names: ['localhost'] },
        { id: 123, domain_names: ['localhost', 'uidapi.com'] },
        { id: 127, domain_names: ['example.com', 'unifiedid.com'] },
        { id: 999, domain_names: ['localhost'] },
      ]);
    });

    it('site 125 (SHARER only): master and own keyset only — allow-all keysets are for ID_READERs', async () => {
      const body = bodyOf<Record<string, unknown>>(await call('/v2/key/sharing', FIXTURE.dataProvider));
      assert.deepEqual(Object.keys(body), SHARING_FIELDS);
      assert.equal(body.caller_site_id, 125);
      assert.equal(body.default_keyset_id, 1251);
      assert.equal(body.max_sharing_lifetime_seconds, 2592010);
      const keys = body.keys as KeyJson[];
      assert.deepEqual(keysetIdsOf(keys, keysetOfKey), [-1, 1251]);
      for (const k of keys) {
        assert.equal(k.keyset_id, keysetOfKey.get(k.id) === -1 ? MASTER_FOR_SDKS : 1251);
      }
      assert.deepEqual(body.site_data, []);
    });

    it('site 123 (ID_READER only): no max_sharing_lifetime_seconds, own keyset 501 labelled', async () => {
      const body = bodyOf<Record<string, unknown>>(await call('/v2/key/sharing', FIXTURE.dsp));
      assert.deepEqual(
        Object.keys(body),
        SHARING_FIELDS.filter((f) => f !== 'max_sharing_lifetime_seconds'),
      );
      assert.equal(body.default_keyset_id, 501);
      const keys = body.keys as KeyJson[];
      assert.deepEqual(
        keys.map((k) => k.id),
        (await visibleKeys(store, 123, true)).map((v) => v.key.id),
      );
      for (const k of keys) {
        const ks = keysetOfKey.get(k.id);
        assert.equal(k.keyset_id, ks === -1 ? MASTER_FOR_SDKS : ks === 501 ? 501 : undefined);
      }
    });

    it('ignores the request JSON, answers binary requests in binary, and repeats itself exactly', async () => {
      const empty = await call('/v2/key/sharing', FIXTURE.all);
      const withJson = await call('/v2/key/sharing', FIXTURE.all, { anything: [1, 2, 3], keyset_id: 5 });
      const binary = await v2Call(op.baseUrl, '/v2/key/sharing', {}, FIXTURE.all, { binary: true });
      assert.equal(binary.contentType, 'application/octet-stream');
      assert.equal(empty.contentType, 'text/plain');
      assert.equal(withJson.text, empty.text);
      assert.equal(binary.text, empty.text);
    });

    it('401 {"status":"unauthorized"} for callers without SHARER or ID_READER', async () => {
      for (const creds of [FIXTURE.publisher, FIXTURE.advertiser, FIXTURE.optout]) {
        const r = await call('/v2/key/sharing', creds);
        assert.deepEqual([r.httpStatus, r.json], [401, { status: 'unauthorized' }]);
      }
    });
  });

  describe('POST /v2/key/bidstream', () => {
    it('DSP 123: lifetime + 10, scope, skew, keys without keyset_id, site_data', async () => {
      const body = bodyOf<Record<string, unknown>>(await call('/v2/key/bidstream', FIXTURE.dsp));
      assert.deepEqual(Object.keys(body), [
        'max_bidstream_lifetime_seconds',
        'identity_scope',
        'allow_clock_skew_seconds',
        'keys',
        'site_data',
      ]);
      assert.equal(body.max_bidstream_lifetime_seconds, 259210);
      assert.equal(body.identity_scope, 'UID2');
      assert.equal(body.allow_clock_skew_seconds, 1800);
      const expected = (await visibleKeys(store, 123, true)).map(({ key }) => plainKey(key));
      assert.deepEqual(body.keys, expected);
      for (const k of body.keys as KeyJson[]) assert.equal('keyset_id' in k, false);
      assert.deepEqual(body.site_data as SiteData, [
        { id: demoSite, domain_names: ['localhost'] },
        { id: 123, domain_names: ['localhost', 'uidapi.com'] },
        { id: 127, domain_names: ['example.com', 'unifiedid.com'] },
        { id: 999, domain_names: ['localhost'] },
      ]);
    });

    it('401 without ID_READER (SHARER alone is not enough)', async () => {
      for (const creds of [FIXTURE.dataProvider, FIXTURE.publisher, FIXTURE.advertiser]) {
        const r = await call('/v2/key/bidstream', creds);
        assert.deepEqual([r.httpStatus, r.json], [401, { status: 'unauthorized' }]);
      }
    });
  });

  describe('POST /v2/key/latest (legacy)', () => {
    it('a bare array of the accessible keys with their keyset owner site', async () => {
      const r = await call('/v2/key/latest', FIXTURE.dsp);
      const body = bodyOf<KeyJson[]>(r);
      assert.ok(Array.isArray(body));
      const expected = (await visibleKeys(store, 123, true)).map(({ key, keyset }) => ({
        ...plainKey(key),
        site_id: keyset.siteId,
      }));
      assert.deepEqual(body, expected);
      assert.deepEqual(Object.keys(body[0] as KeyJson), [
        'id',
        'created',
        'activates',
        'expires',
        'secret',
        'site_id',
      ]);
      assert.equal(body.find((k) => keysetOfKey.get(k.id) === -1)?.site_id, -1);
      assert.equal(body.find((k) => keysetOfKey.get(k.id) === 1241)?.site_id, 124);
    });

    it('401 without ID_READER', async () => {
      const r = await call('/v2/key/latest', FIXTURE.dataProvider);
      assert.deepEqual([r.httpStatus, r.json], [401, { status: 'unauthorized' }]);
    });

    it('401 invalid_client for a caller whose site id is not above 2 (after the envelope check)', async () => {
      const site2 = await addTestClient(store, 2, ['ID_READER']);
      await op.system.snapshots.refresh();
      const r = await call('/v2/key/latest', site2);
      assert.equal(r.httpStatus, 401);
      assert.match(r.contentType ?? '', /^application\/json/);
      assert.deepEqual(r.json, { status: 'invalid_client', message: 'Unexpected client site id 2' });
      // The same caller is fine on the other key endpoints.
      assert.equal((await call('/v2/key/bidstream', site2)).httpStatus, 200);
      // Envelope problems are reported first.
      const bad = await rawPost(op.baseUrl, '/v2/key/latest', 'AAAA', {
        authorization: `Bearer ${site2.key}`,
      });
      assert.equal(bad.httpStatus, 400);
      assert.equal(JSON.parse(bad.text).status, 'client_error');
    });
  });

  describe('access rules and snapshot changes', () => {
    it('bodies are per site and role set: an ID_READER key of site 125 sees more than its SHARER key', async () => {
      const reader125 = await addTestClient(store, 125, ['ID_READER']);
      await op.system.snapshots.refresh();
      const asReader = bodyOf<Record<string, unknown>>(await call('/v2/key/sharing', reader125));
      const asSharer = bodyOf<Record<string, unknown>>(await call('/v2/key/sharing', FIXTURE.dataProvider));
      assert.equal('max_sharing_lifetime_seconds' in asReader, false);
      assert.equal(asSharer.max_sharing_lifetime_seconds, 2592010);
      assert.deepEqual(
        (asReader.keys as KeyJson[]).map((k) => k.id),
        (await visibleKeys(store, 125, true)).map((v) => v.key.id),
      );
      assert.deepEqual(keysetIdsOf(asSharer.keys as KeyJson[], keysetOfKey), [-1, 1251]);
    });

    it('allowed_sites lists, disabled keysets, unknown keysets, refresh keys and key windows', async () => {
      const before = bodyOf<Record<string, unknown>>(await call('/v2/key/sharing', FIXTURE.dataProvider));
      const nowS = Math.floor(Date.now() / 1000);
      const maxId = (await store.listKeys()).reduce((m, k) => Math.max(m, k.id), 0);
      await store.upsertKeyset(keysetRecord(7001, 126, [125])); // shared with 125 by list
      await store.upsertKeyset(keysetRecord(7002, 126, null, false)); // disabled
      await store.upsertKeyset(keysetRecord(7003, 126, [])); // shared with nobody
      await store.insertKeys([
        keyRecord(maxId + 1, 7001, nowS - 10, nowS + 1000),
        keyRecord(maxId + 2, 7002, nowS - 10, nowS + 1000),
        keyRecord(maxId + 3, 7003, nowS - 10, nowS + 1000),
        keyRecord(maxId + 4, 7777, nowS - 10, nowS + 1000), // keyset unknown
        keyRecord(maxId + 5, -2, nowS - 10, nowS + 1000), // refresh
        keyRecord(maxId + 6, 1251, nowS + 86_400, nowS + 2 * 86_400), // not yet active
        keyRecord(maxId + 7, 1251, nowS - 2 * 86_400, nowS - 86_400), // expired
      ]);
      await op.system.snapshots.refresh();
      const after = bodyOf<Record<string, unknown>>(await call('/v2/key/sharing', FIXTURE.dataProvider));
      assert.notDeepEqual(after.keys, before.keys, 'a new snapshot gives a new body');
      const keys125 = after.keys as KeyJson[];
      const ids125 = keys125.map((k) => k.id);
      assert.ok(ids125.includes(maxId + 1), 'listed in allowed_sites');
      assert.equal(keys125.find((k) => k.id === maxId + 1)?.keyset_id, undefined, 'not own: no keyset_id');
      for (const id of [maxId + 2, maxId + 3, maxId + 4, maxId + 5]) assert.ok(!ids125.includes(id));
      assert.ok(ids125.includes(maxId + 6) && ids125.includes(maxId + 7), 'no activation filtering');
      assert.deepEqual(
        ids125,
        (await visibleKeys(store, 125, false)).map((v) => v.key.id),
      );
      assert.deepEqual(
        ids125,
        [...ids125].sort((a, b) => a - b),
      );

      const dsp = bodyOf<Record<string, unknown>>(await call('/v2/key/bidstream', FIXTURE.dsp));
      const dspIds = (dsp.keys as KeyJson[]).map((k) => k.id);
      for (const id of [maxId + 1, maxId + 2, maxId + 3, maxId + 4, maxId + 5])
        assert.ok(!dspIds.includes(id));
      assert.deepEqual(
        dspIds,
        (await visibleKeys(store, 123, true)).map((v) => v.key.id),
      );
      const latest = bodyOf<KeyJson[]>(await call('/v2/key/latest', FIXTURE.dsp));
      assert.deepEqual(
        latest.map((k) => k.id),
        dspIds,
      );
    });

    it('no active master key → 500 Internal Server Error (plain text), as the reference', async (t) => {
      // Two days back every key (created at start-up) is not yet active.
      t.mock.timers.enable({ apis: ['Date'], now: Date.now() - 2 * 86_400_000 });
      for (const [path, creds] of [
        ['/v2/key/sharing', FIXTURE.all],
        ['/v2/key/bidstream', FIXTURE.dsp],
        ['/v2/key/latest', FIXTURE.dsp],
      ] as const) {
        const r = await call(path, creds);
        assert.deepEqual([r.httpStatus, r.text], [500, 'Internal Server Error'], path);
        assert.match(r.contentType ?? '', /^text\/plain/);
      }
      t.mock.timers.reset();
      assert.equal((await call('/v2/key/sharing', FIXTURE.all)).httpStatus, 200);
    });
  });
});

describe('key endpoints with other settings', () => {
  let euid: TestOperator;
  let noCstg: TestOperator;
  before(async () => {
    [euid, noCstg] = await Promise.all([
      startTestOperator({
        settings: {
          identity_scope: 'EUID',
          key_sharing_endpoint_provide_app_names: true,
          sharing_token_expiry_seconds: 86_400,
          max_sharing_lifetime_seconds: 172_800,
          max_bidstream_lifetime_seconds: 300_000,
          allow_clock_skew_seconds: 60,
        },
      }),
      startTestOperator({ settings: { client_side_token_generate: false } }),
    ]);
  });
  after(async () => {
    await Promise.all([euid?.close(), noCstg?.close()]);
  });

  it('EUID scope, configured lifetimes and skew, app names merged into site_data', async () => {
    const sharing = bodyOf<Record<string, unknown>>(
      await v2Call(euid.baseUrl, '/v2/key/sharing', undefined, FIXTURE.all),
    );
    assert.equal(sharing.identity_scope, 'EUID');
    assert.equal(sharing.token_expiry_seconds, '86400');
    assert.equal(sharing.max_sharing_lifetime_seconds, 172_810);
    assert.equal(sharing.allow_clock_skew_seconds, 60);
    const demo = euid.system.bootstrap.demo?.siteId as number;
    const siteData: SiteData = [
      { id: demo, domain_names: ['localhost'] },
      {
        id: 123,
        domain_names: [
          '123456789',
          'com.123.Game.App.android',
          'com.123.Game.App.ios',
          'com.uid2.devapp',
          'localhost',
          'uidapi.com',
        ],
      },
      { id: 127, domain_names: ['13456789', 'com.UID2.operator.TEST', 'example.com', 'unifiedid.com'] },
      { id: 999, domain_names: ['localhost'] },
    ];
    assert.deepEqual(sharing.site_data, siteData);
    const bidstream = bodyOf<Record<string, unknown>>(
      await v2Call(euid.baseUrl, '/v2/key/bidstream', undefined, FIXTURE.dsp),
    );
    assert.equal(bidstream.max_bidstream_lifetime_seconds, 300_010);
    assert.equal(bidstream.identity_scope, 'EUID');
    assert.equal(bidstream.allow_clock_skew_seconds, 60);
    assert.deepEqual(bidstream.site_data, siteData);
  });

  it('without client-side token generation there is no site_data at all', async () => {
    const sharing = bodyOf<Record<string, unknown>>(
      await v2Call(noCstg.baseUrl, '/v2/key/sharing', undefined, FIXTURE.all),
    );
    assert.deepEqual(
      Object.keys(sharing),
      SHARING_FIELDS.filter((f) => f !== 'site_data'),
    );
    const bidstream = bodyOf<Record<string, unknown>>(
      await v2Call(noCstg.baseUrl, '/v2/key/bidstream', undefined, FIXTURE.dsp),
    );
    assert.deepEqual(Object.keys(bidstream), [
      'max_bidstream_lifetime_seconds',
      'identity_scope',
      'allow_clock_skew_seconds',
      'keys',
    ]);
    // Default lifetime: the identity-token lifetime + 10.
    assert.equal(bidstream.max_bidstream_lifetime_seconds, 259_210);
  });
});
