import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeAdvertisingToken, hashIdentityInput, toBase64Url } from '@uid2-ts/core';
import { FIXTURE, rawPost, startTestOperator, type TestOperator, v2Call } from './helpers/operator.js';

let op: TestOperator;
before(async () => {
  op = await startTestOperator();
});
after(async () => op.close());

type Creds = { key: string; secret: string };

async function tokenFor(payload: object, creds: Creds = FIXTURE.publisher): Promise<string> {
  const r = await v2Call(op.baseUrl, '/v2/token/generate', payload, creds);
  assert.equal(r.httpStatus, 200);
  const body = r.json?.body as { advertising_token: string } | undefined;
  assert.ok(body);
  return body.advertising_token;
}

const validate = (payload: object, creds: Creds = FIXTURE.publisher) =>
  v2Call(op.baseUrl, '/v2/token/validate', payload, creds);

const MISSING =
  'Required Parameter Missing: exactly one of [email, email_hash, phone, phone_hash] must be specified';

describe('POST /v2/token/validate', () => {
  it('answers the bare boolean true for the identity the token was minted for, in every input form', async () => {
    const token = await tokenFor({ email: 'Validate.Me+x@example.com' });
    const hash = hashIdentityInput('email', 'validate.me+x@example.com');
    assert.ok(hash);
    const hex = Buffer.from(hash.hashB64, 'base64').toString('hex');
    for (const identity of [
      { email: 'Validate.Me+x@example.com' },
      { email: '  validate.me+x@EXAMPLE.com' },
      { email_hash: hash.hashB64 },
      { email_hash: hex },
    ]) {
      const r = await validate({ token, ...identity });
      assert.equal(r.httpStatus, 200);
      assert.equal(r.text, '{"status":"success","body":true}');
      assert.deepEqual(r.json, { status: 'success', body: true });
    }
  });

  it('answers false for any other identity', async () => {
    const token = await tokenFor({ email: 'validate-a@example.com' });
    for (const identity of [{ email: 'validate-b@example.com' }, { phone: '+12345678901' }]) {
      const r = await validate({ token, ...identity });
      assert.equal(r.httpStatus, 200);
      assert.equal(r.text, '{"status":"success","body":false}');
    }
  });

  it('works for phone tokens and for the documented test identity, ignoring opt-out', async () => {
    const phoneToken = await tokenFor({ phone: '+12345678901' });
    assert.deepEqual((await validate({ token: phoneToken, phone: '+12345678901' })).json, {
      status: 'success',
      body: true,
    });
    const testToken = await tokenFor({ email: 'validate@example.com' });
    assert.deepEqual(
      (await validate({ token: testToken, email_hash: 'ntI244ZRTXwAwpki6/M5cyBYW7h/Wq576lnN3l9+W/c=' })).json,
      { status: 'success', body: true },
    );
  });

  it('binary requests get binary answers', async () => {
    const token = await tokenFor({ email: 'binary-validate@example.com' });
    const r = await v2Call(
      op.baseUrl,
      '/v2/token/validate',
      { token, email: 'binary-validate@example.com' },
      FIXTURE.publisher,
      { binary: true },
    );
    assert.equal(r.contentType, 'application/octet-stream');
    assert.deepEqual(r.json, { status: 'success', body: true });
  });

  it('400 "Invalid token" for missing, malformed, tampered or foreign-key tokens', async () => {
    const token = await tokenFor({ email: 'tamper@example.com' });
    const bytes = Buffer.from(token.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    const flipped = Buffer.from(bytes);
    flipped[40] = (flipped[40] as number) ^ 1;
    const unknownMaster = Buffer.from(bytes);
    unknownMaster.writeInt32BE(987654, 2);
    for (const bad of [
      undefined,
      42,
      '',
      'abc',
      'not a token at all, really not',
      toBase64Url(flipped),
      toBase64Url(unknownMaster),
    ]) {
      const r = await validate({ token: bad, email: 'tamper@example.com' });
      assert.equal(r.httpStatus, 400, String(bad));
      assert.match(r.contentType ?? '', /^application\/json/);
      assert.deepEqual(r.json, { status: 'client_error', message: 'Invalid token' });
    }
  });

  it('400 "Unauthorised to validate token" for a token minted under another site key', async () => {
    // Site 999's token, validated by site 124 (and the reverse).
    const foreign = await tokenFor({ email: 'someone@example.com' }, FIXTURE.all);
    const t = decodeAdvertisingToken(foreign, op.system.snapshots.current.keys.getKey);
    assert.ok(t.ok);
    assert.equal(t.value.siteId, 999);
    const r = await validate({ token: foreign, email: 'someone@example.com' });
    assert.deepEqual(
      [r.httpStatus, r.json],
      [400, { status: 'client_error', message: 'Unauthorised to validate token' }],
    );
    const own = await tokenFor({ email: 'someone@example.com' });
    const back = await validate({ token: own, email: 'someone@example.com' }, FIXTURE.all);
    assert.deepEqual(back.json, { status: 'client_error', message: 'Unauthorised to validate token' });
    // The owner itself validates fine.
    assert.deepEqual((await validate({ token: foreign, email: 'someone@example.com' }, FIXTURE.all)).json, {
      status: 'success',
      body: true,
    });
  });

  it('identity rules and messages as generate, checked before the token', async () => {
    for (const payload of [
      { token: 'x' },
      { token: 'x', email: 'a@b.com', phone: '+12345678901' },
      { token: 'x', email: null },
    ]) {
      const r = await validate(payload);
      assert.deepEqual([r.httpStatus, r.json], [400, { status: 'client_error', message: MISSING }]);
    }
    for (const payload of [
      { token: 'x', email: 'not-an-email' },
      { token: 'x', phone: '12345' },
      { token: 'x', email_hash: 'abc' },
    ]) {
      const r = await validate(payload);
      assert.deepEqual(
        [r.httpStatus, r.json],
        [400, { status: 'client_error', message: 'Invalid Identifier' }],
      );
    }
  });

  it('401 without the GENERATOR role or key; envelope errors 400', async () => {
    const token = await tokenFor({ email: 'auth@example.com' });
    for (const creds of [
      FIXTURE.dsp,
      FIXTURE.optout,
      { key: 'nonsense', secret: FIXTURE.publisher.secret },
    ]) {
      const r = await validate({ token, email: 'auth@example.com' }, creds);
      assert.deepEqual([r.httpStatus, r.json], [401, { status: 'unauthorized' }]);
    }
    const empty = await rawPost(op.baseUrl, '/v2/token/validate', '', {
      authorization: `Bearer ${FIXTURE.publisher.key}`,
    });
    assert.deepEqual(
      [empty.httpStatus, JSON.parse(empty.text)],
      [400, { status: 'client_error', message: 'Invalid body: Body is missing.' }],
    );
  });
});
