// The official server-side SDKs' flows, played with the core SDK functions against a live operator
// with the reference fixtures: key refresh (/v2/key/bidstream, /v2/key/sharing, /v2/key/latest),
// bidstream decryption, sharing encryption/decryption and the key-access rules behind them
// (tokens-and-keys.md §5–§6).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  currentRawUid,
  decryptTokenWithContainer,
  encryptRawUidIntoToken,
  firstLevelHash,
  hashIdentityInput,
  type KeyContainer,
  parseKeyContainer,
} from '@uid2-ts/core';
import type { Store } from '@uid2-ts/server';
import { addTestClient, FIXTURE, startTestOperator, type TestOperator, v2Call } from './helpers/operator.js';

type Creds = { key: string; secret: string };

let op: TestOperator;
let store: Store;
before(async () => {
  op = await startTestOperator();
  store = op.system.store;
});
after(async () => op?.close());

/** An SDK's key refresh: POST the empty envelope, load the decrypted response into a container. */
async function refreshKeys(path: string, creds: Creds): Promise<{ json: unknown; container: KeyContainer }> {
  const r = await v2Call(op.baseUrl, path, undefined, creds);
  assert.equal(r.httpStatus, 200, `${path}: ${r.text}`);
  assert.equal(r.json?.status, 'success');
  const parsed = parseKeyContainer(r.json);
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.error.message);
  return { json: r.json?.body, container: parsed.value };
}

/** A publisher's server-side token, and the raw UID the operator derives for that email. */
async function publisherToken(email: string): Promise<{ token: string; rawUid: string }> {
  const r = await v2Call(op.baseUrl, '/v2/token/generate', { email }, FIXTURE.publisher);
  assert.equal(r.httpStatus, 200);
  const token = (r.json?.body as { advertising_token: string } | undefined)?.advertising_token ?? '';
  const snapshot = op.system.snapshots.current;
  const id = hashIdentityInput('email', email);
  assert.ok(id);
  const flh = firstLevelHash(id.hashB64, snapshot.salts.firstLevelSalt);
  const rawUid = currentRawUid(flh, snapshot.salts.bucketOf(flh), 'email', {
    scope: 'UID2',
    identityV3: false,
    environment: 'prod',
  });
  assert.ok(rawUid);
  return { token, rawUid };
}

describe('bidstream (BidstreamClient)', () => {
  it("DSP 123 decrypts publisher 124's token with /v2/key/bidstream keys", async () => {
    const { token, rawUid } = await publisherToken('interop.bidstream@example.com');
    const { container } = await refreshKeys('/v2/key/bidstream', FIXTURE.dsp);
    assert.equal(container.format, 'keyset');
    assert.equal(container.maxBidstreamLifetimeSeconds, 259_210);
    assert.equal(container.allowClockSkewSeconds, 1800);
    assert.equal(container.identityScope, 'UID2');
    const nowMs = Date.now();
    const result = decryptTokenWithContainer(container, token, {
      nowMs,
      mode: 'bidstream',
      domainOrAppName: 'example.org',
    });
    assert.equal(result.status, 'Success');
    assert.equal(result.uid, rawUid);
    assert.equal(result.siteId, 124);
    assert.equal(result.identityType, 'email');
    assert.equal(result.version, 4);
    assert.equal(result.isClientSideGenerated, false);
    assert.ok(result.expiry !== undefined && Math.abs(result.expiry - (nowMs + 259_200_000)) < 10_000);
  });

  it("cross-platform rule: a container without site 124's keyset cannot read 124's tokens", async () => {
    const { token } = await publisherToken('interop.cross@example.com');
    const { json } = await refreshKeys('/v2/key/bidstream', FIXTURE.dsp);
    const ids1241 = new Set((await store.listKeys()).filter((k) => k.keysetId === 1241).map((k) => k.id));
    assert.ok(ids1241.size > 0);
    const body = json as { keys: Array<{ id: number }> };
    const stripped = parseKeyContainer({ ...body, keys: body.keys.filter((k) => !ids1241.has(k.id)) });
    assert.ok(stripped.ok);
    const nowMs = Date.now();
    assert.equal(
      decryptTokenWithContainer(stripped.value, token, { nowMs, mode: 'bidstream' }).status,
      'NotAuthorizedForKey',
    );
    // Site 125 (SHARER, not ID_READER) is not given 124's allow-all keyset either.
    const { container: sharer125 } = await refreshKeys('/v2/key/sharing', FIXTURE.dataProvider);
    assert.equal(
      decryptTokenWithContainer(sharer125, token, { nowMs, mode: 'sharing' }).status,
      'NotAuthorizedForKey',
    );
  });
});

describe('sharing (SharingClient)', () => {
  it('999 encrypts a raw UID; ID_READERs decrypt it, SHARER-only 125 cannot; 125 encrypts for 999', async () => {
    const { rawUid } = await publisherToken('interop.sharing@example.com');
    const nowMs = Date.now();
    const { container: c999 } = await refreshKeys('/v2/key/sharing', FIXTURE.all);
    assert.equal(c999.callerSiteId, 999);
    assert.equal(c999.masterKeysetId, 9999999);
    assert.equal(c999.defaultKeysetId, 9991);
    assert.equal(c999.tokenExpirySeconds, 2_592_000);
    assert.equal(c999.maxSharingLifetimeSeconds, 2_592_010);

    const enc999 = encryptRawUidIntoToken(c999, rawUid, { nowMs });
    assert.equal(enc999.status, 'Success');
    const token999 = enc999.token as string;
    // Sharing encryption labels raw UIDs starting with B or F as phone (the SDKs' heuristic).
    assert.match(token999, /^B|^F/.test(rawUid) ? /^B4/ : /^A4/);
    const own = decryptTokenWithContainer(c999, token999, { nowMs, mode: 'sharing' });
    assert.deepEqual([own.status, own.uid, own.siteId], ['Success', rawUid, 999]);
    assert.equal(own.expiry, Math.floor(nowMs) + 2_592_000_000);

    // 125 is a SHARER without ID_READER: keyset 9991 (allowed_sites null) is not visible to it.
    const { container: c125 } = await refreshKeys('/v2/key/sharing', FIXTURE.dataProvider);
    assert.equal(c125.defaultKeysetId, 1251);
    assert.equal(
      decryptTokenWithContainer(c125, token999, { nowMs, mode: 'sharing' }).status,
      'NotAuthorizedForKey',
    );

    // DSP 123 (ID_READER) sees every allow-all keyset.
    const { container: c123 } = await refreshKeys('/v2/key/sharing', FIXTURE.dsp);
    const dsp = decryptTokenWithContainer(c123, token999, { nowMs, mode: 'sharing' });
    assert.deepEqual([dsp.status, dsp.uid, dsp.siteId], ['Success', rawUid, 999]);

    // 125's own tokens: readable by 999 (ID_READER) and by 125 itself.
    const enc125 = encryptRawUidIntoToken(c125, rawUid, { nowMs });
    assert.equal(enc125.status, 'Success');
    const token125 = enc125.token as string;
    for (const c of [c999, c125, c123]) {
      const r = decryptTokenWithContainer(c, token125, { nowMs, mode: 'sharing' });
      assert.deepEqual([r.status, r.uid, r.siteId], ['Success', rawUid, 125]);
    }

    // A 30-day sharing token is too long-lived for a bidstream client (259,210 s maximum).
    const { container: bid } = await refreshKeys('/v2/key/bidstream', FIXTURE.dsp);
    assert.equal(
      decryptTokenWithContainer(bid, token999, { nowMs, mode: 'bidstream' }).status,
      'InvalidTokenLifetime',
    );
  });

  it('/v2/key/sharing: default_keyset_id for every fixture site, master 9999999, string token_expiry_seconds', async () => {
    const callers: Array<[number, Creds, number]> = [
      [999, FIXTURE.all, 9991],
      [123, FIXTURE.dsp, 501],
      [125, FIXTURE.dataProvider, 1251],
      [124, await addTestClient(store, 124, ['SHARER']), 1241],
      [126, await addTestClient(store, 126, ['SHARER']), 1261],
      [127, await addTestClient(store, 127, ['SHARER']), 901],
    ];
    await op.system.snapshots.refresh();
    const nowMs = Date.now();
    for (const [siteId, creds, keysetId] of callers) {
      const { json, container } = await refreshKeys('/v2/key/sharing', creds);
      const body = json as Record<string, unknown>;
      assert.equal(body.caller_site_id, siteId);
      assert.equal(body.default_keyset_id, keysetId, `site ${siteId}`);
      assert.equal(body.master_keyset_id, 9999999);
      assert.equal(body.token_expiry_seconds, '2592000');
      // Every sharer can encrypt with what it received, and read its own token back.
      const rawUid = randomBytes(32).toString('base64');
      const enc = encryptRawUidIntoToken(container, rawUid, { nowMs });
      assert.equal(enc.status, 'Success');
      const dec = decryptTokenWithContainer(container, enc.token as string, { nowMs, mode: 'sharing' });
      assert.deepEqual([dec.status, dec.uid, dec.siteId], ['Success', rawUid, siteId]);
    }
  });
});

describe('legacy /v2/key/latest (UID2Client)', () => {
  it('the bare array parses as a legacy container and decrypts a publisher token', async () => {
    const { token, rawUid } = await publisherToken('interop.legacy@example.com');
    const { json, container } = await refreshKeys('/v2/key/latest', FIXTURE.dsp);
    assert.ok(Array.isArray(json));
    assert.equal(container.format, 'legacy');
    const r = decryptTokenWithContainer(container, token, { nowMs: Date.now(), mode: 'legacy' });
    assert.deepEqual([r.status, r.uid, r.siteId, r.siteKeySiteId], ['Success', rawUid, 124, 124]);
  });
});
