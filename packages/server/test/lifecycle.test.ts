// Lifecycle jobs on the embedded store: key rotation (activation lead, lifetimes that outlive every
// token minted with a key, retirement), salt rotation (the reference's selection rules, derived
// salts, the v3 previous-UID window), the leader-gated scheduler, and serving through staleness.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  activeKeyInSorted,
  currentRawUid,
  firstLevelHash,
  hashIdentityInput,
  MASTER_KEYSET_ID,
  REFRESH_KEYSET_ID,
  sortKeysByActivates,
} from '@uid2-ts/core';
import {
  bootstrap,
  type KeyRecord,
  loadRuntimeSettings,
  openStore,
  type RuntimeSettings,
  type SaltBucketRecord,
  type Store,
} from '@uid2-ts/server';
import pino from 'pino';
import { keyLifetimeOf, rotateKeys, tokenLifetimeOf } from '../src/lifecycle/key-rotation.js';
import { pickBucketsToRotate, refreshFromAt, rotateSalts } from '../src/lifecycle/salt-rotation.js';
import { LifecycleScheduler, SALT_ROTATION_META } from '../src/lifecycle/scheduler.js';
import { FIXTURE, startTestOperator, type TestOperator, v2Call } from './helpers/operator.js';

const DAY_MS = 86_400_000;
const DAY_S = 86_400;
const T0 = Date.UTC(2026, 0, 10, 12, 0, 0);
const silent = pino({ level: 'silent' });

const settingsOf = (overrides: Partial<RuntimeSettings> = {}) =>
  loadRuntimeSettings({ env: {}, overrides: { salt_bucket_count: 1024, ...overrides } });

interface TempStore {
  readonly store: Store;
  close(): Promise<void>;
}

async function tempStore(settings: RuntimeSettings, nowMs = T0): Promise<TempStore> {
  const dir = mkdtempSync(join(tmpdir(), 'uid2-lifecycle-'));
  const { store } = await openStore({ dataDir: dir, masterKey: Buffer.alloc(32, 7).toString('base64') });
  await bootstrap(store, settings, nowMs);
  return {
    store,
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function allBuckets(store: Store): Promise<SaltBucketRecord[]> {
  const out: SaltBucketRecord[] = [];
  await store.forEachSaltBucket((b) => {
    out.push(b);
  });
  return out;
}

const keysOf = (keys: readonly KeyRecord[], keysetId: number) => keys.filter((k) => k.keysetId === keysetId);

describe('key rotation', () => {
  const settings = settingsOf();
  let t: TempStore;
  before(async () => {
    t = await tempStore(settings);
  });
  after(() => t.close());

  it('leaves fresh keys alone, then adds one key per enabled keyset activating after the lead time', async () => {
    assert.deepEqual(await rotateKeys(t.store, settings, T0 + 3600_000), { created: [], retired: [] });
    const keysets = (await t.store.listKeysets()).filter((k) => k.enabled).map((k) => k.keysetId);
    assert.deepEqual(
      keysets.sort((a, b) => a - b),
      [-2, -1, 2, 3],
    );

    const due = T0 + (settings.key_rotation_period_seconds - settings.key_activation_lead_seconds) * 1000;
    assert.deepEqual((await rotateKeys(t.store, settings, due - 2000)).created, []);
    const report = await rotateKeys(t.store, settings, due + 1000);
    const nowS = Math.floor((due + 1000) / 1000);
    assert.deepEqual(
      report.created.map((k) => [k.keysetId, k.activates, k.expires]),
      [-2, -1, 2, 3].map((id) => [
        id,
        nowS + 86_400,
        nowS + 86_400 + keyLifetimeOf(id === -2 ? 'refresh' : 'master', settings),
      ]),
    );
    // Default lifetimes: 7-day period + 1-day lead + token lifetime + 30 min clock skew.
    assert.equal(keyLifetimeOf('refresh', settings), 7 * DAY_S + DAY_S + 2_592_000 + 1800);
    assert.equal(keyLifetimeOf('site', settings), 7 * DAY_S + DAY_S + 2_592_000 + 1800);
    // Until the new keys activate, nothing more is due.
    assert.deepEqual((await rotateKeys(t.store, settings, due + 3600_000)).created, []);
    const audit = await t.store.listAudit({ limit: 10 });
    const rotations = audit.filter((a) => a.action === 'key.rotate');
    assert.equal(rotations.length, 4);
    assert.ok(rotations.every((a) => a.actor === 'job:key-rotation'));
    assert.deepEqual(rotations.map((a) => a.target).sort(), [
      'keyset:-1',
      'keyset:-2',
      'keyset:2',
      'keyset:3',
    ]);
    assert.ok(!JSON.stringify(audit).includes('secret'));
  });

  it('rotates only the kinds and keysets asked for; force ignores the age; disabled keysets are skipped', async () => {
    const now = T0 + 2 * DAY_MS;
    const master = await rotateKeys(t.store, settings, now, {
      kinds: ['master'],
      force: true,
      actor: 'cli:test',
    });
    assert.deepEqual(
      master.created.map((k) => k.keysetId),
      [-1],
    );
    assert.equal((await t.store.listAudit({ limit: 1 }))[0]?.actor, 'cli:test');
    const ks3 = (await t.store.listKeysets()).find((k) => k.keysetId === 3);
    assert.ok(ks3);
    await t.store.upsertKeyset({ ...ks3, enabled: false });
    const sites = await rotateKeys(t.store, settings, now, { kinds: ['site'], force: true });
    assert.deepEqual(
      sites.created.map((k) => k.keysetId),
      [2],
    );
    const only = await rotateKeys(t.store, settings, now, { keysetIds: [-2], force: true });
    assert.deepEqual(
      only.created.map((k) => k.keysetId),
      [-2],
    );
  });

  it('a keyset without keys gets a key active at once', async () => {
    const now = T0 + 3 * DAY_MS;
    await t.store.upsertKeyset({
      keysetId: 9,
      siteId: 9,
      name: 'new',
      allowedSites: null,
      allowedTypes: [],
      created: 0,
      enabled: true,
      isDefault: true,
    });
    const report = await rotateKeys(t.store, settings, now, { keysetIds: [9] });
    assert.deepEqual(
      report.created.map((k) => [k.keysetId, k.activates]),
      [[9, now / 1000]],
    );
  });
});

describe('key rotation over a simulated 200 days', () => {
  it('every token minted stays decryptable for its lifetime; SDKs see keys a lead time before use', async () => {
    const settings = settingsOf({
      key_rotation_period_seconds: 3 * DAY_S,
      key_activation_lead_seconds: 6 * 3600,
    });
    const t = await tempStore(settings);
    try {
      const checkEveryMs = 97 * 60_000;
      const retired = new Set<number>();
      let keys: KeyRecord[] = await t.store.listKeys();
      const initialIds = new Set(keys.map((k) => k.id));
      for (let now = T0; now < T0 + 200 * DAY_MS; now += checkEveryMs) {
        const report = await rotateKeys(t.store, settings, now);
        for (const id of report.retired) retired.add(id);
        if (report.created.length > 0 || report.retired.length > 0) keys = await t.store.listKeys();
        for (const [keysetId, kind] of [
          [MASTER_KEYSET_ID, 'master'],
          [REFRESH_KEYSET_ID, 'refresh'],
          [3, 'site'],
        ] as const) {
          const active = activeKeyInSorted(sortKeysByActivates(keysOf(keys, keysetId)), now, 'operator');
          assert.ok(active, `keyset ${keysetId} has an active key at ${new Date(now).toISOString()}`);
          // A token minted now expires before its key does.
          assert.ok(active.expires * 1000 >= now + tokenLifetimeOf(kind, settings) * 1000);
          // Apart from bootstrap keys, a key was published a full lead time before it was used.
          if (!initialIds.has(active.id)) {
            assert.equal(active.activates - active.created, settings.key_activation_lead_seconds);
          }
        }
        // Keys are retired only once expired for longer than the retention period.
        const nowS = Math.floor(now / 1000);
        for (const k of keys) assert.ok(k.expires >= nowS - settings.key_retention_after_expiry_seconds);
      }
      assert.ok(retired.size > 0, 'some keys were retired');
      // About one key per period per keyset, not one per check.
      const master = keysOf(keys, MASTER_KEYSET_ID);
      const keptDays =
        (keyLifetimeOf('master', settings) + settings.key_retention_after_expiry_seconds) / DAY_S;
      assert.ok(master.length <= Math.ceil(keptDays / 3) + 2, `${master.length} master keys kept`);
      const audit = await t.store.listAudit({ limit: 1000 });
      assert.ok(audit.some((a) => a.action === 'key.retire' && a.actor === 'job:key-rotation'));
    } finally {
      await t.close();
    }
  });
});

/** A synthetic bucket: last updated `ageDays` before the target day, refreshFrom on `refreshDayMs`. */
function bucket(idx: number, targetMs: number, ageDays: number, refreshDayMs: number): SaltBucketRecord {
  return {
    idx,
    generation: 0,
    format: 'salt',
    keyId: 0,
    previousGeneration: null,
    previousFormat: null,
    previousKeyId: null,
    lastUpdatedMs: targetMs - ageDays * DAY_MS + 3_600_000,
    refreshFromMs: refreshDayMs,
  };
}

describe('salt rotation: selection (reference SaltRotation)', () => {
  const target = Date.UTC(2026, 5, 1);

  it('picks ceil(n × fraction) eligible buckets, oldest window first, at most 80 % from one window', () => {
    const buckets: SaltBucketRecord[] = [];
    let idx = 0;
    // 20 eligible in the oldest window (> 390 days), 5 eligible at 45 days, 5 eligible but too young.
    for (let i = 0; i < 20; i++) buckets.push(bucket(idx++, target, 400, target));
    for (let i = 0; i < 5; i++) buckets.push(bucket(idx++, target, 45, target));
    for (let i = 0; i < 5; i++) buckets.push(bucket(idx++, target, 10, target));
    // Old but not eligible on this day (refreshFrom on another day).
    for (let i = 0; i < 70; i++) buckets.push(bucket(idx++, target, 500, target + DAY_MS));
    const picked = pickBucketsToRotate(buckets, target, 0.1);
    assert.equal(picked.length, 10); // ceil(100 × 0.1)
    const old = picked.filter((b) => b.idx < 20).length;
    const mid = picked.filter((b) => b.idx >= 20 && b.idx < 25).length;
    assert.deepEqual([old, mid], [8, 2]); // 80 % cap on the oldest window, the rest from the next one
    assert.ok(
      picked.every((b) => b.idx < 25),
      'never younger than 30 days nor ineligible',
    );
  });

  it('windows are taken oldest first; buckets younger than 30 days are never picked', () => {
    const buckets: SaltBucketRecord[] = [];
    for (let i = 0; i < 3; i++) buckets.push(bucket(i, target, 35, target));
    for (let i = 3; i < 6; i++) buckets.push(bucket(i, target, 200, target));
    for (let i = 6; i < 100; i++) buckets.push(bucket(i, target, 29, target));
    const picked = pickBucketsToRotate(buckets, target, 0.05); // quota 5, cap 4
    assert.equal(picked.length, 5);
    assert.equal(picked.filter((b) => b.idx >= 3 && b.idx < 6).length, 3); // the 200-day window first
    assert.equal(picked.filter((b) => b.idx < 3).length, 2); // then the 35-day window fills the quota
    assert.equal(pickBucketsToRotate(buckets.slice(6), target, 0.5).length, 0);
  });

  it('refreshFrom follows the reference formula and always lands after the target day', () => {
    const lu = Date.UTC(2026, 0, 1, 15, 0, 0);
    assert.equal(refreshFromAt(lu, Date.UTC(2026, 0, 2)), Date.UTC(2026, 0, 31));
    assert.equal(refreshFromAt(lu, Date.UTC(2026, 0, 31)), Date.UTC(2026, 2, 2)); // age 30 → 60 days
    assert.equal(refreshFromAt(lu, Date.UTC(2026, 2, 1)), Date.UTC(2026, 2, 2));
  });
});

describe('salt rotation: store', () => {
  it('rotates by generation, keeps the previous salt < 90 days, is idempotent per target day', async () => {
    const settings = settingsOf();
    const t = await tempStore(settings);
    try {
      const target = Date.UTC(2026, 1, 1);
      const now = target - 6 * 3600_000;
      const all = await allBuckets(t.store);
      // Bucket 5: due and very old; 6: rotated 100 days ago with a previous salt; 7: 89 days ago.
      const b5 = {
        ...(all[5] as SaltBucketRecord),
        lastUpdatedMs: target - 400 * DAY_MS,
        refreshFromMs: target,
      };
      const b6: SaltBucketRecord = {
        ...(all[6] as SaltBucketRecord),
        generation: 3,
        previousGeneration: 2,
        previousFormat: 'salt',
        previousKeyId: 0,
        lastUpdatedMs: target - 100 * DAY_MS,
        refreshFromMs: target + 20 * DAY_MS,
      };
      const b7: SaltBucketRecord = { ...b6, idx: 7, lastUpdatedMs: target - 89 * DAY_MS };
      await t.store.updateSaltBuckets([b5, b6, b7]);
      const saltVersion = await t.store.getMeta('salt_version');

      const report = await rotateSalts(t.store, settings, now, { targetDayMs: target });
      assert.ok(report.rotated.includes(5));
      assert.equal(report.rotated.length, Math.min(report.eligible, 3)); // ceil(1024 / 365) = 3
      assert.notEqual(await t.store.getMeta('salt_version'), saltVersion);
      const after = await allBuckets(t.store);
      assert.deepEqual(after[5], {
        idx: 5,
        generation: 1,
        format: 'salt',
        keyId: 0,
        previousGeneration: 0,
        previousFormat: 'salt',
        previousKeyId: b5.keyId,
        lastUpdatedMs: now,
        refreshFromMs: target + 30 * DAY_MS,
      });
      assert.equal(after[6]?.previousGeneration, null); // 100 days old: previous dropped
      assert.equal(after[6]?.generation, 3);
      assert.equal(after[7]?.previousGeneration, 2); // 89 days: kept
      for (const b of after) assert.ok(b.refreshFromMs > target, `bucket ${b.idx} not due again`);

      const again = await rotateSalts(t.store, settings, now + 3600_000, { targetDayMs: target });
      assert.deepEqual([again.eligible, again.rotated, again.written], [0, [], 0]);
      const audit = (await t.store.listAudit({ limit: 5 })).filter((a) => a.action === 'salt.rotate');
      assert.equal(audit.length, 1);
      assert.equal(audit[0]?.actor, 'job:salt-rotation');
      assert.equal(audit[0]?.details.targetDay, '2026-02-01');
    } finally {
      await t.close();
    }
  });

  it('v4: rotated buckets get key material with fresh, unique 24-bit key ids', async () => {
    const settings = settingsOf({ raw_uid_format: 'v4' });
    const t = await tempStore(settings);
    try {
      const target = Date.UTC(2026, 1, 1);
      const all = await allBuckets(t.store);
      assert.equal(all[0]?.format, 'key');
      // Ten buckets due on the target day in the oldest window; every other bucket due another day.
      await t.store.updateSaltBuckets(
        all.map((b) =>
          b.idx < 10
            ? { ...b, lastUpdatedMs: target - 400 * DAY_MS, refreshFromMs: target }
            : { ...b, refreshFromMs: target + 5 * DAY_MS },
        ),
      );
      const report = await rotateSalts(t.store, settings, target - 1000, {
        targetDayMs: target,
        fraction: 0.01,
      });
      // Quota ceil(1024 × 0.01) = 11; one window supplies at most floor(11 × 0.8) = 8.
      assert.equal(report.eligible, 10);
      assert.equal(report.rotated.length, 8);
      const after = await allBuckets(t.store);
      const used = new Set<number>();
      for (const b of after) {
        assert.equal(b.format, 'key');
        assert.ok(!used.has(b.keyId), `key id ${b.keyId} used once`);
        used.add(b.keyId);
      }
      for (const idx of report.rotated) {
        const b = after[idx] as SaltBucketRecord;
        assert.deepEqual(
          [b.generation, b.previousGeneration, b.previousFormat, b.previousKeyId],
          [1, 0, 'key', idx + 1],
        );
        assert.ok(b.keyId > 1024 && b.keyId <= 1032, `fresh key id ${b.keyId}`);
        assert.ok(!used.has(idx + 1), "the old key id is no bucket's current id any more");
      }
    } finally {
      await t.close();
    }
  });
});

describe('salt rotation seen through /v3/identity/map', () => {
  let op: TestOperator;
  before(async () => {
    op = await startTestOperator({ settings: { raw_uid_format: 'v3' } });
  });
  after(() => op.close());

  const email = 'lifecycle.rotation@example.com';

  function current() {
    const id = hashIdentityInput('email', email);
    assert.ok(id);
    const salts = op.system.snapshots.current.salts;
    const flh = firstLevelHash(id.hashB64, salts.firstLevelSalt);
    const b = salts.bucketOf(flh);
    const uid = currentRawUid(flh, b, id.type, { scope: 'UID2', identityV3: true, environment: 'prod' });
    assert.ok(uid);
    return { idx: b.id, uid };
  }

  async function record(idx: number): Promise<SaltBucketRecord> {
    const found = (await allBuckets(op.system.store))[idx];
    assert.ok(found);
    return found;
  }

  async function map(): Promise<{ u: string; p: string | null; r: number }> {
    const res = await v2Call(op.baseUrl, '/v3/identity/map', { email: [email] }, FIXTURE.all);
    assert.equal(res.httpStatus, 200, res.text);
    const body = res.json?.body as { email: Array<{ u: string; p: string | null; r: number }> };
    const entry = body.email[0];
    assert.ok(entry);
    return entry;
  }

  async function reload(): Promise<void> {
    // Twice: a poll-triggered refresh already in flight may predate the update.
    await op.system.snapshots.refresh();
    await op.system.snapshots.refresh();
  }

  it('p appears after a rotation and disappears 90 days later', async () => {
    const before = current();
    const nowMs = Date.now();
    const target = Math.floor(nowMs / DAY_MS) * DAY_MS + DAY_MS;
    const r = await record(before.idx);
    // Make this bucket due on the target day, alone in the oldest age window.
    await op.system.store.updateSaltBuckets([
      {
        ...r,
        previousGeneration: null,
        previousFormat: null,
        previousKeyId: null,
        lastUpdatedMs: target - 400 * DAY_MS,
        refreshFromMs: target,
      },
    ]);
    await reload();
    assert.equal((await map()).p, null);

    const settings = settingsOf({ raw_uid_format: 'v3' });
    const report = await rotateSalts(op.system.store, settings, nowMs, { targetDayMs: target });
    assert.ok(report.rotated.includes(before.idx));
    await reload();
    const rotated = current();
    assert.notEqual(rotated.uid, before.uid);
    assert.deepEqual(await map(), {
      u: rotated.uid,
      p: before.uid,
      r: Math.floor((target + 30 * DAY_MS) / 1000),
    });

    // 89 days after the rotation the previous UID is still given; from 90 days on it is not, and the
    // next rotation run drops the previous salt from the record.
    const aged = await record(before.idx);
    await op.system.store.updateSaltBuckets([{ ...aged, lastUpdatedMs: nowMs - 89 * DAY_MS }]);
    await reload();
    assert.equal((await map()).p, before.uid);
    await op.system.store.updateSaltBuckets([{ ...aged, lastUpdatedMs: nowMs - 90 * DAY_MS - 60_000 }]);
    await reload();
    assert.equal((await map()).p, null);
    await rotateSalts(op.system.store, settings, nowMs, { targetDayMs: target + DAY_MS });
    assert.equal((await record(before.idx)).previousGeneration, null);
  });
});

describe('scheduler', () => {
  it('acts only while leading, rotates salts once per target day, stops cleanly', async () => {
    const settings = settingsOf();
    const t = await tempStore(settings);
    try {
      let leading = false;
      const tryLeadership = async (name: string) => {
        assert.equal(name, 'uid2-lifecycle');
        return leading;
      };
      const store = new Proxy(t.store, {
        get(target, prop) {
          if (prop === 'tryLeadership') return tryLeadership;
          const value: unknown = Reflect.get(target, prop, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      let now = T0 + 7 * DAY_MS;
      let changes = 0;
      const scheduler = new LifecycleScheduler({
        store,
        settings,
        logger: silent,
        now: () => now,
        onChange: () => {
          changes++;
        },
      });
      assert.equal(await scheduler.runKeyRotation(), false);
      assert.equal(await scheduler.runSaltRotation(), false);
      assert.equal((await t.store.listKeys()).length, 4);
      assert.equal(await t.store.getMeta(SALT_ROTATION_META), undefined);

      leading = true;
      assert.equal(await scheduler.runKeyRotation(), true);
      assert.equal((await t.store.listKeys()).length, 8);
      assert.equal(await scheduler.runKeyRotation(), false);
      await scheduler.runSaltRotation();
      const target = Math.floor(now / DAY_MS) * DAY_MS + DAY_MS;
      assert.equal(await t.store.getMeta(SALT_ROTATION_META), String(target));
      const version = await t.store.getMeta('salt_version');
      now += 3600_000;
      assert.equal(await scheduler.runSaltRotation(), false); // same target day: nothing
      assert.equal(await t.store.getMeta('salt_version'), version);
      now += DAY_MS;
      await scheduler.runSaltRotation();
      assert.equal(await t.store.getMeta(SALT_ROTATION_META), String(target + DAY_MS));
      assert.ok(changes >= 1);

      scheduler.start();
      await scheduler.stop();
    } finally {
      await t.close();
    }
  });

  it('purges opt-out client-IP hashes past optout_client_ip_retention_days, and only while leading', async () => {
    const settings = settingsOf({ optout_client_ip_retention_days: 7 });
    const t = await tempStore(settings);
    try {
      let leading = false;
      const store = new Proxy(t.store, {
        get(target, prop) {
          if (prop === 'tryLeadership') return async () => leading;
          const value: unknown = Reflect.get(target, prop, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      const nowS = Math.floor(T0 / 1000);
      const optOut = (ageDays: number) => ({
        firstLevelHash: randomBytes(32),
        advertisingId: randomBytes(32),
        timestamp: nowS - ageDays * DAY_S,
        clientIpHash: randomBytes(32),
      });
      await t.store.appendOptOuts([optOut(8), optOut(7.5), optOut(6.9), optOut(0)]);
      const scheduler = new LifecycleScheduler({ store, settings, logger: silent, now: () => T0 });
      assert.equal(await scheduler.runClientIpPurge(), 0);
      assert.equal((await t.store.listOptOutClientIps({ limit: 10 })).length, 4);
      leading = true;
      assert.equal(await scheduler.runClientIpPurge(), 2);
      const left = await t.store.listOptOutClientIps({ limit: 10 });
      assert.deepEqual(
        left.map((r) => r.timestamp),
        [nowS - 6.9 * DAY_S, nowS],
      );
      assert.equal((await t.store.listOptOutsAfter(0, 10)).length, 4, 'the opt-outs themselves stay');
    } finally {
      await t.close();
    }
  });

  it('runs in a started system without fixtures, not with the reference fixtures', async () => {
    const plain = await startTestOperator({ fixtures: false });
    const fixtures = await startTestOperator();
    try {
      assert.ok(plain.system.jobs);
      assert.equal(fixtures.system.jobs, undefined);
    } finally {
      await plain.close();
      await fixtures.close();
    }
  });
});

describe('serving through staleness', () => {
  let op: TestOperator;
  before(async () => {
    op = await startTestOperator({ settings: { max_snapshot_staleness_seconds: 1 } });
  });
  after(() => op.close());

  const STALE = '{"status":"unknown","message":"operator data is stale"}';
  const generate = () =>
    v2Call(op.baseUrl, '/v2/token/generate', { email: 'stale@example.com' }, FIXTURE.publisher);
  const healthStatus = async () => (await fetch(`${op.baseUrl}/ops/healthcheck`)).status;

  it('keeps serving from the snapshot while the store is down, then answers 503 after the maximum', async () => {
    const first = await generate();
    assert.equal(first.httpStatus, 200, first.text);
    const body = first.json?.body as { refresh_token: string } | undefined;
    assert.ok(body);
    const refreshToken = body.refresh_token;

    // The store starts failing every read the snapshot manager makes.
    const store = op.system.store as unknown as Record<string, unknown>;
    const methods = ['changeVersion', 'getMeta', 'listOptOutsAfter'];
    for (const m of methods) {
      store[m] = async () => {
        throw new Error('connection refused');
      };
    }
    await new Promise((r) => setTimeout(r, 250));
    assert.ok(op.system.snapshots.lastError);
    assert.equal((await generate()).httpStatus, 200);
    assert.equal(await healthStatus(), 200);

    await new Promise((r) => setTimeout(r, 1200));
    const stale = await generate();
    assert.equal(stale.httpStatus, 503);
    assert.equal(stale.text, STALE);
    const refresh = await fetch(`${op.baseUrl}/v2/token/refresh`, { method: 'POST', body: refreshToken });
    assert.deepEqual([refresh.status, await refresh.text()], [503, STALE]);
    const cstg = await fetch(`${op.baseUrl}/v2/token/client-generate`, { method: 'POST', body: '{}' });
    assert.deepEqual([cstg.status, await cstg.text()], [503, STALE]);
    assert.equal(await healthStatus(), 503);

    // The store comes back: serving resumes with the next successful refresh.
    for (const m of methods) delete store[m];
    await op.system.snapshots.refresh();
    await op.system.snapshots.refresh();
    assert.equal(op.system.snapshots.lastError, undefined);
    assert.equal((await generate()).httpStatus, 200);
    assert.equal(await healthStatus(), 200);
  });
});
