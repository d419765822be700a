// Fuzzes the operator's HTTP surface: arbitrary bodies, content types and credentials, and valid
// envelopes carrying adversarial JSON. Bad input must get a 4xx with a JSON body (413 is plain text
// like the reference), never a 5xx, a hang or a crash.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildCstgRequest, sealRequestEnvelope } from '@uid2-ts/core';
import fc from 'fast-check';
import { FIXTURE, startTestOperator, type TestOperator } from './helpers/operator.js';

const ENVELOPE_PATHS = [
  '/v2/token/generate',
  '/v2/token/validate',
  '/v2/token/logout',
  '/v2/identity/map',
  '/v3/identity/map',
  '/v2/identity/buckets',
  '/v2/optout/status',
  '/v2/key/sharing',
  '/v2/key/bidstream',
  '/v2/key/latest',
];
const ALL_PATHS = [...ENVELOPE_PATHS, '/v2/token/refresh', '/v2/token/client-generate'];
const CONTENT_TYPES = [
  'text/plain',
  'application/octet-stream',
  'application/x-www-form-urlencoded',
  'application/json',
  'multipart/form-data; boundary=x',
  'image/png',
];
const KEYS = [
  'email',
  'email_hash',
  'phone',
  'phone_hash',
  'token',
  'advertising_ids',
  'since_timestamp',
  'tcf_consent_string',
  'clientIp',
  'link_id',
];

let op: TestOperator;
before(async () => {
  op = await startTestOperator();
});
after(async () => op.close());

async function post(path: string, body: string | Uint8Array, headers: Record<string, string>) {
  const res = await fetch(op.baseUrl + path, {
    method: 'POST',
    headers,
    body,
    signal: AbortSignal.timeout(15_000),
  });
  return { status: res.status, text: await res.text(), contentType: res.headers.get('content-type') };
}

function checkAnswer(r: { status: number; text: string; contentType: string | null }, what: string): void {
  assert.ok(r.status < 500, `${what} → HTTP ${r.status}: ${r.text.slice(0, 300)}`);
  if (r.status >= 400 && r.status !== 413 && r.status !== 404) {
    const json = JSON.parse(r.text) as { status?: unknown };
    assert.equal(typeof json.status, 'string', `${what}: error body without status`);
  }
}

// Values that have broken JSON handlers elsewhere: wrong types, nulls, huge and nested values.
const nasty = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 80 }),
  fc.array(
    fc.oneof(fc.string({ maxLength: 40 }), fc.constant(null), fc.integer(), fc.object({ maxDepth: 1 })),
    { maxLength: 6 },
  ),
  fc.object({ maxDepth: 2 }),
  fc.constant('a'.repeat(5000)),
  fc.constant(['a@b.com', 'x', '+12345678901', 'tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ=']),
);
const payload = fc.dictionary(fc.constantFrom(...KEYS, '__proto__', 'constructor'), nasty, { maxKeys: 4 });

describe('HTTP fuzz: the operator answers bad input with 4xx, never 5xx or a hang', () => {
  it('raw bodies of any shape, with or without a valid key, on every endpoint', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ALL_PATHS),
        fc.oneof(
          fc.string({ maxLength: 600 }),
          fc.uint8Array({ maxLength: 600 }),
          fc.uint8Array({ minLength: 44, maxLength: 400 }).map((b) => Buffer.from(b).toString('base64')),
          fc.uint8Array({ minLength: 291, maxLength: 291 }).map((b) => Buffer.from(b).toString('base64')),
          fc.json(),
        ),
        fc.constantFrom(...CONTENT_TYPES),
        fc.boolean(),
        async (path, body, contentType, authed) => {
          const headers: Record<string, string> = { 'content-type': contentType };
          if (authed) headers.authorization = `Bearer ${FIXTURE.all.key}`;
          checkAnswer(await post(path, body, headers), `${path} raw`);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('valid envelopes with adversarial JSON payloads, text and binary', async () => {
    const secret = Buffer.from(FIXTURE.all.secret, 'base64');
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ENVELOPE_PATHS),
        fc.oneof(
          payload,
          fc.json().map((j) => j as unknown as string),
        ),
        fc.boolean(),
        async (path, p, binary) => {
          const json = typeof p === 'string' ? p : JSON.stringify(p);
          const { envelope } = sealRequestEnvelope(json, secret);
          const r = await post(path, binary ? envelope : envelope.toString('base64'), {
            authorization: `Bearer ${FIXTURE.all.key}`,
            'content-type': binary ? 'application/octet-stream' : 'text/plain',
          });
          checkAnswer(r, `${path} ${json.slice(0, 200)}`);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('client-side generation requests with mangled fields', async () => {
    const valid = buildCstgRequest({
      serverPublicKeyText: FIXTURE.keypair.public_key,
      subscriptionId: FIXTURE.keypair.subscription_id,
      identity: { emailHash: 'tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ=' },
    }).body as unknown as Record<string, unknown>;
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(
          fc.constantFrom('payload', 'iv', 'public_key', 'timestamp', 'subscription_id', 'app_name'),
          nasty,
          {
            maxKeys: 3,
          },
        ),
        fc.constantFrom(undefined, 'http://localhost:3000', 'https://evil.example', 'null', '::::'),
        async (override, origin) => {
          const headers: Record<string, string> = { 'content-type': 'text/plain' };
          if (origin) headers.origin = origin;
          const r = await post(
            '/v2/token/client-generate',
            JSON.stringify({ ...valid, ...override }),
            headers,
          );
          checkAnswer(r, `client-generate ${JSON.stringify(override).slice(0, 200)}`);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('is still healthy afterwards', async () => {
    const res = await fetch(`${op.baseUrl}/ops/healthcheck`);
    assert.equal(res.status, 200);
  });
});
