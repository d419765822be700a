import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decryptRefreshResponse, hashIdentityInput } from '@uid2-ts/core';
import { FIXTURE, rawPost, startTestOperator, type TestOperator, v2Call } from './helpers/operator.js';

const dataDir = mkdtempSync(join(tmpdir(), 'uid2-logout-test-'));
let op: TestOperator;
before(async () => {
  op = await startTestOperator({ dataDir });
});
after(async () => {
  await op.close();
  rmSync(dataDir, { recursive: true, force: true });
});

type TokenBody = { advertising_token: string; refresh_token: string; refresh_response_key: string };

const logout = (payload: object, creds: { key: string; secret: string } = FIXTURE.optout) =>
  v2Call(op.baseUrl, '/v2/token/logout', payload, creds);
const generate = (payload: object) => v2Call(op.baseUrl, '/v2/token/generate', payload, FIXTURE.publisher);

async function refreshStatus(identity: TokenBody): Promise<unknown> {
  const r = await rawPost(op.baseUrl, '/v2/token/refresh', identity.refresh_token, {
    'content-type': 'text/plain',
  });
  assert.equal(r.httpStatus, 200);
  const plain = decryptRefreshResponse(
    Buffer.from(identity.refresh_response_key, 'base64'),
    Buffer.from(r.text, 'base64'),
  );
  assert.ok(plain);
  return (JSON.parse(plain) as { status: unknown }).status;
}

const OK = { status: 'success', body: { optout: 'OK' } };

describe('POST /v2/token/logout', () => {
  it('opts the user out at once: generate and refresh of an earlier token answer optout', async () => {
    const before = await generate({ email: 'Leaving.User@example.com' });
    assert.equal(before.json?.status, 'success');
    const identity = before.json?.body as TokenBody;
    assert.equal(identity.refresh_token.length, 388);
    assert.equal(await refreshStatus(identity), 'success');

    const r = await logout({ email: 'leaving.user@example.com', clientIp: '203.0.113.7' });
    assert.equal(r.httpStatus, 200);
    assert.equal(r.text, '{"status":"success","body":{"optout":"OK"}}');

    assert.deepEqual((await generate({ email: 'Leaving.User@example.com' })).json, { status: 'optout' });
    assert.equal(await refreshStatus(identity), 'optout');
    // Repeating is harmless.
    assert.deepEqual((await logout({ email: 'leaving.user@example.com' })).json, OK);
    assert.deepEqual((await generate({ email: 'leaving.user@example.com' })).json, { status: 'optout' });
  });

  it('hashed and raw inputs are the same identity, both ways, for email and phone', async () => {
    const email = hashIdentityInput('email', 'hashed.leaver@example.com');
    assert.ok(email);
    assert.deepEqual((await logout({ email_hash: email.hashB64 })).json, OK);
    assert.deepEqual((await generate({ email: 'Hashed.Leaver@example.com' })).json, { status: 'optout' });

    assert.deepEqual((await logout({ phone: '+447700900123' })).json, OK);
    const phone = hashIdentityInput('phone', '+447700900123');
    assert.ok(phone);
    const hex = Buffer.from(phone.hashB64, 'base64').toString('hex');
    assert.deepEqual((await generate({ phone_hash: hex })).json, { status: 'optout' });
    // Neighbours are untouched.
    assert.equal((await generate({ email: 'hashed.leaver2@example.com' })).json?.status, 'success');
  });

  it('the "validate" test identity still generates after a logout (test identities win)', async () => {
    assert.deepEqual((await logout({ email: 'validate@example.com' })).json, OK);
    assert.equal((await generate({ email: 'validate@example.com' })).json?.status, 'success');
  });

  it('400 invalid_token for a missing or invalid identity, never echoing it', async () => {
    for (const payload of [
      {},
      { email: 'a@b.com', phone: '+12345678901' },
      { email: null },
      { clientIp: '1.2.3.4' },
    ]) {
      const r = await logout(payload);
      assert.deepEqual(
        [r.httpStatus, r.json],
        [400, { status: 'invalid_token', message: 'Invalid Token presented null' }],
      );
    }
    for (const payload of [
      { email: 'secret.person-at-example.com' },
      { phone: '5551234' },
      { email_hash: 'abc' },
    ]) {
      const r = await logout(payload);
      assert.equal(r.httpStatus, 400);
      assert.equal(r.json?.status, 'invalid_token');
      const message = String(r.json?.message);
      assert.match(
        message,
        /^Invalid Token presented com\.uid2\.operator\.service\.InputUtil\$InputVal@[0-9a-f]+$/,
      );
      assert.ok(!message.includes(String(Object.values(payload)[0])));
    }
  });

  it('401 without the OPTOUT role', async () => {
    for (const creds of [FIXTURE.publisher, FIXTURE.dataProvider]) {
      const r = await logout({ email: 'x@example.com' }, creds);
      assert.deepEqual([r.httpStatus, r.json], [401, { status: 'unauthorized' }]);
    }
    // The site-999 key holds OPTOUT among its roles.
    assert.deepEqual((await logout({ email: 'by-999@example.com' }, FIXTURE.all)).json, OK);
  });

  it('500 when the store cannot append, and the user is then not opted out', async () => {
    const store = op.system.store;
    const original = store.appendOptOuts;
    store.appendOptOuts = async () => {
      throw new Error('disk on fire');
    };
    try {
      const r = await logout({ email: 'unlucky@example.com' });
      assert.equal(r.httpStatus, 500);
      assert.equal(r.json?.status, 'unknown');
    } finally {
      store.appendOptOuts = original;
    }
    assert.equal((await generate({ email: 'unlucky@example.com' })).json?.status, 'success');
  });

  it('the opt-out is durable: a restarted operator on the same store still answers optout', async () => {
    assert.deepEqual((await logout({ email: 'durable.leaver@example.com' })).json, OK);
    await op.close();
    op = await startTestOperator({ dataDir });
    assert.deepEqual((await generate({ email: 'durable.leaver@example.com' })).json, { status: 'optout' });
    assert.deepEqual((await generate({ email: 'leaving.user@example.com' })).json, { status: 'optout' });
    assert.equal((await generate({ email: 'unlucky@example.com' })).json?.status, 'success');
  });
});
