// PublisherClient against a live uid2-ts operator: generate for every identity kind, opt-out paths
// (test identities and a real opt-out through /v2/token/logout), refresh, errors, retries, timeouts.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  CLIENT_VERSION,
  type IdentityTokens,
  identityFromJson,
  identityToJson,
  isDueForRefresh,
  isIdentityExpired,
  isRefreshable,
  PublisherClient,
  Uid2Error,
} from '@uid2-ts/client';
import { decodeAdvertisingToken, hashIdentityInput } from '@uid2-ts/core';
import { FIXTURE, startTestOperator, type TestOperator, v2Call } from '../../server/test/helpers/operator.js';
import { clientOptions, expectedRawUid, recordingFetch } from './helpers.js';

let op: TestOperator;
let publisher: PublisherClient;
before(async () => {
  op = await startTestOperator();
  publisher = new PublisherClient(clientOptions(op, FIXTURE.publisher));
});
after(async () => op?.close());

async function generateIdentity(
  input: Parameters<PublisherClient['generateToken']>[0],
): Promise<IdentityTokens> {
  const r = await publisher.generateToken(input);
  assert.equal(r.status, 'success');
  return (r as { identity: IdentityTokens }).identity;
}

async function rejection(p: Promise<unknown>): Promise<Uid2Error> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof Uid2Error, `expected a Uid2Error, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a rejection');
}

describe('PublisherClient.generateToken', () => {
  it('generates an identity for a raw email with the operator lifetimes, site 124 and the right raw UID', async () => {
    const before = Date.now();
    const id = await generateIdentity({ email: 'Jane.Doe+work@gmail.com' });
    assert.match(id.advertisingToken, /^A4[A-Za-z0-9_-]+$/);
    assert.equal(id.refreshToken.length, 388);
    assert.equal(Buffer.from(id.refreshResponseKey, 'base64').length, 32);
    assert.ok(Math.abs(id.identityExpires - before - 259_200_000) < 5000);
    assert.equal(id.identityExpires - id.refreshFrom, 259_200_000 - 3_600_000);
    assert.equal(id.refreshExpires - id.identityExpires, 2_592_000_000 - 259_200_000);
    const t = decodeAdvertisingToken(id.advertisingToken, op.system.snapshots.current.keys.getKey);
    assert.ok(t.ok);
    assert.equal(t.value.siteId, 124);
    assert.equal(
      Buffer.from(t.value.rawUid).toString('base64'),
      expectedRawUid(op, 'email', 'janedoe@gmail.com'),
    );
  });

  it('accepts phone, email hash and phone hash inputs (same raw UID as the raw form)', async () => {
    const phone = await generateIdentity({ phone: '+12065550100' });
    assert.match(phone.advertisingToken, /^B4/);
    const emailHash = hashIdentityInput('email', 'hashed.user@example.com')?.hashB64 as string;
    const phoneHash = hashIdentityInput('phone', '+12065550101')?.hashB64 as string;
    const byEmailHash = await generateIdentity({ emailHash });
    const byPhoneHash = await generateIdentity({ phoneHash });
    const keys = op.system.snapshots.current.keys.getKey;
    const uidOf = (token: string) => {
      const t = decodeAdvertisingToken(token, keys);
      assert.ok(t.ok);
      return Buffer.from(t.value.rawUid).toString('base64');
    };
    assert.equal(uidOf(byEmailHash.advertisingToken), expectedRawUid(op, 'email', 'hashed.user@example.com'));
    assert.equal(uidOf(byPhoneHash.advertisingToken), expectedRawUid(op, 'phone', '+12065550101'));
    assert.match(byPhoneHash.advertisingToken, /^B4/);
  });

  it('resolves { status: "optout" } for the always-opted-out test identities', async () => {
    assert.deepEqual(await publisher.generateToken({ email: 'optout@example.com' }), { status: 'optout' });
    assert.deepEqual(await publisher.generateToken({ phone: '+00000000000' }), { status: 'optout' });
    assert.deepEqual(
      await publisher.generateToken({ emailHash: 'DYsnJ8r5+cjRDHue98gIGDKvLIMuqAm/RRLODrjqK50=' }),
      { status: 'optout' },
    );
  });

  it('rejects with the operator status and message: invalid identifier (400), wrong role (401), wrong secret', async () => {
    const bad = await rejection(publisher.generateToken({ email: 'not-an-email' }));
    assert.deepEqual(
      [bad.code, bad.httpStatus, bad.status, bad.operatorMessage],
      ['http', 400, 'client_error', 'Invalid Identifier'],
    );
    assert.equal(bad.attempts, 1);
    const dsp = new PublisherClient(clientOptions(op, FIXTURE.dsp));
    const unauth = await rejection(dsp.generateToken({ email: 'a@example.com' }));
    assert.deepEqual(
      [unauth.httpStatus, unauth.status, unauth.operatorMessage],
      [401, 'unauthorized', undefined],
    );
    const wrongSecret = new PublisherClient({
      ...clientOptions(op, FIXTURE.publisher),
      secretKey: Buffer.alloc(32, 7).toString('base64'),
    });
    const e = await rejection(wrongSecret.generateToken({ email: 'a@example.com' }));
    assert.equal(e.httpStatus, 400);
    assert.equal(e.status, 'client_error');
    assert.match(e.operatorMessage ?? '', /^Invalid body: Check encryption key \(ClientSecret\)\./);
  });

  it('validates its options', () => {
    assert.throws(
      () => new PublisherClient({ baseUrl: 'ftp://x', apiKey: 'k', secretKey: FIXTURE.all.secret }),
      TypeError,
    );
    assert.throws(
      () => new PublisherClient({ baseUrl: op.baseUrl, apiKey: 'k', secretKey: 'c2hvcnQ=' }),
      TypeError,
    );
    // A key that cannot be an HTTP header value fails at once, not as a retried "network" error.
    for (const apiKey of [`${FIXTURE.all.key}\n`, ` ${FIXTURE.all.key}`, 'key with space', 'clé']) {
      assert.throws(
        () => new PublisherClient({ baseUrl: op.baseUrl, apiKey, secretKey: FIXTURE.all.secret }),
        { name: 'TypeError', message: /printable ASCII/ },
      );
    }
    // Numeric options that fetch or the retry loop could not use are refused up front.
    const base = { baseUrl: op.baseUrl, apiKey: FIXTURE.all.key, secretKey: FIXTURE.all.secret };
    for (const timeoutMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 32]) {
      assert.throws(() => new PublisherClient({ ...base, timeoutMs }), {
        name: 'RangeError',
        message: /^timeoutMs must be/,
      });
    }
    for (const retry of [{ maxRetries: -1 }, { baseDelayMs: Number.NaN }, { maxDelayMs: -5 }]) {
      assert.throws(() => new PublisherClient({ ...base, retry }), {
        name: 'RangeError',
        message: /^retry\.\w+ must be a finite number/,
      });
    }
    assert.doesNotThrow(
      () => new PublisherClient({ ...base, timeoutMs: 1, retry: { maxRetries: 0, baseDelayMs: 0 } }),
    );
  });
});

describe('PublisherClient.refreshToken', () => {
  it('refreshes an identity: a new token for the same user, decrypted with the refresh_response_key', async () => {
    const first = await generateIdentity({ email: 'refresh.me@example.com' });
    const r = await publisher.refreshToken(first);
    assert.equal(r.status, 'success');
    const next = (r as { identity: IdentityTokens }).identity;
    assert.notEqual(next.refreshToken, first.refreshToken);
    assert.notEqual(next.refreshResponseKey, first.refreshResponseKey);
    const keys = op.system.snapshots.current.keys.getKey;
    const a = decodeAdvertisingToken(first.advertisingToken, keys);
    const b = decodeAdvertisingToken(next.advertisingToken, keys);
    assert.ok(a.ok && b.ok);
    assert.deepEqual(b.value.rawUid, a.value.rawUid);
    assert.equal(b.value.establishedMs, a.value.establishedMs);
    // And the refreshed identity refreshes again.
    assert.equal((await publisher.refreshToken(next)).status, 'success');
  });

  it('resolves optout for refresh-optout@example.com (generate succeeds, refresh opts out)', async () => {
    const id = await generateIdentity({ email: 'refresh-optout@example.com' });
    assert.deepEqual(await publisher.refreshToken(id), { status: 'optout' });
  });

  it('resolves optout after the user opts out through /v2/token/logout', async () => {
    const id = await generateIdentity({ email: 'leaving.user@example.com' });
    assert.equal((await publisher.refreshToken(id)).status, 'success');
    const logout = await v2Call(
      op.baseUrl,
      '/v2/token/logout',
      { email: 'leaving.user@example.com' },
      FIXTURE.optout,
    );
    assert.deepEqual(logout.json, { status: 'success', body: { optout: 'OK' } });
    assert.deepEqual(await publisher.refreshToken(id), { status: 'optout' });
    assert.deepEqual(await publisher.generateToken({ email: 'leaving.user@example.com' }), {
      status: 'optout',
    });
  });

  it('rejects a tampered or unknown refresh token with the operator status and message', async () => {
    const id = await generateIdentity({ email: 'tamper@example.com' });
    const t = id.refreshToken;
    const tampered = { ...id, refreshToken: t.slice(0, 100) + (t[100] === 'A' ? 'B' : 'A') + t.slice(101) };
    const e = await rejection(publisher.refreshToken(tampered));
    assert.deepEqual([e.httpStatus, e.status], [400, 'client_error']);
    assert.equal(e.operatorMessage, 'Invalid data: Check encryption method and encryption key.');
    const legacy = await rejection(publisher.refreshToken({ ...id, refreshToken: 'not-a-token' }));
    assert.deepEqual(
      [legacy.httpStatus, legacy.status, legacy.operatorMessage],
      [400, 'invalid_token', 'Invalid Token presented'],
    );
  });
});

describe('identity helpers', () => {
  const identity: IdentityTokens = {
    advertisingToken: 'A4x',
    refreshToken: 'r',
    identityExpires: 3000,
    refreshExpires: 5000,
    refreshFrom: 1000,
    refreshResponseKey: 'k',
  };
  it('isDueForRefresh / isIdentityExpired / isRefreshable follow refresh_from, identity_expires, refresh_expires', () => {
    assert.deepEqual(
      [999, 1000, 2999, 3000, 4999, 5000].map((t) => [
        isDueForRefresh(identity, t),
        isIdentityExpired(identity, t),
        isRefreshable(identity, t),
      ]),
      [
        [false, false, true],
        [true, false, true],
        [true, false, true],
        [true, true, true],
        [true, true, true],
        [true, true, false],
      ],
    );
  });
  it('identityToJson writes the operator wire form; identityFromJson reads it back', () => {
    const json = identityToJson(identity);
    assert.deepEqual(JSON.parse(json), {
      advertising_token: 'A4x',
      refresh_token: 'r',
      identity_expires: 3000,
      refresh_expires: 5000,
      refresh_from: 1000,
      refresh_response_key: 'k',
    });
    assert.deepEqual(identityFromJson(json), identity);
    assert.equal(identityFromJson('{"advertising_token":1}'), undefined);
    assert.equal(identityFromJson('not json'), undefined);
  });
});

describe('HTTP behaviour', () => {
  it('sends Bearer auth, X-UID2-Client-Version and a base64 text envelope', async () => {
    const rec = recordingFetch();
    const client = new PublisherClient({ ...clientOptions(op, FIXTURE.publisher), fetch: rec.fetch });
    await client.generateToken({ email: 'headers@example.com' });
    const [req] = rec.requests;
    assert.ok(req);
    assert.equal(req.url, `${op.baseUrl}/v2/token/generate`);
    assert.equal(req.headers.get('authorization'), `Bearer ${FIXTURE.publisher.key}`);
    assert.equal(req.headers.get('x-uid2-client-version'), `uid2-client-node-${CLIENT_VERSION}`);
    assert.equal(req.contentType, 'text/plain');
  });

  it('retries 503 and 429 with backoff (a fresh envelope each time), then succeeds', async () => {
    const rec = recordingFetch({ failures: 2, failStatus: 503 });
    const client = new PublisherClient({
      ...clientOptions(op, FIXTURE.publisher),
      fetch: rec.fetch,
      retry: { baseDelayMs: 1 },
    });
    assert.equal((await client.generateToken({ email: 'retry@example.com' })).status, 'success');
    assert.equal(rec.requests.length, 3);
    const rec429 = recordingFetch({ failures: 1, failStatus: 429, retryAfter: '0' });
    const c429 = new PublisherClient({ ...clientOptions(op, FIXTURE.publisher), fetch: rec429.fetch });
    assert.equal((await c429.generateToken({ email: 'retry@example.com' })).status, 'success');
    assert.equal(rec429.requests.length, 2);
  });

  it('gives up after maxRetries with the last status, and never retries a 4xx', async () => {
    const rec = recordingFetch({ failures: 10, failStatus: 503 });
    const client = new PublisherClient({
      ...clientOptions(op, FIXTURE.publisher),
      fetch: rec.fetch,
      retry: { maxRetries: 2, baseDelayMs: 1 },
    });
    const e = await rejection(client.generateToken({ email: 'retry@example.com' }));
    assert.deepEqual(
      [e.httpStatus, e.status, e.operatorMessage, e.attempts],
      [503, 'unknown', 'try later', 3],
    );
    assert.equal(rec.requests.length, 3);

    const rec400 = recordingFetch();
    const c400 = new PublisherClient({ ...clientOptions(op, FIXTURE.publisher), fetch: rec400.fetch });
    await rejection(c400.generateToken({ email: 'bad email' }));
    assert.equal(rec400.requests.length, 1);
  });

  it('times out per attempt (AbortSignal.timeout) and reports code "timeout"', async () => {
    const sockets = new Set<import('node:net').Socket>();
    const silent = createServer(() => {
      // never answers
    });
    silent.on('connection', (s) => sockets.add(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const port = (silent.address() as AddressInfo).port;
      const client = new PublisherClient({
        ...clientOptions(`http://127.0.0.1:${port}`, FIXTURE.publisher),
        timeoutMs: 100,
        retry: { maxRetries: 1, baseDelayMs: 1 },
      });
      const started = Date.now();
      const e = await rejection(client.generateToken({ email: 'slow@example.com' }));
      assert.equal(e.code, 'timeout');
      assert.equal(e.attempts, 2);
      assert.ok(Date.now() - started < 2000);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });
});
