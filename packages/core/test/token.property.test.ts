import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type AdvertisingTokenInput,
  decodeAdvertisingToken,
  decodeRefreshToken,
  encodeAdvertisingToken,
  encodeRefreshTokenV3,
  type TokenKey,
  unwrapRefreshToken,
  wrapRefreshToken,
} from '@uid2-ts/core';
import fc from 'fast-check';

const key = (id: number, fill: number): TokenKey => ({ id, secret: Buffer.alloc(32, fill) });
const master = key(1, 1);
const site = key(2, 2);
const refresh = key(3, 3);
const all = new Map([master, site, refresh].map((k) => [k.id, k]));
const lookup = (id: number) => all.get(id);

const timestamp = fc.integer({ min: 0, max: 2 ** 52 });
const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const tokenInput: fc.Arbitrary<AdvertisingTokenInput> = fc.record({
  version: fc.constantFrom<2 | 3 | 4>(2, 3, 4),
  scope: fc.constantFrom<'UID2' | 'EUID'>('UID2', 'EUID'),
  type: fc.constantFrom<'email' | 'phone'>('email', 'phone'),
  expiresMs: timestamp,
  createdMs: timestamp,
  siteId: int32,
  publisherId: timestamp,
  clientKeyId: int32,
  privacyBits: int32,
  establishedMs: timestamp,
  rawUid: fc.uint8Array({ minLength: 32, maxLength: 33 }),
});

function codeOf(r: { ok: boolean; error?: { code: string } }): string {
  return r.ok ? 'ok' : (r.error?.code ?? '?');
}

describe('advertising token properties', () => {
  it('round-trips every field', () => {
    fc.assert(
      fc.property(tokenInput, (input) => {
        const r = decodeAdvertisingToken(encodeAdvertisingToken(input, master, site), lookup);
        assert.ok(r.ok);
        const t = r.value;
        assert.equal(t.expiresMs, input.expiresMs);
        assert.equal(t.siteId, input.siteId);
        assert.equal(t.privacyBits, input.privacyBits);
        assert.equal(t.establishedMs, input.establishedMs);
        if (input.version === 2) {
          assert.equal(t.uid, Buffer.from(input.rawUid).toString('base64'));
        } else {
          assert.deepEqual(t.rawUid, Buffer.from(input.rawUid));
          assert.equal(t.createdMs, input.createdMs);
          assert.equal(t.publisherId, input.publisherId);
          assert.equal(t.clientKeyId, input.clientKeyId);
          assert.equal(t.scope, input.scope);
          assert.equal(t.type, input.type);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a flipped bit in the encrypted part, truncation or a wrong key is an error, never a throw', () => {
    fc.assert(
      fc.property(tokenInput, fc.nat(), fc.nat(7), fc.nat(), (input, pos, bit, cut) => {
        const token = encodeAdvertisingToken(input, master, site);
        const bytes = Buffer.from(token, 'base64');
        const headerLength = input.version === 2 ? 5 : 6;
        const i = headerLength + (pos % (bytes.length - headerLength));
        const flipped = Buffer.from(bytes);
        flipped[i] = (flipped[i] as number) ^ (1 << bit);
        const f = decodeAdvertisingToken(flipped.toString('base64'), lookup);
        if (input.version === 2) {
          // v2 is AES-CBC without authentication: a flip may still decrypt, but never to the same token.
          const original = decodeAdvertisingToken(token, lookup);
          assert.ok(original.ok);
          if (f.ok) assert.notDeepEqual(f.value, original.value);
        } else {
          assert.equal(f.ok, false);
        }
        const truncated = bytes.subarray(0, cut % bytes.length).toString('base64');
        assert.equal(decodeAdvertisingToken(truncated, lookup).ok, false);
        const wrong = decodeAdvertisingToken(token, (id) => ({ id, secret: Buffer.alloc(32, 9) }));
        assert.equal(codeOf(wrong), 'invalid_payload');
      }),
      { numRuns: 300 },
    );
  });

  it('arbitrary text and bytes give a typed error', () => {
    const codes = new Set([
      'invalid_payload',
      'version_not_supported',
      'unknown_master_key',
      'unknown_site_key',
    ]);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('base64url')),
        ),
        (text) => {
          const r = decodeAdvertisingToken(text, lookup);
          assert.ok(!r.ok && codes.has(r.error.code), JSON.stringify(r));
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('refresh token properties', () => {
  const fields = fc.record({
    scope: fc.constantFrom<'UID2' | 'EUID'>('UID2', 'EUID'),
    type: fc.constantFrom<'email' | 'phone'>('email', 'phone'),
    expiresMs: timestamp,
    createdMs: timestamp,
    operator: fc.record({ siteId: int32, type: fc.nat(255), version: int32, keyId: int32 }),
    siteId: int32,
    publisherId: timestamp,
    clientKeyId: int32,
    privacyBits: int32,
    establishedMs: timestamp,
    firstLevelHash: fc
      .uint8Array({ minLength: 32, maxLength: 32 })
      .map((b) => Buffer.from(b).toString('base64')),
  });

  it('inner v3 and the wrapped form round-trip; the wrap is always 388 characters', () => {
    fc.assert(
      fc.property(fields, (f) => {
        const inner = encodeRefreshTokenV3(f, refresh);
        const w = wrapRefreshToken(inner, f.scope, refresh);
        assert.equal(w.refreshToken.length, 388);
        const u = unwrapRefreshToken(w.refreshToken, lookup);
        assert.ok(u.ok);
        const d = decodeRefreshToken(u.value.innerToken, lookup);
        assert.ok(d.ok);
        assert.deepEqual(d.value, { ...f, operator: { ...f.operator }, version: 3, refreshKeyId: 3 });
      }),
      { numRuns: 200 },
    );
  });

  it('mutated or random wrapped tokens give typed errors, never throws', () => {
    const codes = new Set(['invalid_base64', 'unknown_key', 'decrypt_failed', 'invalid_format']);
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 400 }), fc.uint8Array({ maxLength: 300 })), (x) => {
        const text = typeof x === 'string' ? x : Buffer.from(x).toString('base64');
        const r = unwrapRefreshToken(text, lookup);
        assert.ok(!r.ok && codes.has(r.error.code));
        const d = decodeRefreshToken(text, lookup);
        assert.equal(d.ok, false);
      }),
      { numRuns: 500 },
    );
  });
});
