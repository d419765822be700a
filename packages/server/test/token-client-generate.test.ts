import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  buildCstgRequest,
  type CstgIdentity,
  type CstgWireRequest,
  decodeAdvertisingToken,
  decryptCstgResponse,
  decryptRefreshResponse,
  generateClientSideKeyPair,
  hashIdentityInput,
  sealCstgPayload,
  unwrapRefreshToken,
} from '@uid2-ts/core';
import { isAppNameAllowed, isOriginAllowed, registrableDomainOfOrigin } from '../src/operator/cstg/origin.js';
import { FIXTURE, rawPost, startTestOperator, type TestOperator, v2Call } from './helpers/operator.js';

let op: TestOperator;
let opOff: TestOperator;
let opNoPhone: TestOperator;
let opLimited: TestOperator;

/** Extra key pairs added to the main operator's store: disabled, and on sites 124 and 127. */
const EXTRA = {
  disabled: { subscriptionId: 'DisabledKp1', siteId: 123, disabled: true },
  site124: { subscriptionId: 'Site124Kp01', siteId: 124, disabled: false },
  site127: { subscriptionId: 'Site127Kp01', siteId: 127, disabled: false },
} as const;
const extraPublicKeys = new Map<string, string>();

before(async () => {
  [op, opOff, opNoPhone, opLimited] = await Promise.all([
    startTestOperator(),
    startTestOperator({ settings: { client_side_token_generate: false } }),
    startTestOperator({
      settings: { phone_support: false, client_side_token_generate_domain_name_check_enabled: false },
    }),
    startTestOperator({
      settings: { rate_limit_subscription_per_second: 0.01, rate_limit_subscription_burst: 3 },
    }),
  ]);
  for (const kp of Object.values(EXTRA)) {
    const keys = generateClientSideKeyPair({ scope: 'UID2', env: 'L' });
    extraPublicKeys.set(kp.subscriptionId, keys.publicKeyText);
    await op.system.store.upsertKeypair({
      ...kp,
      name: kp.subscriptionId,
      publicKey: keys.publicKeyText,
      privateKey: keys.privateKeyText,
      created: Math.floor(Date.now() / 1000),
    });
  }
  const deadline = Date.now() + 5000;
  while (op.system.snapshots.current.keypairs.size < 4) {
    if (Date.now() > deadline) throw new Error('snapshot did not pick up the extra key pairs');
    await new Promise((r) => setTimeout(r, 20));
  }
});
after(async () => {
  await Promise.all([op, opOff, opNoPhone, opLimited].map((o) => o?.close()));
});

const LOCAL = { origin: 'http://localhost:1234' };

function emailHash(email: string): string {
  const h = hashIdentityInput('email', email);
  assert.ok(h);
  return h.hashB64;
}

function build(
  identity: CstgIdentity,
  options: { subscriptionId?: string; appName?: string; timestampMs?: number } = {},
) {
  const subscriptionId = options.subscriptionId ?? FIXTURE.keypair.subscription_id;
  return buildCstgRequest({
    serverPublicKeyText: extraPublicKeys.get(subscriptionId) ?? FIXTURE.keypair.public_key,
    subscriptionId,
    identity,
    ...(options.appName === undefined ? {} : { appName: options.appName }),
    ...(options.timestampMs === undefined ? {} : { timestampMs: options.timestampMs }),
  });
}

/** A valid request whose encrypted plaintext is replaced by `plaintext`. */
function withPlaintext(plaintext: string) {
  const built = build({ emailHash: emailHash('x@example.com') });
  const sealed = sealCstgPayload({
    sharedKey: built.sharedKey,
    plaintext,
    timestampMs: built.body.timestamp,
  });
  return { ...built.body, ...sealed };
}

function post(
  target: TestOperator,
  body: string | CstgWireRequest | Record<string, unknown>,
  headers: Record<string, string> = LOCAL,
) {
  return rawPost(
    target.baseUrl,
    '/v2/token/client-generate',
    typeof body === 'string' ? body : JSON.stringify(body),
    {
      'content-type': 'text/plain;charset=UTF-8',
      ...headers,
    },
  );
}

function decrypt(sharedKey: Buffer, text: string): Readonly<Record<string, unknown>> {
  const r = decryptCstgResponse(sharedKey, text);
  assert.ok(r.ok, 'response decrypts with the shared key');
  return r.value;
}

type TokenBody = {
  advertising_token: string;
  refresh_token: string;
  identity_expires: number;
  refresh_expires: number;
  refresh_from: number;
  refresh_response_key: string;
};

async function expectError(
  res: Promise<{ httpStatus: number; text: string; contentType: string | null }>,
  httpStatus: number,
  body: object,
): Promise<void> {
  const r = await res;
  assert.equal(r.httpStatus, httpStatus, r.text);
  assert.match(r.contentType ?? '', /^application\/json/);
  assert.deepEqual(JSON.parse(r.text), body);
}

const clientError = (message: string) => ({ status: 'client_error', message });

describe('POST /v2/token/client-generate: success', () => {
  it('mints a client-side token for the key pair site (privacy bits 3), encrypted with the ECDH key', async () => {
    const email = 'cstg.user@example.com';
    const built = build({ emailHash: emailHash(email) });
    const before = Date.now();
    const r = await post(op, built.body);
    assert.equal(r.httpStatus, 200);
    assert.match(r.contentType ?? '', /^text\/plain/);
    const json = decrypt(built.sharedKey, r.text);
    assert.deepEqual(Object.keys(json), ['body', 'status']);
    assert.equal(json.status, 'success');
    const body = json.body as TokenBody;
    assert.deepEqual(Object.keys(body), [
      'advertising_token',
      'refresh_token',
      'identity_expires',
      'refresh_expires',
      'refresh_from',
      'refresh_response_key',
    ]);
    assert.match(body.advertising_token, /^A4[A-Za-z0-9_-]+$/);
    assert.equal(body.refresh_token.length, 388);
    assert.ok(Math.abs(body.identity_expires - before - 259_200_000) < 5000);

    const snapshot = op.system.snapshots.current;
    const t = decodeAdvertisingToken(body.advertising_token, snapshot.keys.getKey);
    assert.ok(t.ok);
    assert.equal(t.value.siteId, 123);
    assert.equal(t.value.privacyBits, 3);
    assert.equal(t.value.type, 'email');
    assert.equal(t.value.expiresMs, body.identity_expires);
    const u = unwrapRefreshToken(body.refresh_token, snapshot.keys.getKey);
    assert.ok(u.ok);
    assert.equal(u.value.refreshResponseKey.toString('base64'), body.refresh_response_key);
    // Same raw UID as server-side generation of the same (raw) email.
    const server = await v2Call(
      op.baseUrl,
      '/v2/token/generate',
      { email: 'CSTG.User@example.com' },
      FIXTURE.publisher,
    );
    const ts = decodeAdvertisingToken(
      (server.json?.body as TokenBody | undefined)?.advertising_token ?? '',
      snapshot.keys.getKey,
    );
    assert.ok(ts.ok);
    assert.equal(ts.value.privacyBits, 1);
    assert.deepEqual(t.value.rawUid, ts.value.rawUid);

    // The identity refreshes through the normal endpoint, keeping site and privacy bits.
    const refreshed = await rawPost(op.baseUrl, '/v2/token/refresh', body.refresh_token, {
      'content-type': 'text/plain',
    });
    assert.equal(refreshed.httpStatus, 200);
    const plain = decryptRefreshResponse(
      Buffer.from(body.refresh_response_key, 'base64'),
      Buffer.from(refreshed.text, 'base64'),
    );
    const next = JSON.parse(plain ?? '{}') as { status: string; body: TokenBody };
    assert.equal(next.status, 'success');
    const t2 = decodeAdvertisingToken(next.body.advertising_token, snapshot.keys.getKey);
    assert.ok(t2.ok);
    assert.equal(t2.value.privacyBits, 3);
    assert.equal(t2.value.siteId, 123);
    assert.deepEqual(t2.value.rawUid, t.value.rawUid);
  });

  it('phone hashes (base64 or hex) give B4 tokens', async () => {
    const h = hashIdentityInput('phone', '+12345678901');
    assert.ok(h);
    for (const phoneHash of [h.hashB64, Buffer.from(h.hashB64, 'base64').toString('hex')]) {
      const built = build({ phoneHash });
      const r = await post(op, built.body);
      assert.equal(r.httpStatus, 200);
      const json = decrypt(built.sharedKey, r.text);
      assert.match((json.body as TokenBody).advertising_token, /^B4/);
    }
  });

  it('opted-out identities get an encrypted {"status":"optout"}', async () => {
    for (const identity of [
      { emailHash: 'DYsnJ8r5+cjRDHue98gIGDKvLIMuqAm/RRLODrjqK50=' },
      { phoneHash: hashIdentityInput('phone', '+00000000000')?.hashB64 ?? '' },
    ]) {
      const built = build(identity);
      const r = await post(op, built.body);
      assert.equal(r.httpStatus, 200);
      assert.deepEqual(decrypt(built.sharedKey, r.text), { status: 'optout' });
    }
  });

  it('accepts any content type, and reflects the Origin for CORS', async () => {
    for (const contentType of ['application/json', 'application/x-www-form-urlencoded', '']) {
      const built = build({ emailHash: emailHash('ct@example.com') });
      const r = await post(op, built.body, { ...LOCAL, 'content-type': contentType });
      assert.equal(r.httpStatus, 200, contentType);
    }
    const res = await fetch(`${op.baseUrl}/v2/token/client-generate`, {
      method: 'POST',
      headers: { origin: 'https://www.uidapi.com', 'content-type': 'text/plain' },
      body: JSON.stringify(build({ emailHash: emailHash('cors@example.com') }).body),
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), 'https://www.uidapi.com');
  });
});

describe('POST /v2/token/client-generate: origin and app name (check 4)', () => {
  const invalidOrigin = { status: 'invalid_http_origin', message: 'unexpected http origin' };
  const invalidApp = { status: 'invalid_app_name', message: 'unexpected app name' };

  it("accepts origins whose registrable domain is one of the site's domains", async () => {
    for (const origin of [
      'http://localhost:1234',
      'http://localhost',
      'https://sub.localhost',
      'https://www.uidapi.com',
      'https://uidapi.com:8443',
      'https://a.b.UIDAPI.com',
    ]) {
      const built = build({ emailHash: emailHash('origin@example.com') });
      const r = await post(op, built.body, { origin });
      assert.equal(r.httpStatus, 200, origin);
      assert.equal(decrypt(built.sharedKey, r.text).status, 'success');
    }
  });

  it('403 invalid_http_origin for foreign, missing, IP and malformed origins', async () => {
    const rejected: Record<string, string>[] = [
      { origin: 'https://evil.com' },
      { origin: 'https://uidapi.com.evil.com' },
      { origin: 'http://127.0.0.1:8080' },
      { origin: 'http://[::1]' },
      { origin: 'null' },
      { origin: 'localhost' },
      { origin: 'https://a.b.localhost' },
      {},
    ];
    for (const headers of rejected) {
      await expectError(
        post(op, build({ emailHash: emailHash('o@example.com') }).body, headers),
        403,
        invalidOrigin,
      );
    }
    // A site without domain names accepts no origin at all.
    await expectError(
      post(op, build({ emailHash: emailHash('o@example.com') }, { subscriptionId: 'Site124Kp01' }).body),
      403,
      invalidOrigin,
    );
  });

  it('with app_name: case-insensitive match with the site app names, Origin ignored', async () => {
    for (const [subscriptionId, appName] of [
      [FIXTURE.keypair.subscription_id, 'com.123.Game.App.android'],
      [FIXTURE.keypair.subscription_id, 'COM.123.GAME.APP.ANDROID'],
      [FIXTURE.keypair.subscription_id, '123456789'],
      ['Site127Kp01', 'com.uid2.operator.test'],
    ] as const) {
      const built = build({ emailHash: emailHash('app@example.com') }, { subscriptionId, appName });
      const r = await post(op, built.body, { origin: 'https://evil.com' });
      assert.equal(r.httpStatus, 200, appName);
      const json = decrypt(built.sharedKey, r.text);
      const t = decodeAdvertisingToken(
        (json.body as TokenBody).advertising_token,
        op.system.snapshots.current.keys.getKey,
      );
      assert.ok(t.ok);
      assert.equal(t.value.siteId, subscriptionId === 'Site127Kp01' ? 127 : 123);
    }
    for (const appName of ['com.123.Game.App', 'com.evil.app', '', 'localhost']) {
      await expectError(
        post(op, build({ emailHash: emailHash('app@example.com') }, { appName }).body),
        403,
        invalidApp,
      );
    }
  });

  it('no check at all when client_side_token_generate_domain_name_check_enabled is false', async () => {
    const headerSets: Record<string, string>[] = [{ origin: 'https://evil.com' }, {}];
    for (const headers of headerSets) {
      const built = build({ emailHash: emailHash('nocheck@example.com') }, { appName: 'com.evil.app' });
      const r = await post(opNoPhone, built.body, headers);
      assert.equal(r.httpStatus, 200);
      assert.equal(decrypt(built.sharedKey, r.text).status, 'success');
    }
  });

  it('registrableDomainOfOrigin: the reference vectors and DomainNameCheckUtil cases', () => {
    assert.equal(
      registrableDomainOfOrigin('https://abc.eXampleWebsIte.com:8080/x.html'),
      'examplewebsite.com',
    );
    assert.equal(registrableDomainOfOrigin('http://aussiedomain.id.au'), 'aussiedomain.id.au');
    assert.equal(registrableDomainOfOrigin('abc:examplewebsite.com'), undefined);
    const allowed = new Set(['examplewebsite.com', 'e-wb.org', 'aussiedomain.id.au']);
    for (const origin of [
      'http://examplewebsite.com',
      'https://abc.examplewebsite.com:8080/',
      'https://abc.exAmplewEbsite.com:8080/blahh/a.html',
      'https://abc.e-Wb.org:8080/',
      'https://aussiedomain.id.au/head.html',
    ]) {
      assert.equal(isOriginAllowed(origin, allowed), true, origin);
    }
    for (const origin of [
      'examplewebsite.com',
      'examplewebsite.com:999999',
      'abc:examplewebsite.com',
      '/:$2231examplewebsite.com',
      '/:$2231examplewebsite.com/23423/sfs.html',
      'http://boohoo.id.au',
      'https://blah12.com',
      'http://123.boohoo.id.au',
      'https://456.blah12.com',
    ]) {
      assert.equal(isOriginAllowed(origin, allowed), false, origin);
    }
    for (const origin of [
      'http://localhost',
      'https://localhost:8080/',
      'https://abc.localhost:8080',
      'https://abc.locaLHost:8080/blahh/a.html',
    ]) {
      assert.equal(registrableDomainOfOrigin(origin), 'localhost', origin);
    }
    // Private PSL section (Guava topPrivateDomain), unknown TLDs, public suffixes and IPs.
    assert.equal(registrableDomainOfOrigin('https://my-site.github.io'), 'my-site.github.io');
    assert.equal(registrableDomainOfOrigin('https://a.b.example.co.uk'), 'example.co.uk');
    assert.equal(registrableDomainOfOrigin('https://example.com.'), 'example.com');
    assert.equal(registrableDomainOfOrigin('https://github.io'), undefined);
    assert.equal(registrableDomainOfOrigin('https://co.uk'), undefined);
    assert.equal(registrableDomainOfOrigin('https://foo.notatld'), undefined);
    assert.equal(registrableDomainOfOrigin('http://192.168.0.1'), undefined);
    assert.equal(registrableDomainOfOrigin('http://[2001:db8::1]:80'), undefined);
    assert.equal(registrableDomainOfOrigin('chrome-extension://abcdef'), undefined);
    assert.equal(registrableDomainOfOrigin(undefined), undefined);
    assert.equal(registrableDomainOfOrigin(''), undefined);
    assert.equal(isOriginAllowed('http://localhost', undefined), false);
    assert.equal(isAppNameAllowed('Com.Example.App', new Set(['com.example.app'])), true);
    assert.equal(isAppNameAllowed('com.example.app2', new Set(['com.example.app'])), false);
    assert.equal(isAppNameAllowed('com.example.app', undefined), false);
  });
});

describe('POST /v2/token/client-generate: errors in the reference order', () => {
  it('1: empty body / not JSON → 400; unknown top-level fields → 400 (the reference fails with 500)', async () => {
    await expectError(post(op, ''), 400, clientError('json payload expected but not found'));
    await expectError(post(op, 'null'), 400, clientError('json payload expected but not found'));
    for (const text of ['{', 'hello', '[1,2]', '"text"']) {
      await expectError(post(op, text), 400, clientError('json payload is not valid'));
    }
    const body = { ...build({ emailHash: emailHash('x@example.com') }).body, extra: 1 };
    await expectError(post(op, body), 400, clientError('json payload is not valid: unknown field "extra"'));
  });

  it('2: unknown or missing subscription_id → 400 bad subscription_id (before any other check)', async () => {
    const good = build({ emailHash: emailHash('x@example.com') }).body;
    await expectError(
      post(op, { ...good, subscription_id: 'NoSuchSub1' }, {}),
      400,
      clientError('bad subscription_id'),
    );
    const { subscription_id: _dropped, ...noSub } = good;
    await expectError(post(op, noSub, {}), 400, clientError('bad subscription_id'));
    // The API key of a client is not a subscription id.
    await expectError(
      post(op, { ...good, subscription_id: FIXTURE.publisher.key }),
      400,
      clientError('bad subscription_id'),
    );
  });

  it('3: disabled key pair → 401 {"status":"unauthorized","message":"Unauthorized"} before the origin check', async () => {
    const built = build({ emailHash: emailHash('x@example.com') }, { subscriptionId: 'DisabledKp1' });
    await expectError(post(op, built.body, { origin: 'https://evil.com' }), 401, {
      status: 'unauthorized',
      message: 'Unauthorized',
    });
  });

  it('5–12: the decryption and payload checks', async () => {
    const good = build({ emailHash: emailHash('x@example.com') }).body;
    for (const field of ['payload', 'iv', 'public_key'] as const) {
      const { [field]: _dropped, ...rest } = good;
      await expectError(post(op, rest), 400, clientError('required parameters: payload, iv, public_key'));
      await expectError(
        post(op, { ...good, [field]: null }),
        400,
        clientError('required parameters: payload, iv, public_key'),
      );
    }
    for (const public_key of ['not base64!', 'AAAA', Buffer.from('x'.repeat(91)).toString('base64')]) {
      await expectError(post(op, { ...good, public_key }), 400, clientError('bad public key'));
    }
    for (const iv of ['***', Buffer.alloc(11).toString('base64'), Buffer.alloc(16).toString('base64')]) {
      await expectError(post(op, { ...good, iv }), 400, clientError('bad iv'));
    }
    const tampered = Buffer.from(good.payload, 'base64');
    tampered[0] = (tampered[0] as number) ^ 1;
    for (const changed of [
      { payload: tampered.toString('base64') },
      { payload: '***' },
      { timestamp: good.timestamp + 1 },
      { app_name: 'com.123.Game.App.android' }, // AAD changes when app_name is added
    ]) {
      await expectError(post(op, { ...good, ...changed }), 400, clientError('payload decryption failed'));
    }
    for (const plaintext of ['not json', '[1]', '"x"']) {
      await expectError(
        post(op, withPlaintext(plaintext)),
        400,
        clientError('encrypted payload contains invalid json'),
      );
    }
    const h = emailHash('x@example.com');
    for (const plaintext of ['{}', JSON.stringify({ email_hash: h, phone_hash: h }), '{"email_hash":null}']) {
      await expectError(
        post(op, withPlaintext(plaintext)),
        400,
        clientError('please provide exactly one of: email_hash, phone_hash'),
      );
    }
    for (const identity of [
      { emailHash: 'abc' },
      { phoneHash: 'x'.repeat(44) },
      { emailHash: 'zz'.repeat(32) },
    ]) {
      await expectError(post(op, build(identity).body), 400, clientError('Invalid Identifier'));
    }
  });

  it('10: phone_hash without phone support → 400; email-only wording of check 11', async () => {
    const h = hashIdentityInput('phone', '+12345678901');
    assert.ok(h);
    await expectError(
      post(opNoPhone, build({ phoneHash: h.hashB64 }).body),
      400,
      clientError('phone support not enabled'),
    );
    await expectError(post(opNoPhone, withPlaintext('{}')), 400, clientError('please provide email_hash'));
    const built = build({ emailHash: emailHash('still-works@example.com') });
    assert.equal((await post(opNoPhone, built.body)).httpStatus, 200);
  });

  it('429 with Retry-After once a subscription id exceeds its rate', async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    let last: { status?: unknown } = {};
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${opLimited.baseUrl}/v2/token/client-generate`, {
        method: 'POST',
        headers: { ...LOCAL, 'content-type': 'text/plain' },
        body: JSON.stringify(build({ emailHash: emailHash(`rate${i}@example.com`) }).body),
      });
      statuses.push(res.status);
      if (res.status === 429) {
        retryAfter = res.headers.get('retry-after');
        last = (await res.json()) as { status?: unknown };
      } else {
        await res.arrayBuffer();
      }
    }
    assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
    assert.ok(Number(retryAfter) >= 1);
    assert.equal(last.status, 'client_error');
    // Unknown subscription ids are not limited (and still get their 400).
    const other = await post(opLimited, {
      ...build({ emailHash: emailHash('x@example.com') }).body,
      subscription_id: 'Unknown123',
    });
    assert.equal(other.httpStatus, 400);
  });

  it('404 when client_side_token_generate is off', async () => {
    const r = await post(opOff, build({ emailHash: emailHash('off@example.com') }).body);
    assert.equal(r.httpStatus, 404);
  });
});
