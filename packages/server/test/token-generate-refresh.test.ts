import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  decodeAdvertisingToken,
  decryptRefreshResponse,
  firstLevelHash,
  hashIdentityInput,
  unwrapRefreshToken,
} from '@uid2-ts/core';
import { tokenResponseJson } from '../src/operator/token-service.js';
import { FIXTURE, rawPost, startTestOperator, type TestOperator, v2Call } from './helpers/operator.js';

let op: TestOperator;
before(async () => {
  op = await startTestOperator();
});
after(async () => op.close());

const generate = (payload: object, creds: { key: string; secret: string } = FIXTURE.publisher) =>
  v2Call(op.baseUrl, '/v2/token/generate', payload, creds);

type TokenBody = {
  advertising_token: string;
  refresh_token: string;
  identity_expires: number;
  refresh_expires: number;
  refresh_from: number;
  refresh_response_key: string;
};

describe('token response body', () => {
  it('is the same text as JSON.stringify of the body (key order included)', () => {
    const body = {
      advertising_token: 'A4AAAA_-x',
      refresh_token: 'AAAA+/9=',
      identity_expires: 1_700_000_259_200,
      refresh_expires: 1_702_592_000_000,
      refresh_from: -1,
      refresh_response_key: 'k/+=',
    };
    assert.equal(tokenResponseJson(body), JSON.stringify(body));
  });
});

describe('POST /v2/token/generate', () => {
  it('mints a v4 token whose fields match the identity, site and settings', async () => {
    const before = Date.now();
    const r = await generate({ email: 'Jane.Doe+work@gmail.com' });
    assert.equal(r.httpStatus, 200);
    assert.equal(r.contentType, 'text/plain');
    assert.equal(r.json?.status, 'success');
    const body = r.json?.body as TokenBody;
    assert.match(body.advertising_token, /^A4[A-Za-z0-9_-]+$/);
    assert.equal(body.refresh_token.length, 388);
    assert.equal(Buffer.from(body.refresh_response_key, 'base64').length, 32);
    assert.ok(
      body.identity_expires - before >= 259_200_000 - 5000 &&
        body.identity_expires - before <= 259_200_000 + 5000,
    );
    assert.equal(body.refresh_expires - body.identity_expires, 2_592_000_000 - 259_200_000);
    assert.equal(body.identity_expires - body.refresh_from, 259_200_000 - 3_600_000);

    const snapshot = op.system.snapshots.current;
    const t = decodeAdvertisingToken(body.advertising_token, snapshot.keys.getKey);
    assert.ok(t.ok);
    assert.equal(t.value.siteId, 124);
    assert.equal(t.value.privacyBits, 1);
    assert.equal(t.value.type, 'email');
    assert.equal(t.value.createdMs, t.value.refreshedMs);
    assert.equal(t.value.expiresMs, body.identity_expires);
    // The raw UID is the one for the normalized email in its bucket.
    const id = hashIdentityInput('email', 'janedoe@gmail.com');
    assert.ok(id);
    const flh = firstLevelHash(id.hashB64, snapshot.salts.firstLevelSalt);
    assert.equal(t.value.rawUid.length, 32);
    // The refresh token carries the first-level hash.
    const u = unwrapRefreshToken(body.refresh_token, snapshot.keys.getKey);
    assert.ok(u.ok);
    assert.equal(u.value.refreshResponseKey.toString('base64'), body.refresh_response_key);
    const same = await generate({ email_hash: id.hashB64 });
    const t2 = decodeAdvertisingToken(
      (same.json as { body: TokenBody }).body.advertising_token,
      snapshot.keys.getKey,
    );
    assert.ok(t2.ok);
    assert.deepEqual(t2.value.rawUid, t.value.rawUid);
    assert.equal(flh.length, 44);
  });

  it('phone tokens start B4; binary requests get binary responses', async () => {
    const r = await v2Call(op.baseUrl, '/v2/token/generate', { phone: '+12345678901' }, FIXTURE.publisher, {
      binary: true,
    });
    assert.equal(r.httpStatus, 200);
    assert.equal(r.contentType, 'application/octet-stream');
    assert.match((r.json as { body: TokenBody }).body.advertising_token, /^B4/);
  });

  it('answers optout for the always-opted-out test identities, in the encrypted envelope', async () => {
    for (const payload of [{ email: 'optout@example.com' }, { phone: '+00000000000' }]) {
      const r = await generate(payload);
      assert.equal(r.httpStatus, 200);
      assert.deepEqual(r.json, { status: 'optout' });
    }
  });

  it('enforces exactly one identity and validates it', async () => {
    const missing =
      'Required Parameter Missing: exactly one of [email, email_hash, phone, phone_hash] must be specified';
    for (const payload of [{}, { email: 'a@b.com', phone: '+12345678901' }, { email: null }]) {
      const r = await generate(payload);
      assert.equal(r.httpStatus, 400);
      assert.deepEqual(r.json, { status: 'client_error', message: missing });
    }
    for (const payload of [
      { email: 'not-an-email' },
      { phone: '12345' },
      { email_hash: 'abc' },
      { email: 42 },
    ]) {
      const r = await generate(payload);
      assert.deepEqual(
        [r.httpStatus, r.json],
        [400, { status: 'client_error', message: 'Invalid Identifier' }],
      );
    }
  });

  it('401 {"status":"unauthorized"} without a key, with a wrong key, or without the role', async () => {
    const wrongKey = { key: `${FIXTURE.publisher.key.slice(0, -2)}x=`, secret: FIXTURE.publisher.secret };
    for (const creds of [wrongKey, FIXTURE.dsp, { key: 'nonsense', secret: FIXTURE.publisher.secret }]) {
      const r = await generate({ email: 'a@b.com' }, creds);
      assert.equal(r.httpStatus, 401);
      assert.deepEqual(r.json, { status: 'unauthorized' });
    }
  });

  it('envelope errors are 400 with the reference messages', async () => {
    const noBody = await rawPost(op.baseUrl, '/v2/token/generate', '', {
      authorization: `Bearer ${FIXTURE.publisher.key}`,
    });
    assert.deepEqual(
      [noBody.httpStatus, JSON.parse(noBody.text)],
      [400, { status: 'client_error', message: 'Invalid body: Body is missing.' }],
    );
    const plainJson = await rawPost(op.baseUrl, '/v2/token/generate', '{"email":"a@b.com"}', {
      authorization: `Bearer ${FIXTURE.publisher.key}`,
      'content-type': 'application/json',
    });
    assert.equal(plainJson.httpStatus, 400);
    assert.match(JSON.parse(plainJson.text).message, /^Invalid body: The request body is unencrypted JSON/);
    const wrongSecret = await v2Call(
      op.baseUrl,
      '/v2/token/generate',
      { email: 'a@b.com' },
      {
        key: FIXTURE.publisher.key,
        secret: FIXTURE.all.secret,
      },
    );
    assert.equal(wrongSecret.httpStatus, 400);
    assert.match(String(wrongSecret.json?.message), /^Invalid body: Check encryption key \(ClientSecret\)\./);
    const old = await v2Call(op.baseUrl, '/v2/token/generate', { email: 'a@b.com' }, FIXTURE.publisher, {
      nowMs: Date.now() - 130_000,
    });
    assert.deepEqual(old.json, {
      status: 'client_error',
      message: 'Invalid timestamp: Request too old or client time drift.',
    });
  });

  it('reads the raw body whatever the content type (never form-decodes), or none', async () => {
    for (const contentType of ['application/x-www-form-urlencoded', 'text/plain', 'application/json', '']) {
      const r = await v2Call(
        op.baseUrl,
        '/v2/token/generate',
        { email: 'a+b@example.com' },
        FIXTURE.publisher,
        {
          contentType,
        },
      );
      assert.equal(r.httpStatus, 200, contentType);
    }
    // No Content-Type header at all (fetch always adds one; use node:http).
    const { request } = await import('node:http');
    const { sealRequestEnvelope } = await import('@uid2-ts/core');
    const body = sealRequestEnvelope(
      { email: 'x@example.com' },
      Buffer.from(FIXTURE.publisher.secret, 'base64'),
    ).envelope.toString('base64');
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = request(`${op.baseUrl}/v2/token/generate`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${FIXTURE.publisher.key}`,
          'content-length': Buffer.byteLength(body),
        },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('error', reject);
      req.end(body);
    });
    assert.equal(status, 200);
  });

  it('413 plain text for bodies over 1 MiB', async () => {
    const r = await rawPost(op.baseUrl, '/v2/token/generate', 'A'.repeat((1 << 20) + 1), {
      authorization: `Bearer ${FIXTURE.publisher.key}`,
    });
    assert.equal(r.httpStatus, 413);
    assert.equal(r.text, 'Request Entity Too Large');
  });
});

describe('POST /v2/token/refresh', () => {
  async function freshIdentity(payload: object = { email: 'refresh-me@example.com' }): Promise<TokenBody> {
    const r = await generate(payload);
    return r.json?.body as TokenBody;
  }

  async function refresh(refreshToken: string, headers: Record<string, string> = {}) {
    return rawPost(op.baseUrl, '/v2/token/refresh', refreshToken, {
      'content-type': 'text/plain',
      ...headers,
    });
  }

  it('returns a new identity encrypted with the previous refresh_response_key, keeping established', async () => {
    const first = await freshIdentity();
    const r = await refresh(first.refresh_token);
    assert.equal(r.httpStatus, 200);
    assert.equal(r.contentType, 'text/plain');
    const plain = decryptRefreshResponse(
      Buffer.from(first.refresh_response_key, 'base64'),
      Buffer.from(r.text, 'base64'),
    );
    assert.ok(plain);
    const json = JSON.parse(plain) as { status: string; body: TokenBody };
    assert.equal(json.status, 'success');
    assert.notEqual(json.body.refresh_response_key, first.refresh_response_key);
    const keys = op.system.snapshots.current.keys.getKey;
    const a = decodeAdvertisingToken(first.advertising_token, keys);
    const b = decodeAdvertisingToken(json.body.advertising_token, keys);
    assert.ok(a.ok && b.ok);
    assert.equal(b.value.establishedMs, a.value.establishedMs);
    assert.deepEqual(b.value.rawUid, a.value.rawUid);
    assert.equal(b.value.siteId, 124);
    // The new refresh token works too.
    const again = await refresh(json.body.refresh_token);
    assert.equal(again.httpStatus, 200);
  });

  it('binary request → binary response', async () => {
    const first = await freshIdentity();
    const r = await refresh(first.refresh_token, { 'content-type': 'application/octet-stream' });
    assert.equal(r.contentType, 'application/octet-stream');
    const plain = decryptRefreshResponse(Buffer.from(first.refresh_response_key, 'base64'), r.bytes);
    assert.equal(JSON.parse(plain ?? '{}').status, 'success');
  });

  it('refresh-optout test identities are opted out at refresh only', async () => {
    for (const payload of [{ email: 'refresh-optout@example.com' }, { phone: '+00000000002' }]) {
      const first = await freshIdentity(payload);
      assert.ok(first.advertising_token);
      const r = await refresh(first.refresh_token);
      assert.equal(r.httpStatus, 200);
      const plain = decryptRefreshResponse(
        Buffer.from(first.refresh_response_key, 'base64'),
        Buffer.from(r.text, 'base64'),
      );
      assert.deepEqual(JSON.parse(plain ?? '{}'), { status: 'optout' });
    }
  });

  it('malformed 388-character tokens get the reference 400 messages; others depend on authentication', async () => {
    const first = await freshIdentity();
    const notB64 = await refresh(`*${first.refresh_token.slice(1)}`);
    assert.deepEqual(
      [notB64.httpStatus, JSON.parse(notB64.text)],
      [400, { status: 'client_error', message: 'Invalid body: Body is not valid base64.' }],
    );
    const bytes = Buffer.from(first.refresh_token, 'base64');
    bytes.writeInt32BE(99999, 1);
    const unknownKey = await refresh(bytes.toString('base64'));
    assert.deepEqual(JSON.parse(unknownKey.text), {
      status: 'client_error',
      message: 'Invalid key: Generator of this token (Key ID: 99999) does not exist.',
    });
    const garbage = await refresh('not a refresh token');
    assert.deepEqual(
      [garbage.httpStatus, JSON.parse(garbage.text)],
      [400, { status: 'error', message: 'Error refreshing token' }],
    );
    const authed = await refresh('not a refresh token', { authorization: `Bearer ${FIXTURE.publisher.key}` });
    assert.deepEqual(
      [authed.httpStatus, JSON.parse(authed.text)],
      [400, { status: 'invalid_token', message: 'Invalid Token presented' }],
    );
  });
});

describe('ops and CORS', () => {
  it('GET /ops/healthcheck → 200 OK', async () => {
    const res = await fetch(`${op.baseUrl}/ops/healthcheck`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'OK');
  });

  it('reflects the Origin, answers preflights with 204, allows Authorization only on validate', async () => {
    const pre = (path: string) =>
      fetch(op.baseUrl + path, {
        method: 'OPTIONS',
        headers: { origin: 'https://pub.example', 'access-control-request-method': 'POST' },
      });
    const gen = await pre('/v2/token/generate');
    assert.equal(gen.status, 204);
    assert.equal(gen.headers.get('access-control-allow-origin'), 'https://pub.example');
    assert.match(gen.headers.get('access-control-allow-headers') ?? '', /X-UID2-Client-Version/);
    assert.doesNotMatch(gen.headers.get('access-control-allow-headers') ?? '', /Authorization/);
    const val = await pre('/v2/token/validate');
    assert.match(val.headers.get('access-control-allow-headers') ?? '', /Authorization/);
    const err = await rawPost(op.baseUrl, '/v2/token/refresh', 'x', { origin: 'https://pub.example' });
    assert.equal(err.httpStatus, 400);
    const res = await fetch(`${op.baseUrl}/v2/token/refresh`, {
      method: 'POST',
      body: 'x',
      headers: { origin: 'https://a.example' },
    });
    assert.equal(res.headers.get('access-control-allow-origin'), 'https://a.example');
  });
});
