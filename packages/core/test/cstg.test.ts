import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  buildCstgRequest,
  CSTG_SUBSCRIPTION_ID_ALPHABET,
  type CstgError,
  type CstgErrorCode,
  type CstgRequestFields,
  cstgAad,
  cstgAadText,
  cstgRequestFromJson,
  cstgSharedKey,
  decryptCstgRequest,
  decryptCstgResponse,
  encryptCstgResponse,
  formatCstgPrivateKeyText,
  formatCstgPublicKeyText,
  generateClientSideKeyPair,
  generateSubscriptionId,
  parseCstgPrivateKeyText,
  parseCstgPublicKeyText,
  parseCstgRequestBody,
  type Result,
  sealCstgPayload,
} from '@uid2-ts/core';

interface CstgVector {
  input: {
    server_public_key: string;
    server_private_key: string;
    client_private_key_pkcs8_b64: string;
    client_public_key_spki_b64: string;
    timestamp_ms: number;
    iv_b64: string;
    plaintext: string;
    aad: string;
  };
  expected: { shared_aes_key_hex: string; iv_hex: string; payload_b64: string };
}
interface AadVector {
  input: { timestamp_ms: number; app_name: string };
  expected: { aad_without_app_name: string; aad_with_app_name: string };
}
interface LocalKeyPair {
  subscription_id: string;
  public_key: string;
  private_key: string;
  site_id: number;
}
interface Vectors {
  categories: {
    cstg_crypto: [CstgVector, AadVector, ...unknown[]];
    local_test_participants_and_credentials: [
      { expected: { client_side_keypairs: LocalKeyPair[] } },
      ...unknown[],
    ];
  };
}

const vectors = JSON.parse(
  readFileSync(new URL('./fixtures/vectors.json', import.meta.url), 'utf8'),
) as Vectors;
const V = vectors.categories.cstg_crypto[0];
const AAD_V = vectors.categories.cstg_crypto[1];
const LOCAL = vectors.categories.local_test_participants_and_credentials[0].expected.client_side_keypairs[0];
assert.ok(LOCAL !== undefined);

function unwrap<T, E>(r: Result<T, E>): T {
  if (!r.ok) assert.fail(`expected ok, got ${JSON.stringify(r.error)}`);
  return r.value;
}

const serverPub = unwrap(parseCstgPublicKeyText(V.input.server_public_key));
const serverPriv = unwrap(parseCstgPrivateKeyText(V.input.server_private_key));
const clientPriv = createPrivateKey({
  key: Buffer.from(V.input.client_private_key_pkcs8_b64, 'base64'),
  format: 'der',
  type: 'pkcs8',
});
const clientPub = createPublicKey({
  key: Buffer.from(V.input.client_public_key_spki_b64, 'base64'),
  format: 'der',
  type: 'spki',
});
const VECTOR_EMAIL_HASH = 'tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ=';
const SHARED = Buffer.from(V.expected.shared_aes_key_hex, 'hex');
const TS = 1700000000000;

/** The vector's request body, exactly as a browser would send it. */
const vectorRequest = {
  payload: V.expected.payload_b64,
  iv: V.input.iv_b64,
  public_key: V.input.client_public_key_spki_b64,
  timestamp: V.input.timestamp_ms,
  subscription_id: 'abcdefghij',
};

/** A request whose encrypted plaintext is `plaintext`, from the vector client key (shared key known). */
function withPlaintext(plaintext: string | Uint8Array, timestampMs = TS): CstgRequestFields {
  const sealed = sealCstgPayload({ sharedKey: SHARED, plaintext, timestampMs });
  return { ...sealed, public_key: V.input.client_public_key_spki_b64, timestamp: timestampMs };
}

function expectError(
  r: Result<unknown, CstgError>,
  code: CstgErrorCode,
  message: string,
  httpStatus: 400 | 500 = 400,
): void {
  assert.equal(r.ok, false, 'expected an error');
  if (r.ok) return;
  assert.equal(r.error.code, code);
  assert.equal(r.error.message, message);
  assert.equal(r.error.httpStatus, httpStatus);
  assert.equal(r.error.status, httpStatus === 400 ? 'client_error' : 'unknown');
}

function spkiB64(key: KeyObject): string {
  return key.export({ type: 'spki', format: 'der' }).toString('base64');
}

describe('cstg_crypto vector', () => {
  it('parses both server key texts', () => {
    assert.equal(serverPub.scope, 'UID2');
    assert.equal(serverPub.env, 'L');
    assert.equal(serverPub.der.length, 91);
    assert.equal(serverPub.point.toString('hex'), serverPub.der.subarray(26).toString('hex'));
    assert.equal(serverPub.key.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.equal(serverPriv.scope, 'UID2');
    assert.equal(serverPriv.env, 'L');
    assert.equal(serverPriv.der.length, 67);
    assert.equal(serverPriv.key.type, 'private');
  });

  it('re-formats both keys to the same texts (short PKCS#8 form)', () => {
    assert.equal(formatCstgPublicKeyText('UID2', 'L', serverPub.key), V.input.server_public_key);
    assert.equal(formatCstgPrivateKeyText('UID2', 'L', serverPriv.key), V.input.server_private_key);
    assert.equal(
      formatCstgPublicKeyText('UID2', 'L', createPublicKey(serverPriv.key)),
      V.input.server_public_key,
    );
  });

  it('derives shared_aes_key_hex from both sides', () => {
    assert.equal(cstgSharedKey(serverPriv.key, clientPub).toString('hex'), V.expected.shared_aes_key_hex);
    assert.equal(cstgSharedKey(clientPriv, serverPub.key).toString('hex'), V.expected.shared_aes_key_hex);
  });

  it('builds the fixed-IV request byte for byte', () => {
    assert.equal(V.input.plaintext, JSON.stringify({ email_hash: VECTOR_EMAIL_HASH }));
    const built = buildCstgRequest({
      serverPublicKeyText: V.input.server_public_key,
      subscriptionId: 'abcdefghij',
      identity: { emailHash: VECTOR_EMAIL_HASH },
      timestampMs: V.input.timestamp_ms,
      iv: Buffer.from(V.expected.iv_hex, 'hex'),
      clientPrivateKey: clientPriv,
    });
    assert.deepEqual(built.body, vectorRequest);
    assert.deepEqual(Object.keys(built.body), [
      'payload',
      'iv',
      'public_key',
      'timestamp',
      'subscription_id',
    ]);
    assert.equal(built.sharedKey.toString('hex'), V.expected.shared_aes_key_hex);
  });

  it('seals the payload byte for byte from the shared key', () => {
    const sealed = sealCstgPayload({
      sharedKey: SHARED,
      plaintext: V.input.plaintext,
      timestampMs: V.input.timestamp_ms,
      iv: Buffer.from(V.expected.iv_hex, 'hex'),
    });
    assert.deepEqual(sealed, { payload: V.expected.payload_b64, iv: 'AAECAwQFBgcICQoL' });
  });

  it('decrypts the vector request on the server side', () => {
    const r = decryptCstgRequest(vectorRequest, serverPriv.key);
    assert.deepEqual(unwrap(r), { identityType: 'email', hashB64: VECTOR_EMAIL_HASH, sharedKey: SHARED });
  });

  it('rejects the vector payload under another server key', () => {
    const other = unwrap(parseCstgPrivateKeyText(LOCAL.private_key));
    expectError(
      decryptCstgRequest(vectorRequest, other.key),
      'cstg_payload_decryption_failed',
      'payload decryption failed',
    );
  });
});

describe('local fixture key pair (subscription 4WvryDGbR5)', () => {
  it('parses and the public key is the one derived from the private key', () => {
    assert.equal(LOCAL.subscription_id, '4WvryDGbR5');
    assert.match(LOCAL.subscription_id, /^[1-9A-HJ-NP-Za-km-z]{10}$/);
    const pub = unwrap(parseCstgPublicKeyText(LOCAL.public_key));
    const priv = unwrap(parseCstgPrivateKeyText(LOCAL.private_key));
    assert.equal(formatCstgPublicKeyText('UID2', 'L', createPublicKey(priv.key)), LOCAL.public_key);
    assert.ok(createPublicKey(priv.key).equals(pub.key));
    assert.equal(formatCstgPrivateKeyText('UID2', 'L', priv.key), LOCAL.private_key);
  });

  it('serves a request built against its public key', () => {
    const pub = unwrap(parseCstgPublicKeyText(LOCAL.public_key));
    const priv = unwrap(parseCstgPrivateKeyText(LOCAL.private_key));
    const phone = Buffer.alloc(32, 7).toString('base64');
    const built = buildCstgRequest({
      serverPublicKey: pub,
      subscriptionId: LOCAL.subscription_id,
      identity: { phoneHash: phone },
    });
    assert.equal(built.body.subscription_id, '4WvryDGbR5');
    assert.deepEqual(unwrap(decryptCstgRequest(built.body, priv.key)), {
      identityType: 'phone',
      hashB64: phone,
      sharedKey: built.sharedKey,
    });
  });
});

describe('AAD', () => {
  it('is the compact JSON array text', () => {
    assert.equal(cstgAadText(TS), '[1700000000000]');
    assert.equal(cstgAadText(TS, 'com.example.app'), '[1700000000000,"com.example.app"]');
    assert.equal(cstgAadText(AAD_V.input.timestamp_ms), AAD_V.expected.aad_without_app_name);
    assert.equal(
      cstgAadText(AAD_V.input.timestamp_ms, AAD_V.input.app_name),
      AAD_V.expected.aad_with_app_name,
    );
    assert.equal(cstgAadText(TS), V.input.aad);
    assert.equal(cstgAadText(0, ''), '[0,""]');
    assert.equal(cstgAadText(-5, 'a"b\\c\u00e9\n'), '[-5,"a\\"b\\\\c\u00e9\\n"]');
    assert.equal(
      cstgAad(TS, 'é').toString('hex'),
      Buffer.from('[1700000000000,"é"]', 'utf8').toString('hex'),
    );
  });

  it('refuses timestamps that are not safe integers', () => {
    assert.throws(() => cstgAadText(1.5), RangeError);
    assert.throws(() => cstgAadText(Number.NaN), RangeError);
    assert.throws(() => cstgAadText(2 ** 53), RangeError);
  });

  it('binds the app name and the timestamp', () => {
    const base = {
      serverPublicKey: serverPub,
      subscriptionId: 's',
      identity: { emailHash: VECTOR_EMAIL_HASH },
    };
    const withApp = buildCstgRequest({ ...base, appName: 'com.example.app', timestampMs: TS }).body;
    assert.equal(withApp.app_name, 'com.example.app');
    assert.equal(unwrap(decryptCstgRequest(withApp, serverPriv.key)).hashB64, VECTOR_EMAIL_HASH);
    const { app_name: _dropped, ...withoutAppName } = withApp;
    expectError(
      decryptCstgRequest(withoutAppName, serverPriv.key),
      'cstg_payload_decryption_failed',
      'payload decryption failed',
    );
    expectError(
      decryptCstgRequest({ ...withApp, app_name: 'com.example.App' }, serverPriv.key),
      'cstg_payload_decryption_failed',
      'payload decryption failed',
    );

    const noApp = buildCstgRequest({ ...base, timestampMs: TS }).body;
    assert.equal('app_name' in noApp, false);
    assert.equal(unwrap(decryptCstgRequest(noApp, serverPriv.key)).identityType, 'email');
    expectError(
      decryptCstgRequest({ ...noApp, app_name: 'com.example.app' }, serverPriv.key),
      'cstg_payload_decryption_failed',
      'payload decryption failed',
    );
    expectError(
      decryptCstgRequest({ ...noApp, app_name: '' }, serverPriv.key),
      'cstg_payload_decryption_failed',
      'payload decryption failed',
    );
    expectError(
      decryptCstgRequest({ ...noApp, timestamp: TS + 1 }, serverPriv.key),
      'cstg_payload_decryption_failed',
      'payload decryption failed',
    );
  });
});

describe('server checks 5-12', () => {
  const MISSING = 'required parameters: payload, iv, public_key';

  it('5: missing or null payload, iv, public_key', () => {
    for (const field of ['payload', 'iv', 'public_key'] as const) {
      const { [field]: _gone, ...rest } = vectorRequest;
      expectError(decryptCstgRequest(rest, serverPriv.key), 'cstg_missing_params', MISSING);
      expectError(
        decryptCstgRequest({ ...vectorRequest, [field]: null }, serverPriv.key),
        'cstg_missing_params',
        MISSING,
      );
    }
    // missing beats a bad public key
    expectError(
      decryptCstgRequest({ public_key: 'x', iv: 'x' }, serverPriv.key),
      'cstg_missing_params',
      MISSING,
    );
  });

  it('6: bad public key (400)', () => {
    const bad = (public_key: string) => decryptCstgRequest({ ...vectorRequest, public_key }, serverPriv.key);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
    const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey;
    const compressed = Buffer.concat([
      Buffer.from('3039301306072a8648ce3d020106082a8648ce3d030107032200', 'hex'),
      Buffer.from([0x02 + ((serverPub.point[64] as number) & 1)]),
      serverPub.point.subarray(1, 33),
    ]);
    assert.ok(createPublicKey({ key: compressed, format: 'der', type: 'spki' }).equals(serverPub.key));
    const urlSafe = V.input.client_public_key_spki_b64.replace(/\+/g, '-').replace(/\//g, '_');
    const cases = [
      '',
      'not base64!',
      urlSafe,
      ` ${V.input.client_public_key_spki_b64}`,
      Buffer.alloc(91, 1).toString('base64'),
      spkiB64(rsa),
      spkiB64(k1),
      compressed.toString('base64'),
      V.input.server_public_key,
      V.input.client_private_key_pkcs8_b64,
      Buffer.concat([Buffer.from(V.input.client_public_key_spki_b64, 'base64'), Buffer.from([0])]).toString(
        'base64',
      ),
    ];
    for (const pk of cases) expectError(bad(pk), 'cstg_bad_public_key', 'bad public key');
    // 6 comes before 7
    expectError(
      decryptCstgRequest({ ...vectorRequest, public_key: 'AAAA', iv: '!' }, serverPriv.key),
      'cstg_bad_public_key',
      'bad public key',
    );
  });

  it('6: keys the reference accepts but cannot agree on: 400 bad public key (the reference fails with 500)', () => {
    const bad = (public_key: string) => decryptCstgRequest({ ...vectorRequest, public_key }, serverPriv.key);
    for (const curve of ['secp384r1', 'secp521r1']) {
      const pk = generateKeyPairSync('ec', { namedCurve: curve }).publicKey;
      expectError(bad(spkiB64(pk)), 'cstg_key_agreement_failed', 'bad public key');
    }
    const offCurve = Buffer.from(V.input.client_public_key_spki_b64, 'base64');
    offCurve[90] = (offCurve[90] as number) ^ 1;
    expectError(bad(offCurve.toString('base64')), 'cstg_key_agreement_failed', 'bad public key');
  });

  it('7: bad iv', () => {
    const cases = [
      '',
      '!!!!!!!!!!!!!!!!',
      'AAECAwQFBgcICQo=',
      'AAECAwQFBgcICQoLDA==',
      Buffer.alloc(16).toString('base64'),
    ];
    cases.push('AAECAwQFBgcICQoL'.replace('A', '-'), 'AAECAwQFBgcICQoL=', 'AAECAwQFBgcICQoL ');
    for (const iv of cases) {
      expectError(decryptCstgRequest({ ...vectorRequest, iv }, serverPriv.key), 'cstg_bad_iv', 'bad iv');
    }
    // 7 comes before 8
    expectError(
      decryptCstgRequest({ ...vectorRequest, iv: 'AA', payload: '!' }, serverPriv.key),
      'cstg_bad_iv',
      'bad iv',
    );
  });

  it('8: payload decryption failed', () => {
    const fullCt = Buffer.from(V.expected.payload_b64, 'base64');
    const flipped = Buffer.from(fullCt);
    flipped[3] = (flipped[3] as number) ^ 0x80;
    const cases: CstgRequestFields[] = [
      { ...vectorRequest, payload: '' },
      { ...vectorRequest, payload: 'not base64' },
      { ...vectorRequest, payload: fullCt.subarray(0, 15).toString('base64') },
      { ...vectorRequest, payload: fullCt.subarray(0, fullCt.length - 1).toString('base64') },
      { ...vectorRequest, payload: flipped.toString('base64') },
      { ...vectorRequest, iv: 'AAECAwQFBgcICQoM' },
      { ...vectorRequest, timestamp: TS - 1 },
      { ...vectorRequest, timestamp: undefined },
    ];
    for (const req of cases) {
      expectError(
        decryptCstgRequest(req, serverPriv.key),
        'cstg_payload_decryption_failed',
        'payload decryption failed',
      );
    }
  });

  it('9: encrypted payload contains invalid json', () => {
    const cases: (string | Uint8Array)[] = [
      '',
      'not json',
      '[1]',
      '"x"',
      'null',
      '1',
      '{',
      '{"email_hash":1}x',
    ];
    cases.push(Buffer.from([0x7b, 0xff, 0x7d]), Buffer.from([0x7b, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d]));
    for (const pt of cases) {
      expectError(
        decryptCstgRequest(withPlaintext(pt), serverPriv.key),
        'cstg_payload_invalid_json',
        'encrypted payload contains invalid json',
      );
    }
    // A UTF-8 BOM is skipped, as Jackson does.
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(V.input.plaintext)]);
    assert.equal(unwrap(decryptCstgRequest(withPlaintext(bom), serverPriv.key)).hashB64, VECTOR_EMAIL_HASH);
  });

  it('10: phone support disabled', () => {
    const off = { phoneSupport: false };
    const phone = JSON.stringify({ phone_hash: VECTOR_EMAIL_HASH });
    const both = JSON.stringify({ email_hash: VECTOR_EMAIL_HASH, phone_hash: VECTOR_EMAIL_HASH });
    expectError(
      decryptCstgRequest(withPlaintext(phone), serverPriv.key, off),
      'cstg_phone_not_enabled',
      'phone support not enabled',
    );
    expectError(
      decryptCstgRequest(withPlaintext(both), serverPriv.key, off),
      'cstg_phone_not_enabled',
      'phone support not enabled',
    );
    expectError(
      decryptCstgRequest(withPlaintext('{}'), serverPriv.key, off),
      'cstg_exactly_one_hash',
      'please provide email_hash',
    );
    const email = unwrap(decryptCstgRequest(withPlaintext(V.input.plaintext), serverPriv.key, off));
    assert.deepEqual(email, { identityType: 'email', hashB64: VECTOR_EMAIL_HASH, sharedKey: SHARED });
    assert.equal(
      unwrap(decryptCstgRequest(withPlaintext(phone), serverPriv.key, { phoneSupport: true })).identityType,
      'phone',
    );
  });

  it('11: exactly one of email_hash, phone_hash', () => {
    const msg = 'please provide exactly one of: email_hash, phone_hash';
    const cases = [
      {},
      { email_hash: null },
      { email_hash: null, phone_hash: null },
      { other: VECTOR_EMAIL_HASH },
      { email_hash: VECTOR_EMAIL_HASH, phone_hash: VECTOR_EMAIL_HASH },
      { email_hash: 'bad', phone_hash: 'bad' },
    ];
    for (const c of cases) {
      expectError(
        decryptCstgRequest(withPlaintext(JSON.stringify(c)), serverPriv.key),
        'cstg_exactly_one_hash',
        msg,
      );
    }
    const r = decryptCstgRequest(
      withPlaintext(JSON.stringify({ email_hash: null, phone_hash: VECTOR_EMAIL_HASH })),
      serverPriv.key,
    );
    assert.deepEqual(unwrap(r), { identityType: 'phone', hashB64: VECTOR_EMAIL_HASH, sharedKey: SHARED });
  });

  it('12: Invalid Identifier', () => {
    const cases: unknown[] = [
      '',
      'abc',
      VECTOR_EMAIL_HASH.slice(0, 43),
      `${VECTOR_EMAIL_HASH.slice(0, 42)}!=`,
      `${VECTOR_EMAIL_HASH.slice(0, 43)}A`,
      'g'.repeat(64),
      '0'.repeat(63),
      123,
      true,
      { a: 1 },
      [VECTOR_EMAIL_HASH],
    ];
    for (const value of cases) {
      for (const field of ['email_hash', 'phone_hash']) {
        expectError(
          decryptCstgRequest(withPlaintext(JSON.stringify({ [field]: value })), serverPriv.key),
          'cstg_invalid_identifier',
          'Invalid Identifier',
        );
      }
    }
  });

  it('accepts a 64-character hex hash and returns it as base64', () => {
    const bytes = Buffer.from(VECTOR_EMAIL_HASH, 'base64');
    for (const hex of [bytes.toString('hex'), bytes.toString('hex').toUpperCase()]) {
      const r = decryptCstgRequest(withPlaintext(JSON.stringify({ email_hash: hex })), serverPriv.key);
      assert.deepEqual(unwrap(r), { identityType: 'email', hashB64: VECTOR_EMAIL_HASH, sharedKey: SHARED });
    }
  });

  it('coerces field types like the reference (Jackson) does', () => {
    // integer strings and fractional numbers for timestamp
    assert.equal(
      unwrap(decryptCstgRequest({ ...vectorRequest, timestamp: '1700000000000' }, serverPriv.key)).hashB64,
      VECTOR_EMAIL_HASH,
    );
    assert.equal(
      unwrap(decryptCstgRequest({ ...vectorRequest, timestamp: 1700000000000.9 }, serverPriv.key)).hashB64,
      VECTOR_EMAIL_HASH,
    );
    // absent timestamp is 0
    const zero = withPlaintext(V.input.plaintext, 0);
    const { timestamp: _t, ...noTimestamp } = zero;
    assert.equal(unwrap(decryptCstgRequest(noTimestamp, serverPriv.key)).hashB64, VECTOR_EMAIL_HASH);
    assert.equal(
      unwrap(decryptCstgRequest({ ...zero, timestamp: null }, serverPriv.key)).hashB64,
      VECTOR_EMAIL_HASH,
    );
    // scalars become text and then fail the ordinary checks
    expectError(
      decryptCstgRequest({ ...vectorRequest, iv: 123456 }, serverPriv.key),
      'cstg_bad_iv',
      'bad iv',
    );
    expectError(
      decryptCstgRequest({ ...vectorRequest, public_key: true }, serverPriv.key),
      'cstg_bad_public_key',
      'bad public key',
    );
    expectError(
      decryptCstgRequest({ ...vectorRequest, app_name: 5 }, serverPriv.key),
      'cstg_payload_decryption_failed',
      'payload decryption failed',
    );
    // objects, arrays, booleans and non-integer text cannot be mapped: 400 (the reference fails with 500)
    const unmappable: CstgRequestFields[] = [
      { ...vectorRequest, payload: {} },
      { ...vectorRequest, iv: [] },
      { ...vectorRequest, public_key: { a: 1 } },
      { ...vectorRequest, app_name: ['x'] },
      { ...vectorRequest, timestamp: true },
      { ...vectorRequest, timestamp: '1.5' },
      { ...vectorRequest, timestamp: 2 ** 60 },
      { ...vectorRequest, timestamp: {} },
    ];
    for (const req of unmappable) {
      expectError(
        decryptCstgRequest(req, serverPriv.key),
        'cstg_body_bad_field',
        'json payload is not valid: a field has the wrong type',
      );
    }
  });

  it('never throws on non-object requests or a bad server key', () => {
    for (const req of [null, undefined, 5, 'x', []]) {
      expectError(
        decryptCstgRequest(req as unknown as CstgRequestFields, serverPriv.key),
        'cstg_body_invalid_json',
        'json payload is not valid',
      );
    }
    expectError(
      decryptCstgRequest(vectorRequest, serverPub.key),
      'cstg_key_agreement_failed',
      'bad public key',
    );
  });
});

describe('request body shape', () => {
  it('parses a browser body', () => {
    const text = JSON.stringify(vectorRequest);
    const expected = { ...vectorRequest };
    assert.deepEqual(unwrap(parseCstgRequestBody(text)), expected);
    assert.deepEqual(unwrap(parseCstgRequestBody(Buffer.from(text))), expected);
    assert.deepEqual(
      unwrap(parseCstgRequestBody(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]))),
      expected,
    );
    assert.deepEqual(unwrap(parseCstgRequestBody(`\ufeff${text}`)), expected);
    assert.deepEqual(unwrap(parseCstgRequestBody('{"app_name":"a","subscription_id":12}')), {
      app_name: 'a',
      subscription_id: '12',
      timestamp: 0,
    });
    assert.deepEqual(unwrap(cstgRequestFromJson({ payload: null, iv: false, timestamp: '-7' })), {
      iv: 'false',
      timestamp: -7,
    });
  });

  it('gives check-1 errors, and 400 (not the reference 500) for unmappable or unknown fields', () => {
    const missing = 'json payload expected but not found';
    const invalid = 'json payload is not valid';
    expectError(parseCstgRequestBody(''), 'cstg_body_missing', missing);
    expectError(parseCstgRequestBody(new Uint8Array(0)), 'cstg_body_missing', missing);
    expectError(parseCstgRequestBody('null'), 'cstg_body_missing', missing);
    expectError(cstgRequestFromJson(undefined), 'cstg_body_missing', missing);
    for (const text of [' ', '{', '[]', '"x"', '1', 'true', '{"a":1}{', "{'a':1}"]) {
      expectError(parseCstgRequestBody(text), 'cstg_body_invalid_json', invalid);
    }
    expectError(parseCstgRequestBody(Buffer.from([0x7b, 0xc3, 0x7d])), 'cstg_body_invalid_json', invalid);
    for (const body of [
      '{"payload":{}}',
      '{"subscription_id":[]}',
      '{"timestamp":false}',
      '{"timestamp":"x"}',
      JSON.stringify({ ...vectorRequest, extra: 1 }),
      '{"__proto__":{}}',
    ]) {
      const r = parseCstgRequestBody(body);
      assert.ok(!r.ok && r.error.code === 'cstg_body_bad_field' && r.error.httpStatus === 400, body);
      assert.match(r.error.message, /^json payload is not valid: (unknown field|\w+ is not)/);
    }
  });
});

describe('key texts', () => {
  it('generates key pairs that round-trip through their texts', () => {
    for (const scope of ['UID2', 'EUID'] as const) {
      for (const env of ['L', 'T', 'I', 'P'] as const) {
        const kp = generateClientSideKeyPair({ scope, env });
        assert.match(
          kp.publicKeyText,
          new RegExp(`^${scope}-X-${env}-MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE[A-Za-z0-9+/]{85}[AQgw]==$`),
        );
        assert.match(
          kp.privateKeyText,
          new RegExp(
            `^${scope}-Y-${env}-MEECAQAwEwYHKoZIzj0CAQYIKoZIzj0DAQcEJzAlAgEBBC[A-Za-z0-9+/]{43}[AQgw]==$`,
          ),
        );
        const pub = unwrap(parseCstgPublicKeyText(kp.publicKeyText));
        const priv = unwrap(parseCstgPrivateKeyText(kp.privateKeyText));
        assert.equal(pub.scope, scope);
        assert.equal(pub.env, env);
        assert.equal(priv.scope, scope);
        assert.equal(priv.env, env);
        assert.ok(pub.key.equals(kp.publicKey));
        assert.ok(priv.key.equals(kp.privateKey));
        assert.ok(createPublicKey(priv.key).equals(pub.key));
        assert.equal(formatCstgPublicKeyText(scope, env, pub.key), kp.publicKeyText);
        assert.equal(formatCstgPrivateKeyText(scope, env, priv.key), kp.privateKeyText);
      }
    }
  });

  it('accepts the long PKCS#8 form too', () => {
    const kp = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const long = kp.privateKey.export({ type: 'pkcs8', format: 'der' });
    assert.equal(long.length, 138);
    const priv = unwrap(parseCstgPrivateKeyText(`UID2-Y-T-${long.toString('base64')}`));
    assert.ok(priv.key.equals(kp.privateKey));
    assert.equal(priv.der.length, 138);
  });

  it('parses a compressed-point public key text', () => {
    const compressed = createPublicKey(serverPriv.key).export({ type: 'spki', format: 'der' });
    const c = Buffer.concat([
      Buffer.from('3039301306072a8648ce3d020106082a8648ce3d030107032200', 'hex'),
      Buffer.from([0x02 + ((compressed[90] as number) & 1)]),
      compressed.subarray(27, 59),
    ]);
    const pub = unwrap(parseCstgPublicKeyText(`UID2-X-L-${c.toString('base64')}`));
    assert.equal(pub.point.toString('hex'), serverPub.point.toString('hex'));
  });

  it('gives typed errors', () => {
    const pubBody = V.input.server_public_key.slice(9);
    const privBody = V.input.server_private_key.slice(9);
    const pubPrefix =
      'CSTG public key must start with UID2-X-<env>- or EUID-X-<env>- (env L, T, I or P) followed by base64';
    const privPrefix =
      'CSTG private key must start with UID2-Y-<env>- or EUID-Y-<env>- (env L, T, I or P) followed by base64';
    for (const text of [
      '',
      'UID2-X-L-',
      `UID2-Y-L-${pubBody}`,
      `UID3-X-L-${pubBody}`,
      `UID2-X-Q-${pubBody}`,
      `uid2-x-l-${pubBody}`,
      `UID2_X_L_${pubBody}`,
      pubBody,
    ]) {
      assert.deepEqual(parseCstgPublicKeyText(text), {
        ok: false,
        error: { code: 'cstg_key_bad_prefix', message: pubPrefix },
      });
    }
    for (const text of ['UID2-Y-L-', `UID2-X-L-${privBody}`, `EUID-Y-L${privBody}`]) {
      assert.deepEqual(parseCstgPrivateKeyText(text), {
        ok: false,
        error: { code: 'cstg_key_bad_prefix', message: privPrefix },
      });
    }
    assert.deepEqual(parseCstgPublicKeyText(`UID2-X-L-${pubBody} `), {
      ok: false,
      error: { code: 'cstg_key_bad_base64', message: 'CSTG public key body is not valid base64' },
    });
    assert.deepEqual(parseCstgPrivateKeyText(`UID2-Y-L-${privBody.replace('/', '_')}`), {
      ok: false,
      error: { code: 'cstg_key_bad_base64', message: 'CSTG private key body is not valid base64' },
    });
    const notPub = {
      ok: false,
      error: {
        code: 'cstg_key_not_p256',
        message: 'CSTG public key is not the SPKI DER of a P-256 public key',
      },
    };
    const notPriv = {
      ok: false,
      error: {
        code: 'cstg_key_not_p256',
        message: 'CSTG private key is not the PKCS#8 DER of a P-256 private key',
      },
    };
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    const ed = generateKeyPairSync('ed25519');
    assert.deepEqual(parseCstgPublicKeyText(`UID2-X-L-${privBody}`), notPub);
    assert.deepEqual(parseCstgPublicKeyText(`UID2-X-L-${spkiB64(p384.publicKey)}`), notPub);
    assert.deepEqual(parseCstgPublicKeyText(`UID2-X-L-${spkiB64(ed.publicKey)}`), notPub);
    assert.deepEqual(parseCstgPublicKeyText('UID2-X-L-AAAA'), notPub);
    assert.deepEqual(parseCstgPrivateKeyText(`UID2-Y-L-${pubBody}`), notPriv);
    assert.deepEqual(
      parseCstgPrivateKeyText(
        `UID2-Y-L-${p384.privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64')}`,
      ),
      notPriv,
    );
  });

  it('formatters refuse non-P-256 keys', () => {
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    assert.throws(() => formatCstgPublicKeyText('UID2', 'L', p384.publicKey), TypeError);
    assert.throws(() => formatCstgPrivateKeyText('UID2', 'L', p384.privateKey), TypeError);
    assert.throws(() => formatCstgPrivateKeyText('UID2', 'L', serverPub.key), TypeError);
    assert.throws(() => cstgSharedKey(serverPriv.key, p384.publicKey), TypeError);
  });
});

describe('subscription ids', () => {
  it('are 10 base58 characters, uniformly spread', () => {
    assert.equal(CSTG_SUBSCRIPTION_ID_ALPHABET.length, 58);
    assert.match(CSTG_SUBSCRIPTION_ID_ALPHABET, /^[1-9A-HJ-NP-Za-km-z]{58}$/);
    const ids = new Set<string>();
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const id = generateSubscriptionId();
      assert.match(id, /^[1-9A-HJ-NP-Za-km-z]{10}$/);
      ids.add(id);
      for (const ch of id) seen.add(ch);
    }
    assert.equal(ids.size, 2000);
    assert.equal(seen.size, 58);
  });
});

describe('response', () => {
  const response = { body: { advertising_token: 'A4AAA', identity_expires: 1 }, status: 'success' };

  it('is base64(IV || GCM(JSON) || tag) with no AAD and no timestamp/nonce', () => {
    const iv = Buffer.from('0102030405060708090a0b0c', 'hex');
    const text = encryptCstgResponse(SHARED, response, iv);
    const cipher = createCipheriv('aes-256-gcm', SHARED, iv);
    const ct = Buffer.concat([cipher.update(JSON.stringify(response), 'utf8'), cipher.final()]);
    assert.equal(text, Buffer.concat([iv, ct, cipher.getAuthTag()]).toString('base64'));
    assert.deepEqual(unwrap(decryptCstgResponse(SHARED, text)), response);
    assert.deepEqual(unwrap(decryptCstgResponse(SHARED, encryptCstgResponse(SHARED, { status: 'optout' }))), {
      status: 'optout',
    });
  });

  it('gives typed errors on the client side', () => {
    const text = encryptCstgResponse(SHARED, response);
    const blob = Buffer.from(text, 'base64');
    const flipped = Buffer.from(blob);
    flipped[20] = (flipped[20] as number) ^ 1;
    const badB64 = { code: 'cstg_response_bad_base64', message: 'CSTG response is not base64' };
    const failed = {
      code: 'cstg_response_decryption_failed',
      message: 'CSTG response is too short or fails AES-GCM authentication',
    };
    assert.deepEqual(decryptCstgResponse(SHARED, `${text}!`), { ok: false, error: badB64 });
    assert.deepEqual(decryptCstgResponse(SHARED, '{"status":"client_error"}'), { ok: false, error: badB64 });
    assert.deepEqual(decryptCstgResponse(SHARED, ''), { ok: false, error: failed });
    assert.deepEqual(decryptCstgResponse(SHARED, blob.subarray(0, 27).toString('base64')), {
      ok: false,
      error: failed,
    });
    assert.deepEqual(decryptCstgResponse(SHARED, flipped.toString('base64')), { ok: false, error: failed });
    assert.deepEqual(decryptCstgResponse(Buffer.alloc(32), text), { ok: false, error: failed });
    const iv = Buffer.alloc(12);
    const cipher = createCipheriv('aes-256-gcm', SHARED, iv);
    const ct = Buffer.concat([cipher.update('[1]', 'utf8'), cipher.final()]);
    assert.deepEqual(
      decryptCstgResponse(SHARED, Buffer.concat([iv, ct, cipher.getAuthTag()]).toString('base64')),
      {
        ok: false,
        error: {
          code: 'cstg_response_invalid_json',
          message: 'CSTG response plaintext is not JSON of an object',
        },
      },
    );
  });

  it('refuses a wrong key length when encrypting', () => {
    assert.throws(() => encryptCstgResponse(Buffer.alloc(16), response), RangeError);
  });
});

describe('buildCstgRequest', () => {
  it('uses a fresh ephemeral key and IV each time', () => {
    const opts = {
      serverPublicKey: serverPub,
      subscriptionId: 's',
      identity: { emailHash: VECTOR_EMAIL_HASH },
      timestampMs: TS,
    };
    const a = buildCstgRequest(opts);
    const b = buildCstgRequest(opts);
    assert.notEqual(a.body.public_key, b.body.public_key);
    assert.notEqual(a.body.iv, b.body.iv);
    assert.notEqual(a.sharedKey.toString('hex'), b.sharedKey.toString('hex'));
    assert.match(a.body.public_key, /^MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE[A-Za-z0-9+/]{85}[AQgw]==$/);
    assert.equal(Buffer.from(a.body.iv, 'base64').length, 12);
    assert.equal(Buffer.from(a.body.payload, 'base64').length, V.input.plaintext.length + 16);
    const clientKey = createPublicKey({
      key: Buffer.from(a.body.public_key, 'base64'),
      format: 'der',
      type: 'spki',
    });
    assert.equal(cstgSharedKey(serverPriv.key, clientKey).toString('hex'), a.sharedKey.toString('hex'));
  });

  it('adds optout_check for an EUID server key, as the browser SDK does', () => {
    const euid = unwrap(parseCstgPublicKeyText(`EUID-X-P-${V.input.server_public_key.slice(9)}`));
    const plaintextOf = (built: { body: { payload: string; iv: string }; sharedKey: Buffer }): string => {
      const ct = Buffer.from(built.body.payload, 'base64');
      const d = createDecipheriv('aes-256-gcm', built.sharedKey, Buffer.from(built.body.iv, 'base64'));
      d.setAAD(Buffer.from(`[${TS}]`));
      d.setAuthTag(ct.subarray(ct.length - 16));
      return Buffer.concat([d.update(ct.subarray(0, ct.length - 16)), d.final()]).toString('utf8');
    };
    const opts = { subscriptionId: 's', identity: { phoneHash: VECTOR_EMAIL_HASH }, timestampMs: TS };
    const e = buildCstgRequest({ ...opts, serverPublicKey: euid });
    assert.equal(plaintextOf(e), `{"phone_hash":"${VECTOR_EMAIL_HASH}","optout_check":1}`);
    assert.equal(unwrap(decryptCstgRequest(e.body, serverPriv.key)).identityType, 'phone');
    const u = buildCstgRequest({ ...opts, serverPublicKey: serverPub });
    assert.equal(plaintextOf(u), `{"phone_hash":"${VECTOR_EMAIL_HASH}"}`);
  });

  it('defaults the timestamp to now', () => {
    const before = Date.now();
    const built = buildCstgRequest({
      serverPublicKey: serverPub,
      subscriptionId: 's',
      identity: { emailHash: 'x' },
    });
    assert.ok(built.body.timestamp >= before && built.body.timestamp <= Date.now());
  });

  it('throws on programmer errors', () => {
    const base = { serverPublicKey: serverPub, subscriptionId: 's' };
    const both = { emailHash: 'a', phoneHash: 'b' } as unknown as { emailHash: string };
    assert.throws(() => buildCstgRequest({ ...base, identity: both }), TypeError);
    assert.throws(
      () => buildCstgRequest({ ...base, identity: {} as unknown as { emailHash: string } }),
      TypeError,
    );
    assert.throws(
      () =>
        buildCstgRequest({
          serverPublicKeyText: 'UID2-X-L-AAAA',
          subscriptionId: 's',
          identity: { emailHash: 'a' },
        }),
      TypeError,
    );
    assert.throws(
      () => buildCstgRequest({ ...base, identity: { emailHash: 'a' }, iv: Buffer.alloc(16) }),
      RangeError,
    );
    assert.throws(
      () => buildCstgRequest({ ...base, identity: { emailHash: 'a' }, timestampMs: 1.5 }),
      RangeError,
    );
  });
});
