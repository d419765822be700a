import { strict as assert } from 'node:assert';
import { Buffer } from 'node:buffer';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  type EnvelopeErrorCode,
  envelopeWireBody,
  isRequestTimestampFresh,
  openRequestEnvelope,
  openResponseEnvelope,
  parseJsonObjectLikeReference,
  type ResponseEnvelopeErrorCode,
  sealRequestEnvelope,
  sealResponseEnvelope,
} from '../src/envelope/index.ts';

const SECRET = Buffer.alloc(32, 7);
const NOW = 1_700_000_000_000;

const REQUEST_CODES = new Set<EnvelopeErrorCode>([
  'body_missing',
  'not_base64',
  'unencrypted_json',
  'too_short',
  'bad_version',
  'bad_key',
  'bad_timestamp',
  'bad_payload',
]);
const RESPONSE_CODES = new Set<ResponseEnvelopeErrorCode>([
  'not_base64',
  'too_short',
  'decrypt_failed',
  'nonce_mismatch',
  'bad_json',
]);

const jsonObject = fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 8 });
const secret = fc.uint8Array({ minLength: 32, maxLength: 32 });
const nonce = fc.uint8Array({ minLength: 8, maxLength: 8 });
const iv = fc.uint8Array({ minLength: 12, maxLength: 12 });
const timestamp = fc.integer({ min: 0, max: 4_102_444_800_000 });

function expectRequestError(result: ReturnType<typeof openRequestEnvelope>): EnvelopeErrorCode {
  assert.equal(result.ok, false);
  if (result.ok) throw new Error('unreachable');
  assert.ok(REQUEST_CODES.has(result.error.code), result.error.code);
  assert.equal(typeof result.error.message, 'string');
  assert.ok(result.error.message.length > 0);
  return result.error.code;
}

function openAll(body: string | Uint8Array, key: Uint8Array = SECRET) {
  return [
    openRequestEnvelope(body, { secret: key, nowMs: NOW, binary: false }),
    openRequestEnvelope(body, { secret: key, nowMs: NOW, binary: true }),
    openRequestEnvelope(body, { secret: key, nowMs: NOW, binary: false, scope: 'EUID' }),
  ];
}

describe('request envelope properties', () => {
  it('round trips arbitrary JSON objects in both wire forms', () => {
    fc.assert(
      fc.property(jsonObject, secret, nonce, iv, timestamp, (obj, key, n, v, ts) => {
        const sealed = sealRequestEnvelope(obj, key, { nowMs: ts, nonce: n, iv: v });
        const expected = JSON.parse(JSON.stringify(obj));
        for (const [body, binary] of [
          [sealed.envelope.toString('base64'), false],
          [sealed.envelope, true],
          [Buffer.from(sealed.envelope.toString('base64')), true],
        ] as const) {
          const opened = openRequestEnvelope(body, { secret: key, nowMs: ts, binary });
          if (!opened.ok) throw new Error(opened.error.message);
          assert.deepEqual(opened.value.payload, expected);
          assert.deepEqual(opened.value.nonce, Buffer.from(n));
          assert.equal(opened.value.timestampMs, ts);
          assert.equal(opened.value.binary, binary && typeof body !== 'string' && body === sealed.envelope);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('accepts any formatting of the JSON object (indentation, trailing newline, comments)', () => {
    fc.assert(
      fc.property(jsonObject, fc.constantFrom(0, 1, 2, '\t'), (obj, indent) => {
        const expected = JSON.parse(JSON.stringify(obj));
        for (const text of [
          `${JSON.stringify(obj, null, indent)}\n`,
          `/* lead */ ${JSON.stringify(obj, null, indent)} // tail`,
        ]) {
          const sealed = sealRequestEnvelope(text, SECRET, { nowMs: NOW });
          const opened = openRequestEnvelope(sealed.envelope.toString('base64'), {
            secret: SECRET,
            nowMs: NOW,
            binary: false,
          });
          if (!opened.ok) throw new Error(opened.error.message);
          assert.deepEqual(opened.value.payload, expected);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('rejects every JSON value that is not an object with bad_payload', () => {
    const nonObject = fc.jsonValue().filter((v) => typeof v !== 'object' || v === null || Array.isArray(v));
    fc.assert(
      fc.property(nonObject, (value) => {
        const sealed = sealRequestEnvelope(JSON.stringify(value), SECRET, { nowMs: NOW });
        const result = openRequestEnvelope(sealed.envelope, { secret: SECRET, nowMs: NOW, binary: true });
        assert.equal(expectRequestError(result), 'bad_payload');
      }),
    );
  });

  it('random strings never throw and give an error code', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.base64String()), (text) => {
        for (const r of openAll(text)) expectRequestError(r);
      }),
      { numRuns: 500 },
    );
  });

  it('random bytes (raw and base64) never throw and give an error code', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, forceVersion) => {
        const b = Buffer.from(bytes);
        if (forceVersion && b.length > 0) b[0] = 1; // get past the version check into GCM
        for (const r of [...openAll(b), ...openAll(b.toString('base64'))]) expectRequestError(r);
      }),
      { numRuns: 500 },
    );
  });

  it('truncations of a valid envelope give an error, never an exception', () => {
    fc.assert(
      fc.property(jsonObject, fc.nat(), (obj, cut) => {
        const { envelope } = sealRequestEnvelope(obj, SECRET, { nowMs: NOW });
        const len = cut % envelope.length;
        const truncated = envelope.subarray(0, len);
        const code = expectRequestError(
          openRequestEnvelope(truncated, { secret: SECRET, nowMs: NOW, binary: true }),
        );
        assert.equal(code, len === 0 ? 'body_missing' : len < 45 ? 'too_short' : 'bad_key');
        const text = envelope.toString('base64');
        const cutText = text.slice(0, cut % text.length);
        // Dropping only the '=' padding leaves the whole envelope (unpadded base64 is valid).
        if (cutText.replace(/=+$/, '') !== text.replace(/=+$/, '')) {
          for (const r of openAll(cutText)) expectRequestError(r);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('any single bit flip is detected (version byte → bad_version, elsewhere → bad_key)', () => {
    fc.assert(
      fc.property(jsonObject, fc.nat(), fc.integer({ min: 0, max: 7 }), (obj, at, bit) => {
        const { envelope } = sealRequestEnvelope(obj, SECRET, { nowMs: NOW });
        const index = at % envelope.length;
        const flipped = Buffer.from(envelope);
        flipped[index] = (flipped[index] as number) ^ (1 << bit);
        const [text, binary] = openAll(flipped.toString('base64'));
        const expected = index === 0 ? 'bad_version' : 'bad_key';
        assert.equal(expectRequestError(text!), expected);
        assert.equal(expectRequestError(binary!), expected);
      }),
      { numRuns: 300 },
    );
  });

  it('the timestamp window is exactly (now − 120 s, now + 119 s]', () => {
    fc.assert(
      fc.property(timestamp, fc.integer({ min: -400_000, max: 400_000 }), (now, offset) => {
        const fresh = isRequestTimestampFresh(now + offset, now);
        assert.equal(fresh, offset > -120_000 && offset <= 119_000);
      }),
    );
  });
});

describe('large envelopes (identity-map sized: pieces of 64 KiB in the cipher and in base64)', () => {
  it('open the same from a string and from bytes, round trip, and report the same error when corrupted', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9000 }),
        secret,
        nonce,
        fc.option(fc.record({ at: fc.nat(), c: fc.constantFrom('-', '_', '=', ' ', '*', 'é', 'A', '/') })),
        (count, key, n, change) => {
          const payload = { email: Array.from({ length: count }, (_, i) => `user${i}@example.com`) };
          const sealed = sealRequestEnvelope(payload, key, { nowMs: NOW, nonce: n });
          let text = sealed.envelope.toString('base64');
          if (change !== null) {
            const i = change.at % text.length;
            text = text.slice(0, i) + change.c + text.slice(i + 1);
          }
          const fromText = openRequestEnvelope(text, { secret: key, nowMs: NOW, binary: false });
          const fromBytes = openRequestEnvelope(Buffer.from(text), {
            secret: key,
            nowMs: NOW,
            binary: false,
          });
          assert.deepEqual(fromBytes, fromText);
          const fallback = openRequestEnvelope(Buffer.from(text), { secret: key, nowMs: NOW, binary: true });
          assert.equal(fallback.ok, fromText.ok);
          if (fromText.ok && text === sealed.envelope.toString('base64')) {
            assert.deepEqual(fromText.value.payload, payload);
            // The answer for such a request: sealed in pieces, sent as base64 bytes.
            const json = JSON.stringify({ status: 'success', body: payload });
            const response = sealResponseEnvelope(json, fromText.value.nonce, key, { nowMs: NOW });
            const wire = envelopeWireBody(response, false);
            assert.equal(wire.contentType, 'text/plain');
            assert.equal(Buffer.from(wire.body).toString('latin1'), response.toString('base64'));
            const opened = openResponseEnvelope(Buffer.from(wire.body).toString('latin1'), key, n);
            if (!opened.ok) throw new Error(opened.error.message);
            assert.equal(opened.value.text, json);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('response envelope properties', () => {
  it('round trips arbitrary JSON in both wire forms', () => {
    fc.assert(
      fc.property(fc.jsonValue(), secret, nonce, timestamp, (value, key, n, ts) => {
        const text = JSON.stringify(value);
        const sealed = sealResponseEnvelope(text, n, key, { nowMs: ts });
        for (const body of [sealed, sealed.toString('base64')]) {
          const opened = openResponseEnvelope(body, key, n);
          if (!opened.ok) throw new Error(opened.error.message);
          assert.deepEqual(opened.value.json, JSON.parse(text));
          assert.equal(opened.value.timestampMs, ts);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('a different expected nonce is always a mismatch', () => {
    fc.assert(
      fc.property(nonce, nonce, (sent, expected) => {
        fc.pre(!Buffer.from(sent).equals(Buffer.from(expected)));
        const sealed = sealResponseEnvelope('{"status":"success"}', sent, SECRET);
        const opened = openResponseEnvelope(sealed, SECRET, expected);
        assert.equal(opened.ok, false);
        if (!opened.ok) assert.equal(opened.error.code, 'nonce_mismatch');
      }),
    );
  });

  it('random input, truncations and bit flips never throw', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.uint8Array({ maxLength: 200 })),
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        (junk, at, bit) => {
          const n = Buffer.alloc(8, 3);
          const junkResult = openResponseEnvelope(junk, SECRET, n);
          assert.equal(junkResult.ok, false);
          if (!junkResult.ok) assert.ok(RESPONSE_CODES.has(junkResult.error.code));
          const sealed = sealResponseEnvelope('{"status":"success"}', n, SECRET);
          const truncated = openResponseEnvelope(sealed.subarray(0, at % sealed.length), SECRET, n);
          assert.equal(truncated.ok, false);
          const flipped = Buffer.from(sealed);
          flipped[at % sealed.length] = (flipped[at % sealed.length] as number) ^ (1 << bit);
          const result = openResponseEnvelope(flipped, SECRET, n);
          assert.equal(result.ok, false);
          if (!result.ok) assert.equal(result.error.code, 'decrypt_failed');
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('JSON parsing properties', () => {
  it('never throws and matches JSON.parse on comment-free text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.string({ unit: 'binary' })), (text) => {
        const parsed = parseJsonObjectLikeReference(text);
        let expected: unknown;
        try {
          expected = JSON.parse(text);
        } catch {
          expected = undefined;
        }
        const isObject = typeof expected === 'object' && expected !== null && !Array.isArray(expected);
        if (isObject) assert.deepEqual(parsed, expected);
        else if (!text.includes('/')) assert.equal(parsed, undefined);
      }),
      { numRuns: 500 },
    );
  });
});
