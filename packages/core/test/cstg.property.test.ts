import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { describe, it } from 'node:test';
import {
  buildCstgRequest,
  type CstgErrorCode,
  cstgAadText,
  decryptCstgRequest,
  decryptCstgResponse,
  encryptCstgResponse,
  parseCstgPrivateKeyText,
  parseCstgPublicKeyText,
  parseCstgRequestBody,
  type Result,
  sealCstgPayload,
} from '@uid2-ts/core';
import fc from 'fast-check';

// Server keys of the cstg_crypto vector (UIDOperatorVerticleTest) and the local fixture (4WvryDGbR5).
const SERVER_PUBLIC =
  'UID2-X-L-MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEsziOqRXZ7II0uJusaMxxCxlxgj8el/MUYLFMtWfB71Q3G1juyrAnzyqruNiPPnIuTETfFOridglP9UQNlwzNQg==';
const SERVER_PRIVATE =
  'UID2-Y-L-MEECAQAwEwYHKoZIzj0CAQYIKoZIzj0DAQcEJzAlAgEBBCBop1Dw/IwDcstgicr/3tDoyR3OIpgAWgw8mD6oTO+1ug==';
const OTHER_PRIVATE =
  'UID2-Y-L-MEECAQAwEwYHKoZIzj0CAQYIKoZIzj0DAQcEJzAlAgEBBCC5kOSRVD+qhAZqf0L4LGbmAhdy5HpIptwXE72jxhwo6w==';

function unwrap<T, E>(r: Result<T, E>): T {
  if (!r.ok) assert.fail(`expected ok, got ${JSON.stringify(r.error)}`);
  return r.value;
}

const serverPub = unwrap(parseCstgPublicKeyText(SERVER_PUBLIC));
const serverKey = unwrap(parseCstgPrivateKeyText(SERVER_PRIVATE)).key;
const otherKey = unwrap(parseCstgPrivateKeyText(OTHER_PRIVATE)).key;

const ALL_CODES: ReadonlySet<CstgErrorCode> = new Set<CstgErrorCode>([
  'cstg_body_missing',
  'cstg_body_invalid_json',
  'cstg_body_bad_field',
  'cstg_missing_params',
  'cstg_bad_public_key',
  'cstg_key_agreement_failed',
  'cstg_bad_iv',
  'cstg_payload_decryption_failed',
  'cstg_payload_invalid_json',
  'cstg_phone_not_enabled',
  'cstg_exactly_one_hash',
  'cstg_invalid_identifier',
]);

/** Asserts a typed failure whose code is one of `codes`, with the status that belongs to it. */
function assertFailure(
  r: Result<unknown, { code: CstgErrorCode; message: string; httpStatus: number }>,
  codes: readonly CstgErrorCode[],
): void {
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.ok(codes.includes(r.error.code), `unexpected code ${r.error.code}`);
  assert.equal(r.error.httpStatus, 400);
  assert.equal(typeof r.error.message, 'string');
}

/** One fixed, valid request (ephemeral client key) to mutate. */
const TS = 1_700_000_000_000;
const HASH = Buffer.alloc(32, 0x5a).toString('base64');
const base = buildCstgRequest({
  serverPublicKey: serverPub,
  subscriptionId: 's',
  identity: { emailHash: HASH },
  timestampMs: TS,
});
const baseCt = Buffer.from(base.body.payload, 'base64');
const baseIv = Buffer.from(base.body.iv, 'base64');
const baseSpki = Buffer.from(base.body.public_key, 'base64');
assert.equal(unwrap(decryptCstgRequest(base.body, serverKey)).hashB64, HASH);

const hashText = fc
  .uint8Array({ minLength: 32, maxLength: 32 })
  .chain((bytes) =>
    fc.constantFrom(Buffer.from(bytes).toString('base64'), Buffer.from(bytes).toString('hex')),
  );

describe('cstg request decryption never throws', () => {
  it('on arbitrary field values', () => {
    const field = fc.oneof(fc.anything(), fc.string(), fc.base64String());
    const req = fc.record(
      { payload: field, iv: field, public_key: field, timestamp: field, app_name: field },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(req, (r) => {
        assertFailure(decryptCstgRequest(r, serverKey), [...ALL_CODES]);
      }),
      { numRuns: 400 },
    );
  });

  it('on random public keys', () => {
    const der = fc.oneof(
      fc.uint8Array({ maxLength: 160 }),
      fc
        .uint8Array({ minLength: 65, maxLength: 65 })
        .map((p) => Buffer.concat([baseSpki.subarray(0, 26), p])),
    );
    fc.assert(
      fc.property(der, (d) => {
        const r = decryptCstgRequest(
          { ...base.body, public_key: Buffer.from(d).toString('base64') },
          serverKey,
        );
        assertFailure(r, ['cstg_bad_public_key', 'cstg_key_agreement_failed']);
      }),
      { numRuns: 200 },
    );
  });

  it('on bit-flipped and truncated public keys', () => {
    const mutation = fc.oneof(
      fc.nat({ max: baseSpki.length * 8 - 1 }).map((bit) => {
        const d = Buffer.from(baseSpki);
        d[bit >> 3] = (d[bit >> 3] as number) ^ (1 << (bit & 7));
        return d;
      }),
      fc.nat({ max: baseSpki.length - 1 }).map((n) => baseSpki.subarray(0, n)),
    );
    fc.assert(
      fc.property(mutation, (d) => {
        const r = decryptCstgRequest({ ...base.body, public_key: d.toString('base64') }, serverKey);
        assertFailure(r, [
          'cstg_bad_public_key',
          'cstg_key_agreement_failed',
          'cstg_payload_decryption_failed',
        ]);
      }),
      { numRuns: 200 },
    );
  });

  it('on wrong-length, bit-flipped and random IVs', () => {
    const iv = fc.oneof(
      fc.uint8Array({ maxLength: 40 }).filter((b) => b.length !== 12),
      fc.string(),
      fc.nat({ max: 95 }).map((bit) => {
        const b = Buffer.from(baseIv);
        b[bit >> 3] = (b[bit >> 3] as number) ^ (1 << (bit & 7));
        return b;
      }),
    );
    fc.assert(
      fc.property(iv, (v) => {
        const text = typeof v === 'string' ? v : Buffer.from(v).toString('base64');
        const r = decryptCstgRequest({ ...base.body, iv: text }, serverKey);
        if (typeof v !== 'string') {
          assertFailure(r, [v.length === 12 ? 'cstg_payload_decryption_failed' : 'cstg_bad_iv']);
        } else {
          assertFailure(r, ['cstg_bad_iv', 'cstg_payload_decryption_failed']);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('on truncated, extended and bit-flipped payloads', () => {
    const payload = fc.oneof(
      fc.nat({ max: baseCt.length - 1 }).map((n) => baseCt.subarray(0, n)),
      fc.uint8Array({ minLength: 1, maxLength: 8 }).map((extra) => Buffer.concat([baseCt, extra])),
      fc.nat({ max: baseCt.length * 8 - 1 }).map((bit) => {
        const b = Buffer.from(baseCt);
        b[bit >> 3] = (b[bit >> 3] as number) ^ (1 << (bit & 7));
        return b;
      }),
    );
    fc.assert(
      fc.property(payload, (p) => {
        const r = decryptCstgRequest({ ...base.body, payload: p.toString('base64') }, serverKey);
        assertFailure(r, ['cstg_payload_decryption_failed']);
      }),
      { numRuns: 200 },
    );
  });

  it('on a wrong timestamp, app name or server key', () => {
    const change = fc.oneof(
      fc
        .maxSafeInteger()
        .filter((t) => t !== TS)
        .map((timestamp) => ({ timestamp, key: serverKey })),
      fc.string().map((app_name) => ({ app_name, key: serverKey })),
      fc.constant({ key: otherKey }),
    );
    fc.assert(
      fc.property(change, ({ key, ...fields }) => {
        assertFailure(decryptCstgRequest({ ...base.body, ...fields }, key), [
          'cstg_payload_decryption_failed',
        ]);
      }),
      { numRuns: 150 },
    );
  });

  it('on arbitrary authenticated plaintexts', () => {
    const plaintext = fc.oneof(
      fc.uint8Array({ maxLength: 80 }),
      fc.string(),
      fc.jsonValue().map((v) => JSON.stringify(v) ?? 'null'),
      fc
        .record(
          { email_hash: fc.oneof(fc.jsonValue(), hashText), phone_hash: fc.oneof(fc.jsonValue(), hashText) },
          { requiredKeys: [] },
        )
        .map((o) => JSON.stringify(o)),
    );
    const phoneSupport = fc.boolean();
    fc.assert(
      fc.property(plaintext, phoneSupport, (pt, phone) => {
        const sealed = sealCstgPayload({ sharedKey: base.sharedKey, plaintext: pt, timestampMs: TS });
        const r = decryptCstgRequest({ ...base.body, ...sealed }, serverKey, { phoneSupport: phone });
        if (r.ok) {
          assert.match(r.value.hashB64, /^[A-Za-z0-9+/]{43}=$/);
          assert.ok(
            typeof pt === 'string' &&
              pt.includes(r.value.identityType === 'email' ? 'email_hash' : 'phone_hash'),
          );
        } else {
          assertFailure(r, [
            'cstg_payload_invalid_json',
            'cstg_phone_not_enabled',
            'cstg_exactly_one_hash',
            'cstg_invalid_identifier',
          ]);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('cstg round trip', () => {
  it('build → server decrypt → response encrypt → client decrypt', () => {
    const input = fc.record({
      hash: hashText,
      phone: fc.boolean(),
      timestampMs: fc.maxSafeInteger(),
      appName: fc.option(fc.string({ unit: 'binary' }), { nil: undefined }),
      token: fc.string(),
    });
    fc.assert(
      fc.property(input, ({ hash, phone, timestampMs, appName, token }) => {
        const identity = phone ? { phoneHash: hash } : { emailHash: hash };
        const built = buildCstgRequest({
          serverPublicKey: serverPub,
          subscriptionId: 'sub',
          identity,
          timestampMs,
          appName,
        });
        assert.equal(built.body.timestamp, timestampMs);
        assert.equal(built.body.app_name, appName);
        // through the wire: JSON text and back
        const body = unwrap(parseCstgRequestBody(JSON.stringify(built.body)));
        const decrypted = unwrap(decryptCstgRequest(body, serverKey));
        const expectedB64 = hash.length === 64 ? Buffer.from(hash, 'hex').toString('base64') : hash;
        assert.deepEqual(decrypted, {
          identityType: phone ? 'phone' : 'email',
          hashB64: expectedB64,
          sharedKey: built.sharedKey,
        });
        const response = {
          body: { advertising_token: token, identity_expires: timestampMs },
          status: 'success',
        };
        const text = encryptCstgResponse(decrypted.sharedKey, response);
        assert.deepEqual(unwrap(decryptCstgResponse(built.sharedKey, text)), response);
      }),
      { numRuns: 150 },
    );
  });

  it('AAD text equals JSON.stringify', () => {
    fc.assert(
      fc.property(
        fc.maxSafeInteger(),
        fc.option(fc.string({ unit: 'binary' }), { nil: undefined }),
        (ts, app) => {
          const expected = app === undefined ? JSON.stringify([ts]) : JSON.stringify([ts, app]);
          assert.equal(cstgAadText(ts, app), expected);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('other cstg decoders never throw', () => {
  it('request body parser', () => {
    const body = fc.oneof(
      fc.string(),
      fc.uint8Array({ maxLength: 64 }),
      fc.jsonValue().map((v) => JSON.stringify(v) ?? ''),
      fc
        .record(
          {
            payload: fc.jsonValue(),
            iv: fc.jsonValue(),
            public_key: fc.jsonValue(),
            timestamp: fc.jsonValue(),
            subscription_id: fc.jsonValue(),
            app_name: fc.jsonValue(),
          },
          { requiredKeys: [] },
        )
        .map((o) => JSON.stringify(o)),
    );
    fc.assert(
      fc.property(body, (b) => {
        const r = parseCstgRequestBody(b);
        if (r.ok) {
          assert.ok(Number.isSafeInteger(r.value.timestamp));
          for (const k of ['payload', 'iv', 'public_key', 'subscription_id', 'app_name'] as const) {
            assert.ok(r.value[k] === undefined || typeof r.value[k] === 'string');
          }
        } else {
          assertFailure(r, ['cstg_body_missing', 'cstg_body_invalid_json', 'cstg_body_bad_field']);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('key text parsers', () => {
    const text = fc.oneof(
      fc.string(),
      fc
        .tuple(fc.constantFrom('UID2-X-L-', 'UID2-Y-P-', 'EUID-X-T-', 'EUID-Y-I-'), fc.base64String())
        .map(([p, b]) => p + b),
      fc
        .tuple(fc.constantFrom('UID2-X-L-', 'UID2-Y-L-'), fc.uint8Array({ maxLength: 140 }))
        .map(([p, b]) => p + Buffer.from(b).toString('base64')),
    );
    fc.assert(
      fc.property(text, (t) => {
        for (const r of [parseCstgPublicKeyText(t), parseCstgPrivateKeyText(t)]) {
          assert.equal(r.ok, false);
          if (!r.ok)
            assert.ok(
              ['cstg_key_bad_prefix', 'cstg_key_bad_base64', 'cstg_key_not_p256'].includes(r.error.code),
            );
        }
      }),
      { numRuns: 300 },
    );
  });

  it('response decryption on random, truncated and bit-flipped input', () => {
    const blob = Buffer.from(encryptCstgResponse(base.sharedKey, { status: 'optout' }), 'base64');
    const input = fc.oneof(
      fc.string(),
      fc.base64String(),
      fc.nat({ max: blob.length - 1 }).map((n) => blob.subarray(0, n).toString('base64')),
      fc.nat({ max: blob.length * 8 - 1 }).map((bit) => {
        const b = Buffer.from(blob);
        b[bit >> 3] = (b[bit >> 3] as number) ^ (1 << (bit & 7));
        return b.toString('base64');
      }),
    );
    fc.assert(
      fc.property(input, (text) => {
        const r = decryptCstgResponse(base.sharedKey, text);
        assert.equal(r.ok, false);
        if (!r.ok) {
          assert.ok(
            [
              'cstg_response_bad_base64',
              'cstg_response_decryption_failed',
              'cstg_response_invalid_json',
            ].includes(r.error.code),
          );
        }
      }),
      { numRuns: 300 },
    );
  });
});
