import { strict as assert } from 'node:assert';
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  envelopeWireBody,
  isOctetStreamContentType,
  isRequestTimestampFresh,
  openRequestEnvelope,
  openResponseEnvelope,
  parseJsonObjectLikeReference,
  sealRequestEnvelope,
  sealResponseEnvelope,
  sealResponsePlaintext,
  stripJsonComments,
  V2_ENVELOPE_FUTURE_TOLERANCE_MS,
  V2_ENVELOPE_MIN_LENGTH,
  V2_ENVELOPE_TIMESTAMP_TOLERANCE_MS,
  V2_ENVELOPE_VERSION,
  V2_RESPONSE_ENVELOPE_MIN_LENGTH,
} from '../src/envelope/index.ts';
import { gcmDecrypt, gcmEncrypt } from '../src/lib/aes-gcm.ts';

interface Vector {
  name: string;
  input: Record<string, string | number>;
  expected: Record<string, string | number>;
}

const vectors: Vector[] = JSON.parse(
  readFileSync(new URL('./fixtures/vectors.json', import.meta.url), 'utf8'),
).categories.v2_request_and_response_envelopes;
const operatorVector = vectors.find((v) => v.name.includes('V2RequestUtilTest'))!;
const publisherVectors = vectors.filter((v) => v.name.includes('PublisherTests, fixed IV/nonce/time'));

const b64 = (s: string): Buffer => Buffer.from(s, 'base64');
const hex = (s: string): Buffer => Buffer.from(s, 'hex');

// The V2RequestUtilTest envelope and its secret; "now" pinned to its timestamp like the reference test.
const OP_SECRET = b64(operatorVector.input.client_secret_b64 as string);
const OP_BODY = operatorVector.input.request_body_b64 as string;
const OP_NOW = operatorVector.expected.timestamp_ms as number;

const SECRET = Buffer.alloc(32, 7);
const OTHER_SECRET = Buffer.alloc(32, 8);
const NOW = 1_700_000_000_000;

const DOCS = 'https://unifiedid.com/docs/getting-started/gs-encryption-decryption';
const EUID_DOCS = 'https://euid.eu/docs/getting-started/gs-encryption-decryption';
const HINT = ` See ${DOCS} for details on the request envelope format.`;
const EUID_HINT = ` See ${EUID_DOCS} for details on the request envelope format.`;
const UNENCRYPTED =
  'Invalid body: The request body is unencrypted JSON. It must be an encrypted request envelope.' +
  ` See ${DOCS}#encryption-and-decryption-code-examples for encryption and decryption code examples.`;
const UNENCRYPTED_EUID =
  'Invalid body: The request body is unencrypted JSON. It must be an encrypted request envelope.' +
  ` See ${EUID_DOCS}#encryption-and-decryption-code-examples for encryption and decryption code examples.`;
const MSG = {
  missing: 'Invalid body: Body is missing.',
  notBase64: 'Invalid body: Body is not valid base64.' + HINT,
  tooShort: 'Invalid body: Body too short. Check encryption method.' + HINT,
  version: (n: number) =>
    `Invalid body: Invalid request envelope format version: received ${n}, must be 1.` + HINT,
  key: 'Invalid body: Check encryption key (ClientSecret).' + HINT,
  timestamp: 'Invalid timestamp: Request too old or client time drift.',
  payload: 'Invalid payload in body: Data is not valid json string.',
};

type OpenOptions = Parameters<typeof openRequestEnvelope>[1];

function openText(body: string | Uint8Array | null | undefined, extra: Partial<OpenOptions> = {}) {
  return openRequestEnvelope(body, { secret: SECRET, nowMs: NOW, binary: false, ...extra });
}

function openBinary(body: string | Uint8Array, extra: Partial<OpenOptions> = {}) {
  return openRequestEnvelope(body, { secret: SECRET, nowMs: NOW, binary: true, ...extra });
}

function expectError(result: ReturnType<typeof openRequestEnvelope>, code: string, message: string): void {
  assert.equal(result.ok, false, 'expected an error');
  if (result.ok) return;
  assert.equal(result.error.code, code);
  assert.equal(result.error.message, message);
}

function expectOk(result: ReturnType<typeof openRequestEnvelope>) {
  if (!result.ok) throw new Error(`expected success, got ${result.error.code}: ${result.error.message}`);
  return result.value;
}

/** An envelope whose encrypted plaintext is exactly `plaintext` (to build malformed payloads). */
function envelopeOfPlaintext(plaintext: Uint8Array, secret: Uint8Array = SECRET): Buffer {
  return Buffer.concat([Buffer.of(1), gcmEncrypt(secret, plaintext)]);
}

function plaintextOf(timestampMs: number, json: Uint8Array | string): Buffer {
  const head = Buffer.alloc(16);
  head.writeBigInt64BE(BigInt(timestampMs), 0);
  hex('0102030405060708').copy(head, 8);
  return Buffer.concat([head, typeof json === 'string' ? Buffer.from(json, 'utf8') : json]);
}

describe('envelope constants', () => {
  it('match the reference layout', () => {
    assert.equal(V2_ENVELOPE_VERSION, 1);
    assert.equal(V2_ENVELOPE_MIN_LENGTH, 45);
    assert.equal(V2_RESPONSE_ENVELOPE_MIN_LENGTH, 44);
    assert.equal(V2_ENVELOPE_TIMESTAMP_TOLERANCE_MS, 120_000);
    assert.equal(V2_ENVELOPE_FUTURE_TOLERANCE_MS, 119_000);
  });
});

describe('PublisherTests vectors (fixed IV, nonce, timestamp)', () => {
  assert.equal(publisherVectors.length, 5);
  for (const v of publisherVectors) {
    const secret = b64(v.input.client_secret_b64 as string);
    const nowMs = v.input.timestamp_ms as number;
    const nonce = hex(v.input.nonce_hex as string);
    const json = v.input.payload_json as string;

    it(`reproduces ${json} byte for byte`, () => {
      const sealed = sealRequestEnvelope(json, secret, { nowMs, nonce, iv: hex(v.input.iv_hex as string) });
      assert.equal(sealed.envelope.toString('base64'), v.expected.envelope_b64);
      assert.deepEqual(sealed.nonce, nonce);
      assert.equal(sealed.timestampMs, nowMs);
      // The same bytes from the object form (JSON.stringify gives the same compact text).
      const fromObject = sealRequestEnvelope(JSON.parse(json), secret, {
        nowMs,
        nonce,
        iv: hex(v.input.iv_hex as string),
      });
      assert.deepEqual(fromObject.envelope, sealed.envelope);
    });

    it(`opens ${json} back (text and binary)`, () => {
      const text = expectOk(
        openRequestEnvelope(v.expected.envelope_b64 as string, { secret, nowMs, binary: false }),
      );
      assert.equal(text.timestampMs, nowMs);
      assert.deepEqual(text.nonce, nonce);
      assert.deepEqual(text.payload, JSON.parse(json));
      assert.equal(text.binary, false);
      const raw = expectOk(
        openRequestEnvelope(b64(v.expected.envelope_b64 as string), { secret, nowMs, binary: true }),
      );
      assert.deepEqual(raw.payload, JSON.parse(json));
      assert.equal(raw.binary, true);
    });
  }
});

describe('V2RequestUtilTest vector', () => {
  it('opens with now = its timestamp: timestamp, nonce, payload', () => {
    assert.equal(b64(OP_BODY).length, operatorVector.expected.decoded_length_bytes);
    const opened = expectOk(
      openRequestEnvelope(OP_BODY, { secret: OP_SECRET, nowMs: OP_NOW, binary: false }),
    );
    assert.equal(opened.timestampMs, 1710907366130);
    assert.equal(new Date(opened.timestampMs).toISOString(), operatorVector.expected.timestamp_utc);
    assert.equal(opened.nonce.toString('hex'), '30e8280192351c0c');
    assert.equal(opened.nonce.length, 8);
    assert.deepEqual(opened.payload, JSON.parse(operatorVector.expected.payload_json as string));
    assert.equal(opened.payload?.['email_hash'], 'LdhtUlMQ58ZZy5YUqGPRQw5xUMS5dXG5ocJHYJHbAKI=');
    assert.match(String(opened.payload?.['token']), /^AdvertisingTokenmZ4dZgeu.*%3D$/);
    assert.equal(opened.binary, false);
  });

  it('really carries JSON with spaces and a trailing newline (formatting is accepted)', () => {
    const plaintext = gcmDecrypt(OP_SECRET, b64(OP_BODY).subarray(1))!;
    const json = plaintext.subarray(16).toString('utf8');
    assert.equal(json, operatorVector.expected.payload_json);
    assert.equal(plaintext.length - 16, operatorVector.expected.payload_length_bytes);
    assert.ok(json.endsWith('}\n') && json.includes('": "'));
  });

  it('uses Java-strict base64 for the text form', () => {
    assert.ok(OP_BODY.endsWith('=='));
    const opts = { secret: OP_SECRET, nowMs: OP_NOW, binary: false };
    // Unpadded is fine; wrong padding, whitespace, line breaks and the URL-safe alphabet are not.
    assert.equal(openRequestEnvelope(OP_BODY.slice(0, -2), opts).ok, true);
    for (const bad of [
      OP_BODY.slice(0, -1),
      OP_BODY + '=',
      OP_BODY + '\n',
      ' ' + OP_BODY,
      OP_BODY.slice(0, 40) + '\r\n' + OP_BODY.slice(40),
      OP_BODY.replaceAll('+', '-').replaceAll('/', '_'),
      OP_BODY.slice(0, -3) + '=', // a lone character before the padding
      OP_BODY + 'A==',
    ]) {
      expectError(openRequestEnvelope(bad, opts), 'not_base64', MSG.notBase64);
    }
  });
});

describe('openRequestEnvelope error steps, in order', () => {
  it('1. empty or missing body', () => {
    expectError(openText(''), 'body_missing', MSG.missing);
    expectError(openText(null), 'body_missing', MSG.missing);
    expectError(openText(undefined), 'body_missing', MSG.missing);
    expectError(openBinary(new Uint8Array(0)), 'body_missing', MSG.missing);
    expectError(
      openRequestEnvelope(null, { secret: SECRET, nowMs: NOW, binary: true }),
      'body_missing',
      MSG.missing,
    );
  });

  it('2. not base64 (plain text)', () => {
    expectError(openText('test string'), 'not_base64', MSG.notBase64);
    expectError(openText('[1]'), 'not_base64', MSG.notBase64); // JSON, but not an object
    expectError(openText('"x"'), 'not_base64', MSG.notBase64);
    expectError(openText('{"email": "a@b.c"'), 'not_base64', MSG.notBase64); // truncated JSON
  });

  it('2. not base64 but a JSON object → the unencrypted-JSON message', () => {
    expectError(
      openText('{"email_hash": "tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ="}'),
      'unencrypted_json',
      UNENCRYPTED,
    );
    expectError(openText('{}'), 'unencrypted_json', UNENCRYPTED);
    expectError(openText('\n  {"a": [1, 2]}\n'), 'unencrypted_json', UNENCRYPTED);
    // The reference's JSON parser (Vert.x) allows C-style comments.
    expectError(openText('/* c */ {"a": 1} // trailing'), 'unencrypted_json', UNENCRYPTED);
  });

  it('3. too short', () => {
    expectError(openText('dGVzdA=='), 'too_short', MSG.tooShort); // "test"
    expectError(openText(Buffer.alloc(44, 1).toString('base64')), 'too_short', MSG.tooShort);
    // Short JSON that is not an object is still just "too short".
    expectError(openText(Buffer.from('[1,2]').toString('base64')), 'too_short', MSG.tooShort);
  });

  it('3. too short but base64 of a JSON object → the unencrypted-JSON message', () => {
    expectError(openText(Buffer.from('{"version": 2}').toString('base64')), 'unencrypted_json', UNENCRYPTED);
  });

  it('4. wrong version byte (read unsigned)', () => {
    expectError(openText(Buffer.alloc(64, 2).toString('base64')), 'bad_version', MSG.version(2));
    expectError(openText(Buffer.alloc(45, 0xff).toString('base64')), 'bad_version', MSG.version(255));
    expectError(openText(Buffer.alloc(45, 0).toString('base64')), 'bad_version', MSG.version(0));
  });

  it('4. wrong version but base64 of a JSON object → the unencrypted-JSON message', () => {
    const json = '{"email_hash": "tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ=", "version": 2}';
    assert.ok(json.length >= 45);
    expectError(openText(Buffer.from(json).toString('base64')), 'unencrypted_json', UNENCRYPTED);
    // A long JSON array is not an object: plain version error ('[' = 91).
    expectError(
      openText(Buffer.from(`[${'1,'.repeat(30)}1]`).toString('base64')),
      'bad_version',
      MSG.version(91),
    );
  });

  it('5. wrong key, tampered ciphertext, unusable key length', () => {
    const sealed = sealRequestEnvelope({ email: 'a@b.c' }, SECRET, { nowMs: NOW });
    const body = sealed.envelope.toString('base64');
    expectError(openText(body, { secret: OTHER_SECRET }), 'bad_key', MSG.key);
    expectError(openText(body, { secret: Buffer.alloc(10) }), 'bad_key', MSG.key);
    expectError(openText(body, { secret: Buffer.alloc(0) }), 'bad_key', MSG.key);
    const tampered = Buffer.from(sealed.envelope);
    tampered[20] = (tampered[20] as number) ^ 1;
    expectError(openText(tampered.toString('base64')), 'bad_key', MSG.key);
    // The reference V2RequestUtilTest envelope with another secret.
    expectError(
      openRequestEnvelope(OP_BODY, { secret: OTHER_SECRET, nowMs: OP_NOW, binary: false }),
      'bad_key',
      MSG.key,
    );
    // Exactly 45 bytes, right version, garbage: the GCM open fails.
    const garbage = Buffer.alloc(45, 9);
    garbage[0] = 1;
    expectError(openText(garbage.toString('base64')), 'bad_key', MSG.key);
  });

  it('5 before 6: a stale envelope under the wrong key reports the key', () => {
    const sealed = sealRequestEnvelope({}, SECRET, { nowMs: NOW - 10 * 60_000 });
    expectError(openText(sealed.envelope.toString('base64'), { secret: OTHER_SECRET }), 'bad_key', MSG.key);
  });

  it('6. timestamp: accepted while |now − ts| < 120 s in the past, up to 119 s in the future', () => {
    const at = (offsetMs: number) =>
      openText(sealRequestEnvelope({ a: 1 }, SECRET, { nowMs: NOW + offsetMs }).envelope.toString('base64'));
    for (const ok of [0, -1, -60_000, -119_000, -119_999, 1, 60_000, 119_000]) {
      assert.equal(at(ok).ok, true, `offset ${ok} should be accepted`);
    }
    for (const bad of [-120_000, -120_001, -3_600_000, 120_000, 120_001, 3_600_000]) {
      expectError(at(bad), 'bad_timestamp', MSG.timestamp);
    }
    // The Java Duration quirk: a future offset of 119.001 s floors to −120 s → −2 minutes → rejected.
    expectError(at(119_001), 'bad_timestamp', MSG.timestamp);
    expectError(at(119_999), 'bad_timestamp', MSG.timestamp);
  });

  it('6. timestamp edge values never pass', () => {
    for (const ts of [0, -1, 2 ** 53, -(2 ** 53)]) {
      const env = envelopeOfPlaintext(plaintextOf(ts, '{}'));
      expectError(openText(env.toString('base64')), 'bad_timestamp', MSG.timestamp);
    }
    const extreme = plaintextOf(0, '{}');
    extreme.writeBigInt64BE(0x7fffffffffffffffn, 0);
    expectError(openText(envelopeOfPlaintext(extreme).toString('base64')), 'bad_timestamp', MSG.timestamp);
    extreme.writeBigInt64BE(-0x8000000000000000n, 0);
    expectError(openText(envelopeOfPlaintext(extreme).toString('base64')), 'bad_timestamp', MSG.timestamp);
  });

  it('6 before 7: a stale envelope with bad JSON reports the timestamp', () => {
    const env = envelopeOfPlaintext(plaintextOf(NOW - 600_000, 'not json'));
    expectError(openText(env.toString('base64')), 'bad_timestamp', MSG.timestamp);
  });

  it('7. plaintext after the 16-byte header must be a JSON object', () => {
    const invalid = [
      '[1]',
      '"x"',
      '1',
      'null',
      'true',
      'not json',
      '{',
      '{"a":1',
      '{"a":1} x',
      '{"a":1}{}',
      '{a:1}',
    ];
    for (const json of invalid) {
      expectError(
        openText(envelopeOfPlaintext(plaintextOf(NOW, json)).toString('base64')),
        'bad_payload',
        MSG.payload,
      );
    }
    // A JSON string "" is 2 bytes of JSON text that is not an object.
    expectError(
      openText(sealRequestEnvelope('""', SECRET, { nowMs: NOW }).envelope.toString('base64')),
      'bad_payload',
      MSG.payload,
    );
    // Whitespace only and invalid UTF-8.
    expectError(
      openText(envelopeOfPlaintext(plaintextOf(NOW, ' \n')).toString('base64')),
      'bad_payload',
      MSG.payload,
    );
    expectError(
      openText(envelopeOfPlaintext(plaintextOf(NOW, Buffer.of(0xff, 0xfe, 0x7b))).toString('base64')),
      'bad_payload',
      MSG.payload,
    );
  });

  it('7. any valid JSON object formatting is accepted, including comments (as Vert.x does)', () => {
    const texts = [
      '{"a":1}',
      ' { "a" : 1 } \n',
      '{\r\n\t"a": 1\r\n}\r\n',
      '/* lead */{"a"/* mid */:1} // tail',
      '// line\n{"a":1}',
      '{"a":1,"a":1}',
    ];
    for (const json of texts) {
      const opened = expectOk(openText(envelopeOfPlaintext(plaintextOf(NOW, json)).toString('base64')));
      assert.deepEqual(opened.payload, { a: 1 }, json);
    }
    // Invalid UTF-8 inside a string value is replaced (U+FFFD), as Java's new String(bytes, UTF_8) does.
    const bytes = Buffer.concat([Buffer.from('{"a":"'), Buffer.of(0xff), Buffer.from('"}')]);
    const opened = expectOk(openText(envelopeOfPlaintext(plaintextOf(NOW, bytes)).toString('base64')));
    assert.deepEqual(opened.payload, { a: '\ufffd' });
  });

  it('a plaintext of exactly 16 bytes is valid, with no payload', () => {
    for (const payload of [undefined, '']) {
      const sealed = sealRequestEnvelope(payload, SECRET, { nowMs: NOW });
      assert.equal(sealed.envelope.length, V2_ENVELOPE_MIN_LENGTH);
      const opened = expectOk(openText(sealed.envelope.toString('base64')));
      assert.equal(opened.payload, undefined);
      assert.deepEqual(opened.nonce, sealed.nonce);
      assert.equal(opened.timestampMs, NOW);
    }
  });

  it('EUID scope points every hint to euid.eu', () => {
    const euid = { scope: 'EUID' as const };
    expectError(
      openText('test string', euid),
      'not_base64',
      'Invalid body: Body is not valid base64.' + EUID_HINT,
    );
    expectError(openText('{"a": 1}', euid), 'unencrypted_json', UNENCRYPTED_EUID);
    expectError(
      openText('dGVzdA==', euid),
      'too_short',
      'Invalid body: Body too short. Check encryption method.' + EUID_HINT,
    );
    expectError(
      openText(Buffer.alloc(64, 2).toString('base64'), euid),
      'bad_version',
      'Invalid body: Invalid request envelope format version: received 2, must be 1.' + EUID_HINT,
    );
    const sealed = sealRequestEnvelope({}, OTHER_SECRET, { nowMs: NOW });
    expectError(
      openText(sealed.envelope.toString('base64'), euid),
      'bad_key',
      'Invalid body: Check encryption key (ClientSecret).' + EUID_HINT,
    );
    // Unhinted messages are the same in both scopes.
    expectError(openText('', euid), 'body_missing', MSG.missing);
    const stale = sealRequestEnvelope({}, SECRET, { nowMs: NOW - 600_000 });
    expectError(openText(stale.envelope.toString('base64'), euid), 'bad_timestamp', MSG.timestamp);
    // Explicit UID2 equals the default.
    expectError(openText('test string', { scope: 'UID2' }), 'not_base64', MSG.notBase64);
  });

  it('text form accepts a Uint8Array body (read as UTF-8 text)', () => {
    const sealed = sealRequestEnvelope({ a: 1 }, SECRET, { nowMs: NOW });
    const opened = expectOk(openText(Buffer.from(sealed.envelope.toString('base64'), 'utf8')));
    assert.deepEqual(opened.payload, { a: 1 });
    assert.equal(opened.binary, false);
    // Raw envelope bytes in the text form are not base64.
    expectError(openText(sealed.envelope), 'not_base64', MSG.notBase64);
  });
});

describe('binary form and the octet-stream fallback', () => {
  const sealed = sealRequestEnvelope({ email: 'user@example.com' }, SECRET, { nowMs: NOW });

  it('raw envelope bytes open with binary = true', () => {
    const opened = expectOk(openBinary(sealed.envelope));
    assert.equal(opened.binary, true);
    assert.deepEqual(opened.payload, { email: 'user@example.com' });
    assert.deepEqual(opened.nonce, sealed.nonce);
  });

  it('base64 text sent as octet-stream is reparsed as text (effective binary = false)', () => {
    const asText = Buffer.from(sealed.envelope.toString('base64'), 'utf8');
    const opened = expectOk(openBinary(asText));
    assert.equal(opened.binary, false);
    assert.deepEqual(opened.payload, { email: 'user@example.com' });
    // Same for the reference vector (V2RequestUtilTest.testParseRequestOctetStreamWithValidBase64Envelope).
    const op = expectOk(
      openRequestEnvelope(Buffer.from(OP_BODY), { secret: OP_SECRET, nowMs: OP_NOW, binary: true }),
    );
    assert.equal(op.binary, false);
    assert.equal(op.payload?.['email_hash'], 'LdhtUlMQ58ZZy5YUqGPRQw5xUMS5dXG5ocJHYJHbAKI=');
  });

  it('the fallback outcome wins when the body is base64 (its error about the decoded bytes)', () => {
    // Binary parse of the text would say "received 65" ('A'); the fallback reports the decoded byte.
    expectError(
      openBinary(Buffer.from(Buffer.alloc(64, 2).toString('base64'))),
      'bad_version',
      MSG.version(2),
    );
    // Base64 of plain JSON under octet-stream → unencrypted-JSON diagnosis.
    const json = '{"email_hash": "tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ="}';
    expectError(
      openBinary(Buffer.from(Buffer.from(json).toString('base64'))),
      'unencrypted_json',
      UNENCRYPTED,
    );
    expectError(
      openBinary(Buffer.from(Buffer.from(json).toString('base64')), { scope: 'EUID' }),
      'unencrypted_json',
      UNENCRYPTED_EUID,
    );
    // A valid base64 envelope that fails later (wrong key) reports that failure.
    expectError(
      openBinary(Buffer.from(sealed.envelope.toString('base64')), { secret: OTHER_SECRET }),
      'bad_key',
      MSG.key,
    );
  });

  it('a body that is not base64 keeps the binary error', () => {
    expectError(openBinary(Buffer.alloc(64, 2)), 'bad_version', MSG.version(2));
    expectError(openBinary(Buffer.alloc(10, 0xff)), 'too_short', MSG.tooShort);
    expectError(openBinary(sealed.envelope, { secret: OTHER_SECRET }), 'bad_key', MSG.key);
    const stale = sealRequestEnvelope({}, SECRET, { nowMs: NOW - 600_000 });
    expectError(openBinary(stale.envelope), 'bad_timestamp', MSG.timestamp);
    // Raw (not base64) JSON under octet-stream.
    expectError(openBinary(Buffer.from('{"a": 1}')), 'unencrypted_json', UNENCRYPTED);
    expectError(
      openBinary(Buffer.from(`{"email": "${'x'.repeat(60)}@example.com"}`)),
      'unencrypted_json',
      UNENCRYPTED,
    );
  });

  it('a string body in binary mode is taken as its UTF-8 bytes', () => {
    const opened = expectOk(openBinary(sealed.envelope.toString('base64')));
    assert.equal(opened.binary, false);
    expectError(openBinary(''), 'body_missing', MSG.missing);
  });
});

describe('isRequestTimestampFresh', () => {
  it('implements abs(Duration.between(ts, now).toMinutes()) <= 1 exactly', () => {
    const now = 1_710_907_366_130;
    // Values checked against Java 17: Duration.between(Instant.ofEpochMilli(ts), Instant.ofEpochMilli(now)).
    const cases: [number, boolean][] = [
      [0, true],
      [119_000, true],
      [119_999, true],
      [120_000, false],
      [-118_999, true],
      [-119_000, true],
      [-119_001, false],
      [-119_500, false],
      [-120_000, false],
    ];
    for (const [age, expected] of cases)
      assert.equal(isRequestTimestampFresh(now - age, now), expected, `age ${age}`);
    assert.equal(isRequestTimestampFresh(Number.NaN, now), false);
    assert.equal(isRequestTimestampFresh(now, Number.NaN), false);
    assert.equal(isRequestTimestampFresh(Number.POSITIVE_INFINITY, now), false);
  });
});

describe('response envelope', () => {
  const nonce = hex('312fe5aa08b2a049');
  const json = '{"status":"success","body":{"x":1}}';

  it('seals IV ‖ GCM(ts ‖ nonce ‖ json) ‖ tag with no version byte', () => {
    const iv = hex('cc3ccaca9889eab3800e787e');
    const sealed = sealResponseEnvelope(json, nonce, SECRET, { nowMs: NOW, iv });
    assert.equal(sealed.length, 12 + 16 + Buffer.byteLength(json) + 16);
    assert.deepEqual(sealed.subarray(0, 12), iv);
    const plain = gcmDecrypt(SECRET, sealed)!;
    assert.equal(Number(plain.readBigInt64BE(0)), NOW);
    assert.deepEqual(plain.subarray(8, 16), nonce);
    assert.equal(plain.subarray(16).toString('utf8'), json);
    // Deterministic with fixed IV and time; bytes input gives the same result.
    assert.deepEqual(sealResponseEnvelope(Buffer.from(json), nonce, SECRET, { nowMs: NOW, iv }), sealed);
    // A plaintext built in place (16 reserved bytes, then the JSON) seals to the same bytes.
    const inPlace = Buffer.concat([Buffer.alloc(16, 0xee), Buffer.from(json)]);
    assert.deepEqual(sealResponsePlaintext(inPlace, nonce, SECRET, { nowMs: NOW, iv }), sealed);
    assert.throws(() => sealResponsePlaintext(Buffer.alloc(15), nonce, SECRET), RangeError);
  });

  it('round trips through the wire forms', () => {
    const sealed = sealResponseEnvelope(json, nonce, SECRET, { nowMs: NOW });
    const text = envelopeWireBody(sealed, false);
    assert.equal(text.contentType, 'text/plain');
    assert.equal(text.body, sealed.toString('base64'));
    const bin = envelopeWireBody(sealed, true);
    assert.equal(bin.contentType, 'application/octet-stream');
    assert.deepEqual(bin.body, sealed);
    for (const body of [text.body, bin.body]) {
      const opened = openResponseEnvelope(body, SECRET, nonce);
      if (!opened.ok) throw new Error(opened.error.message);
      assert.equal(opened.value.timestampMs, NOW);
      assert.deepEqual(opened.value.json, JSON.parse(json));
      assert.equal(opened.value.text, json);
    }
  });

  it('detects a nonce mismatch and other failures without throwing', () => {
    const sealed = sealResponseEnvelope(json, nonce, SECRET, { nowMs: NOW });
    const code = (r: ReturnType<typeof openResponseEnvelope>) => (r.ok ? 'ok' : r.error.code);
    assert.equal(code(openResponseEnvelope(sealed, SECRET, hex('312fe5aa08b2a048'))), 'nonce_mismatch');
    assert.equal(code(openResponseEnvelope(sealed, SECRET, Buffer.alloc(0))), 'nonce_mismatch');
    assert.equal(code(openResponseEnvelope(sealed, OTHER_SECRET, nonce)), 'decrypt_failed');
    assert.equal(code(openResponseEnvelope(sealed, Buffer.alloc(5), nonce)), 'decrypt_failed');
    assert.equal(code(openResponseEnvelope(sealed.toString('base64') + '\n', SECRET, nonce)), 'not_base64');
    assert.equal(code(openResponseEnvelope(sealed.subarray(0, 43), SECRET, nonce)), 'too_short');
    assert.equal(code(openResponseEnvelope('', SECRET, nonce)), 'too_short');
    const notJson = sealResponseEnvelope('{"status":', nonce, SECRET, { nowMs: NOW });
    assert.equal(code(openResponseEnvelope(notJson, SECRET, nonce)), 'bad_json');
  });

  it('full exchange: client request → server open → server response → client open', () => {
    const request = sealRequestEnvelope({ email_hash: 'x' }, SECRET);
    const opened = expectOk(
      openRequestEnvelope(request.envelope, { secret: SECRET, nowMs: Date.now(), binary: true }),
    );
    const reply = sealResponseEnvelope('{"status":"success"}', opened.nonce, SECRET);
    const wire = envelopeWireBody(reply, opened.binary);
    const back = openResponseEnvelope(wire.body, SECRET, request.nonce);
    if (!back.ok) throw new Error(back.error.message);
    assert.deepEqual(back.value.json, { status: 'success' });
  });
});

describe('sealing rejects programmer errors', () => {
  it('bad nonce, IV or secret lengths throw', () => {
    assert.throws(() => sealRequestEnvelope({}, SECRET, { nonce: Buffer.alloc(7) }), RangeError);
    assert.throws(() => sealRequestEnvelope({}, SECRET, { iv: Buffer.alloc(16) }), RangeError);
    assert.throws(() => sealRequestEnvelope({}, Buffer.alloc(31)), RangeError);
    assert.throws(() => sealResponseEnvelope('{}', Buffer.alloc(9), SECRET), RangeError);
    assert.throws(
      () => sealResponseEnvelope('{}', Buffer.alloc(8), SECRET, { iv: Buffer.alloc(8) }),
      RangeError,
    );
  });

  it('random nonces and IVs differ between calls', () => {
    const a = sealRequestEnvelope({}, SECRET, { nowMs: NOW });
    const b = sealRequestEnvelope({}, SECRET, { nowMs: NOW });
    assert.notDeepEqual(a.nonce, b.nonce);
    assert.notDeepEqual(a.envelope.subarray(1, 13), b.envelope.subarray(1, 13));
  });
});

describe('wire helpers', () => {
  it('isOctetStreamContentType compares the whole value case-insensitively', () => {
    assert.equal(isOctetStreamContentType('application/octet-stream'), true);
    assert.equal(isOctetStreamContentType('Application/Octet-Stream'), true);
    assert.equal(isOctetStreamContentType(' application/octet-stream '), true);
    assert.equal(isOctetStreamContentType(['text/plain', 'application/octet-stream']), true);
    assert.equal(isOctetStreamContentType('application/octet-stream; charset=binary'), false);
    assert.equal(isOctetStreamContentType('application/x-www-form-urlencoded'), false);
    assert.equal(isOctetStreamContentType('text/plain'), false);
    assert.equal(isOctetStreamContentType(undefined), false);
    assert.equal(isOctetStreamContentType(null), false);
  });
});

describe('JSON parsing like the reference', () => {
  it('accepts objects only, with comments, and rejects trailing tokens', () => {
    assert.deepEqual(parseJsonObjectLikeReference('{"a":"/* not a comment */"}'), {
      a: '/* not a comment */',
    });
    assert.deepEqual(parseJsonObjectLikeReference('{"a":"// nor this"}'), { a: '// nor this' });
    assert.deepEqual(parseJsonObjectLikeReference('{"a\\"/*":1/**/}'), { 'a"/*': 1 });
    assert.deepEqual(parseJsonObjectLikeReference('{"a":1}//x\r'), { a: 1 });
    assert.deepEqual(parseJsonObjectLikeReference('{"a":/**/1}'), { a: 1 });
    for (const bad of [
      '{"a":1}/',
      '{"a":1}/*',
      '{"a":1/*/}',
      '[1]',
      '"x"',
      'null',
      '{"a":1}]',
      '',
      '{"a":1} {}',
    ]) {
      assert.equal(parseJsonObjectLikeReference(bad), undefined, bad);
    }
    // Comments separate tokens (they are whitespace), so "1/**/2" is two numbers.
    assert.equal(parseJsonObjectLikeReference('{"a":1/**/2}'), undefined);
    assert.equal(stripJsonComments('{"a":1}'), '{"a":1}');
    assert.equal(stripJsonComments('/*x'), undefined);
  });

  it('never throws on hostile input', () => {
    const inputs = [
      '['.repeat(200_000),
      '{"a":'.repeat(100_000),
      '/*'.repeat(100_000),
      '"'.repeat(100_001),
      '\\',
    ];
    for (const text of inputs) assert.equal(parseJsonObjectLikeReference(text), undefined);
  });
});

describe('large inputs', () => {
  it('multi-megabyte bodies give errors, not exceptions', () => {
    expectError(openText('A'.repeat(4_000_000)), 'bad_version', MSG.version(0));
    expectError(openText('{'.repeat(2_000_000)), 'not_base64', MSG.notBase64);
    expectError(openText(`{"a":"${'x'.repeat(2_000_000)}"}`), 'unencrypted_json', UNENCRYPTED);
    expectError(openBinary(Buffer.alloc(3_000_000, 0xff)), 'bad_version', MSG.version(255));
    const big = sealRequestEnvelope(
      { items: Array.from({ length: 20_000 }, (_, i) => `item-${i}@example.com`) },
      SECRET,
      {
        nowMs: NOW,
      },
    );
    const opened = expectOk(openText(big.envelope.toString('base64')));
    assert.equal((opened.payload!['items'] as string[]).length, 20_000);
  });
});
