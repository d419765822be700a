// BidstreamClient: keys from a live operator's /v2/key/bidstream (publisher tokens, key-authorization
// failures) and from a key-container fixture server holding the shared SDK test keys (164/165), which
// decrypts the cross-platform v4 token from vectors.json and exercises every status.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BidstreamClient, PublisherClient, Uid2Error } from '@uid2-ts/client';
import { encodeAdvertisingToken } from '@uid2-ts/core';
import {
  addTestClient,
  FIXTURE,
  startTestOperator,
  type TestOperator,
} from '../../server/test/helpers/operator.js';
import { clientOptions, expectedRawUid, KeyFixtureServer, SDK_KEYS, vectors } from './helpers.js';

let op: TestOperator;
let keyServer: KeyFixtureServer;

const cross = vectors.categories['advertising_token_v4_cross_platform']?.[0] as {
  input: { token: string; reference_time_epoch_s: number };
  expected: { uid: string; site_id: number; established_ms: number; expires_ms: number };
};
const REF_S = cross.input.reference_time_epoch_s;
const TWENTY_YEARS_S = 20 * 365 * 86_400;
const masterKey = {
  id: SDK_KEYS.master_key.id,
  secret: Buffer.from(SDK_KEYS.master_key.secret_b64, 'base64'),
};
const siteKey = { id: SDK_KEYS.site_key.id, secret: Buffer.from(SDK_KEYS.site_key.secret_b64, 'base64') };

/**
 * A /v2/key/bidstream body with the shared SDK keys, in the windows the SDK tests use (master key
 * from the reference time, site key a day earlier, both for 20 years). No
 * `max_bidstream_lifetime_seconds` unless given: the cross-platform token lives 20 years.
 */
function sdkKeysBody(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    identity_scope: 'UID2',
    allow_clock_skew_seconds: 1800,
    keys: [
      {
        id: SDK_KEYS.master_key.id,
        created: REF_S,
        activates: REF_S,
        expires: REF_S + TWENTY_YEARS_S,
        secret: SDK_KEYS.master_key.secret_b64,
      },
      {
        id: SDK_KEYS.site_key.id,
        created: REF_S - 86_400,
        activates: REF_S - 86_400,
        expires: REF_S + TWENTY_YEARS_S,
        secret: SDK_KEYS.site_key.secret_b64,
      },
    ],
    site_data: [{ id: SDK_KEYS.SITE_ID, domain_names: ['example.com', 'com.example.app'] }],
    ...extra,
  };
}

const sdkCreds = { key: 'UID2-C-L-9000-abcdef.fixture', secret: SDK_KEYS.client_secret_b64 };

/** A v4 token for site 9000 under the SDK keys. */
function sdkToken(o: {
  nowMs: number;
  lifetimeMs: number;
  privacyBits?: number;
  type?: 'email' | 'phone';
}): string {
  return encodeAdvertisingToken(
    {
      scope: 'UID2',
      type: o.type ?? 'email',
      expiresMs: o.nowMs + o.lifetimeMs,
      createdMs: o.nowMs,
      siteId: SDK_KEYS.SITE_ID,
      privacyBits: o.privacyBits ?? 0,
      establishedMs: o.nowMs - 1000,
      rawUid: Buffer.from(cross.expected.uid, 'base64'),
    },
    masterKey,
    siteKey,
  );
}

before(async () => {
  op = await startTestOperator();
  keyServer = await new KeyFixtureServer(sdkCreds.secret, sdkKeysBody()).start();
});
after(async () => {
  await keyServer?.close();
  await op?.close();
});

describe('BidstreamClient with a live operator', () => {
  it("is NotInitialized before refresh(); DSP 123 then decrypts publisher 124's token", async () => {
    const dsp = new BidstreamClient(clientOptions(op, FIXTURE.dsp));
    assert.equal(dsp.hasKeys, false);
    assert.deepEqual(dsp.decryptTokenIntoRawUid('A4anything', 'example.com'), { status: 'NotInitialized' });
    await dsp.refresh();
    assert.equal(dsp.hasKeys, true);

    const publisher = new PublisherClient(clientOptions(op, FIXTURE.publisher));
    const before = Date.now();
    const g = await publisher.generateToken({ email: 'bid.user@example.com' });
    assert.equal(g.status, 'success');
    const token = g.status === 'success' ? g.identity.advertisingToken : '';
    const r = dsp.decryptTokenIntoRawUid(token, 'example.com');
    assert.equal(r.status, 'Success');
    assert.equal(r.uid, expectedRawUid(op, 'email', 'bid.user@example.com'));
    assert.equal(r.siteId, 124);
    assert.equal(r.identityType, 'email');
    assert.equal(r.version, 4);
    assert.equal(r.isClientSideGenerated, false);
    assert.ok(r.established !== undefined && r.established >= before - 1000 && r.established <= Date.now());
    assert.equal(r.expiry, g.status === 'success' ? g.identity.identityExpires : 0);
  });

  it("key authorization: site 127's token (keyset allowed_sites [123]) decrypts for DSP 123, not for ID_READER 999", async () => {
    // As in the reference fixtures, site 127's keyset 901 is shared with site 123 only.
    const store = op.system.store;
    const ks901 = (await store.listKeysets()).find((k) => k.keysetId === 901);
    assert.ok(ks901);
    await store.upsertKeyset({ ...ks901, allowedSites: [123] });
    const gen127 = await addTestClient(store, 127, ['GENERATOR']);
    await op.system.snapshots.refresh();
    const g = await new PublisherClient(clientOptions(op, gen127)).generateToken({
      email: 'site127@example.com',
    });
    assert.equal(g.status, 'success');
    const token = g.status === 'success' ? g.identity.advertisingToken : '';

    const dsp = new BidstreamClient(clientOptions(op, FIXTURE.dsp));
    await dsp.refresh();
    const ok = dsp.decryptTokenIntoRawUid(token, null);
    assert.deepEqual(
      [ok.status, ok.siteId, ok.uid],
      ['Success', 127, expectedRawUid(op, 'email', 'site127@example.com')],
    );

    const other = new BidstreamClient(clientOptions(op, FIXTURE.all));
    await other.refresh();
    assert.deepEqual(other.decryptTokenIntoRawUid(token, null), { status: 'NotAuthorizedForKey' });
    // The cross-platform token's master key (164) is not one of this operator's keys.
    assert.deepEqual(other.decryptTokenIntoRawUid(cross.input.token, null), {
      status: 'NotAuthorizedForMasterKey',
    });
    assert.deepEqual(other.decryptTokenIntoRawUid('not a token', null), { status: 'InvalidPayload' });
  });

  it('refresh() rejects with the operator status for a non-ID_READER key, keeping earlier keys', async () => {
    const wrong = new BidstreamClient(clientOptions(op, FIXTURE.publisher));
    await assert.rejects(
      wrong.refresh(),
      (e: unknown) => e instanceof Uid2Error && e.httpStatus === 401 && e.status === 'unauthorized',
    );
    assert.equal(wrong.hasKeys, false);
  });
});

describe('BidstreamClient with the shared SDK keys (key-container fixture)', () => {
  it('decrypts the cross-platform v4 token from vectors.json', async () => {
    const client = new BidstreamClient(clientOptions(keyServer.url, sdkCreds));
    await client.refresh();
    const r = client.decryptTokenIntoRawUid(cross.input.token, 'example.com');
    assert.deepEqual(r, {
      status: 'Success',
      uid: cross.expected.uid,
      established: cross.expected.established_ms,
      siteId: cross.expected.site_id,
      siteKeySiteId: 0,
      identityType: 'email',
      version: 4,
      isClientSideGenerated: false,
      expiry: cross.expected.expires_ms,
    });
  });

  it('with the usual bidstream lifetime limit the 20-year token is InvalidTokenLifetime', async () => {
    const limited = await new KeyFixtureServer(
      sdkCreds.secret,
      sdkKeysBody({ max_bidstream_lifetime_seconds: 259_210 }),
    ).start();
    try {
      const client = new BidstreamClient(clientOptions(limited.url, sdkCreds));
      await client.refresh();
      const r = client.decryptTokenIntoRawUid(cross.input.token, 'example.com');
      assert.equal(r.status, 'InvalidTokenLifetime');
      assert.equal(r.uid, undefined);
      assert.equal(r.siteId, 9000);
      const fresh = sdkToken({ nowMs: Date.now(), lifetimeMs: 3_600_000 });
      assert.equal(client.decryptTokenIntoRawUid(fresh, null).status, 'Success');
    } finally {
      await limited.close();
    }
  });

  it('client-side tokens are checked against site_data (case-insensitive); other tokens are not', () => {
    const client = new BidstreamClient(clientOptions(keyServer.url, sdkCreds));
    client.refreshJson({ status: 'success', body: sdkKeysBody() });
    const nowMs = Date.now();
    const cstg = sdkToken({ nowMs, lifetimeMs: 3_600_000, privacyBits: 2 });
    assert.equal(client.decryptTokenIntoRawUid(cstg, 'example.com').status, 'Success');
    assert.equal(client.decryptTokenIntoRawUid(cstg, 'Example.COM').status, 'Success');
    assert.equal(client.decryptTokenIntoRawUid(cstg, 'com.example.app').status, 'Success');
    const denied = client.decryptTokenIntoRawUid(cstg, 'other.com');
    assert.deepEqual(
      [denied.status, denied.uid, denied.siteId, denied.isClientSideGenerated],
      ['DomainOrAppNameCheckFailed', undefined, 9000, true],
    );
    assert.equal(client.decryptTokenIntoRawUid(cstg, 'sub.example.com').status, 'DomainOrAppNameCheckFailed');
    assert.equal(client.decryptTokenIntoRawUid(cstg).status, 'DomainOrAppNameCheckFailed');
    const serverSide = sdkToken({ nowMs, lifetimeMs: 3_600_000, type: 'phone' });
    const r = client.decryptTokenIntoRawUid(serverSide, 'other.com');
    assert.deepEqual([r.status, r.identityType], ['Success', 'phone']);
  });

  it('clock-driven statuses, in the reference order: ExpiredToken before the domain check, KeysNotSynced first', () => {
    let now = Date.now();
    const client = new BidstreamClient({ ...clientOptions(keyServer.url, sdkCreds), clock: () => now });
    client.refreshJson(JSON.stringify({ body: sdkKeysBody() }));
    const cstg = sdkToken({ nowMs: now, lifetimeMs: 60_000, privacyBits: 2 });
    now += 60_000;
    assert.equal(client.decryptTokenIntoRawUid(cstg, 'example.com').status, 'Success');
    now += 1;
    const expired = client.decryptTokenIntoRawUid(cstg, 'other.com');
    assert.deepEqual([expired.status, expired.uid, expired.siteId], ['ExpiredToken', undefined, 9000]);
    // A token generated more than allow_clock_skew_seconds in the future.
    const future = sdkToken({ nowMs: now + 1801_000, lifetimeMs: 3_600_000 });
    assert.equal(client.decryptTokenIntoRawUid(future, null).status, 'InvalidTokenLifetime');
    now = (REF_S + TWENTY_YEARS_S) * 1000;
    assert.deepEqual(client.decryptTokenIntoRawUid(cross.input.token, null), { status: 'KeysNotSynced' });
  });

  it('an EUID key container refuses UID2 tokens (InvalidIdentityScope)', () => {
    const client = new BidstreamClient(clientOptions(keyServer.url, sdkCreds));
    client.refreshJson(sdkKeysBody({ identity_scope: 'EUID' }));
    assert.deepEqual(client.decryptTokenIntoRawUid(cross.input.token, null), {
      status: 'InvalidIdentityScope',
    });
    assert.throws(() => client.refreshJson({ body: { keys: 'nope' } }), Uid2Error);
  });

  it('startAutoRefresh() refreshes periodically until stopped', async () => {
    const server = await new KeyFixtureServer(sdkCreds.secret, sdkKeysBody()).start();
    try {
      const client = new BidstreamClient(clientOptions(server.url, sdkCreds));
      const errors: unknown[] = [];
      client.startAutoRefresh({ intervalMs: 20, onError: (e) => errors.push(e) });
      const deadline = Date.now() + 3000;
      while (server.hits < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      client.stopAutoRefresh();
      assert.ok(server.hits >= 3, `hits ${server.hits}`);
      assert.deepEqual(errors, []);
      assert.equal(client.decryptTokenIntoRawUid(cross.input.token, null).status, 'Success');
      await new Promise((r) => setTimeout(r, 60));
      const stopped = server.hits;
      await new Promise((r) => setTimeout(r, 60));
      assert.equal(server.hits, stopped);
    } finally {
      await server.close();
    }
  });
});
