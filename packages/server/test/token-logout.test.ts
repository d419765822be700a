import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decryptRefreshResponse, hashIdentityInput } from '@uid2-ts/core';
import { CLIENT_IP_KEY_INFO, ClientIpHasher } from '../src/optout/client-ip.js';
import { SecretBox } from '../src/secrets/secret-box.js';
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

  it('clientIp: stored only as a keyed hash with the opt-out; non-IP values are ignored, never an error', async () => {
    const store = op.system.store;
    const known = new Set((await store.listOptOutClientIps({ limit: 1000 })).map((r) => r.seq));
    const fresh = async () =>
      (await store.listOptOutClientIps({ limit: 1000 })).filter((r) => !known.has(r.seq));
    const masterKey = Buffer.from(readFileSync(join(dataDir, 'master.key'), 'utf8').trim(), 'base64');
    const hasher = ClientIpHasher.fromSecretBox(new SecretBox(masterKey));
    const hmac = (ip: string) =>
      createHmac('sha256', new SecretBox(masterKey).deriveKey(CLIENT_IP_KEY_INFO)).update(ip).digest();

    const before = Math.floor(Date.now() / 1000);
    assert.deepEqual((await logout({ email: 'ip.leaver@example.com', clientIp: '198.51.100.23' })).json, OK);
    const [row, ...others] = await fresh();
    assert.equal(others.length, 0);
    assert.ok(row);
    assert.deepEqual(row.ipHash, hmac('198.51.100.23'));
    assert.ok(row.timestamp >= before && row.timestamp <= Math.floor(Date.now() / 1000));
    const optOut = (await store.listOptOutsAfter(row.seq - 1, 1))[0];
    assert.equal(optOut?.seq, row.seq);
    assert.equal(optOut?.timestamp, row.timestamp);
    known.add(row.seq);

    // One address, one hash: IPv6 spellings and the IPv4-mapped form.
    assert.deepEqual(
      (await logout({ email: 'ip6.leaver@example.com', clientIp: '2001:DB8:0:0::A1' })).json,
      OK,
    );
    assert.deepEqual(
      (await logout({ email: 'ip6.leaver@example.com', clientIp: '::ffff:198.51.100.23' })).json,
      OK,
    );
    const v6 = await fresh();
    assert.deepEqual(
      v6.map((r) => r.ipHash),
      [hasher.hash('2001:db8::a1'), hmac('198.51.100.23')],
    );
    for (const r of v6) known.add(r.seq);

    // Anything that is not an IP address: accepted as the reference does, nothing stored.
    for (const clientIp of [
      'not an ip',
      '',
      'x'.repeat(65),
      '1.2.3.4.5',
      '256.1.1.1',
      12345,
      null,
      { ip: 1 },
    ]) {
      const r = await logout({ email: 'odd.ip.leaver@example.com', clientIp });
      assert.deepEqual([r.httpStatus, r.json], [200, OK], JSON.stringify(clientIp));
    }
    assert.deepEqual((await logout({ email: 'no.ip.leaver@example.com' })).json, OK);
    assert.deepEqual(await fresh(), []);

    // The raw addresses appear nowhere in the database files.
    const files = readdirSync(dataDir).filter((f) => f.startsWith('uid2.db'));
    assert.ok(files.includes('uid2.db'));
    for (const f of files) {
      const bytes = readFileSync(join(dataDir, f));
      for (const ip of [
        '198.51.100.23',
        '203.0.113.7',
        '2001:DB8:0:0::A1',
        '2001:db8::a1',
        '::ffff:198.51.100.23',
      ]) {
        assert.equal(bytes.indexOf(ip), -1, `${ip} found in ${f}`);
      }
    }
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
