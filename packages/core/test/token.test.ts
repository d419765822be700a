import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  type AdvertisingTokenInput,
  decodeAdvertisingToken,
  decodeRefreshToken,
  decryptRefreshResponse,
  encodeAdvertisingToken,
  encodeRefreshTokenV2,
  encodeRefreshTokenV3,
  encryptRefreshResponse,
  operatorViewOfTokenIdentity,
  parseAdvertisingTokenHeader,
  type RefreshTokenFields,
  type TokenKey,
  toBase64Url,
  unwrapRefreshToken,
  wrapRefreshToken,
} from '@uid2-ts/core';
import { category, sharedSdkKeys, vector } from './vectors.js';

const { master, site } = sharedSdkKeys();
const keys = new Map([master, site].map((k) => [k.id, k]));
const lookup = (id: number) => keys.get(id);

const rawV2 = Buffer.from('ywsvDNINiZOVSsfkHpLpSJzXzhr6Jx9Z/4Q0+lsEUvM=', 'base64');
const rawV3Phone = Buffer.from('BEOGxroPLdcY7LrSiwjY52+X05V0ryELpJmoWAyXiwbZ', 'base64');
const now = 1_700_000_000_000;
const input: AdvertisingTokenInput = {
  scope: 'UID2',
  type: 'email',
  expiresMs: now + 3_600_000,
  createdMs: now,
  siteId: 9000,
  privacyBits: 1,
  establishedMs: now - 1000,
  rawUid: rawV2,
};

describe('cross-platform v4 token (shared by the Java, .NET and Python SDK suites)', () => {
  const v = vector('advertising_token_v4_cross_platform', 'cross-platform');
  const e = v.expected as Record<string, unknown>;
  it('decodes with keys 164/165 to every documented field', () => {
    const header = parseAdvertisingTokenHeader(v.input.token as string);
    assert.ok(header.ok);
    assert.equal(header.value.bytes.length, e.decoded_length_bytes);
    assert.equal(header.value.bytes.subarray(0, 2).toString('hex'), e.header_bytes_hex);
    const r = decodeAdvertisingToken(v.input.token as string, lookup);
    assert.ok(r.ok, JSON.stringify(r));
    const t = r.value;
    assert.equal(t.version, 4);
    assert.equal(t.scope, 'UID2');
    assert.equal(t.type, 'email');
    assert.equal(t.masterKeyId, e.master_key_id);
    assert.equal(t.expiresMs, e.expires_ms);
    assert.equal(new Date(t.expiresMs).toISOString(), (e.expires_utc as string).replace('Z', '.000Z'));
    assert.equal(t.createdMs, e.generated_ms);
    assert.deepEqual(t.operator, { siteId: 0, type: 1, version: 0, keyId: 0 });
    assert.equal(t.siteKeyId, e.site_key_id);
    assert.equal(t.siteId, e.site_id);
    assert.equal(t.publisherId, e.publisher_id);
    assert.equal(t.clientKeyId, e.client_key_id);
    assert.equal(t.privacyBits, e.privacy_bits);
    assert.equal(t.establishedMs, e.established_ms);
    assert.equal(t.refreshedMs, e.refreshed_ms);
    assert.equal(t.uid, e.uid);
  });
  it('fails with the right codes when a key is missing or wrong', () => {
    const token = v.input.token as string;
    const r1 = decodeAdvertisingToken(token, (id) => (id === 165 ? site : undefined));
    assert.equal(r1.ok ? 'ok' : r1.error.code, 'unknown_master_key');
    const r2 = decodeAdvertisingToken(token, (id) => (id === 164 ? master : undefined));
    assert.equal(r2.ok ? 'ok' : r2.error.code, 'unknown_site_key');
    const r3 = decodeAdvertisingToken(token, (id) => ({ id, secret: Buffer.alloc(32, 7) }));
    assert.equal(r3.ok ? 'ok' : r3.error.code, 'invalid_payload');
  });
});

describe('advertising token encoding', () => {
  it('base64url consistency vectors', () => {
    const v = vector('sdk_shared_keys_and_encodings', 'base64url consistency');
    const inputs = v.input.bytes_hex as string[];
    const outputs = v.expected.base64url_no_padding as string[];
    for (const [i, hex] of inputs.entries()) assert.equal(toBase64Url(Buffer.from(hex, 'hex')), outputs[i]);
  });

  const cases: Array<[string, Partial<AdvertisingTokenInput>, string, number]> = [
    ['v4 UID2 email, 32-byte UID', {}, 'A4', 218],
    ['v4 UID2 phone, 33-byte UID', { type: 'phone', rawUid: rawV3Phone }, 'B4', 219],
    ['v4 EUID email', { scope: 'EUID' }, 'E4', 218],
    ['v4 EUID phone', { scope: 'EUID', type: 'phone', rawUid: rawV3Phone }, 'F4', 219],
    ['v3 UID2 email', { version: 3 }, 'A3', 220],
    ['v3 EUID phone', { version: 3, scope: 'EUID', type: 'phone', rawUid: rawV3Phone }, 'F3', 220],
    ['v2', { version: 2 }, 'Ag', 180],
  ];
  for (const [name, over, prefix, length] of cases) {
    it(`${name}: prefix ${prefix}, ${length} characters, round trip`, () => {
      const tokenInput = { ...input, ...over };
      const token = encodeAdvertisingToken(tokenInput, master, site);
      assert.equal(token.slice(0, 2), prefix);
      assert.equal(token.length, length);
      if ((over.version ?? 4) === 4) assert.match(token, /^[A-Za-z0-9_-]+$/);
      const r = decodeAdvertisingToken(token, lookup);
      assert.ok(r.ok, JSON.stringify(r));
      const t = r.value;
      assert.equal(t.version, tokenInput.version ?? 4);
      assert.equal(t.expiresMs, tokenInput.expiresMs);
      assert.equal(t.siteId, 9000);
      assert.equal(t.privacyBits, 1);
      assert.equal(t.establishedMs, tokenInput.establishedMs);
      assert.equal(t.masterKeyId, 164);
      assert.equal(t.siteKeyId, 165);
      if (tokenInput.version === 2) {
        assert.equal(t.uid, Buffer.from(tokenInput.rawUid).toString('base64'));
        assert.equal(t.createdMs, undefined);
        assert.equal(t.scope, 'UID2');
      } else {
        assert.deepEqual(t.rawUid, Buffer.from(tokenInput.rawUid));
        assert.equal(t.scope, tokenInput.scope);
        assert.equal(t.type, tokenInput.type);
        assert.equal(t.createdMs, now);
        assert.equal(t.refreshedMs, now);
      }
    });
  }

  it('a v4 token re-encoded as standard base64 still decodes', () => {
    const token = encodeAdvertisingToken(input, master, site);
    const std = Buffer.from(token, 'base64url').toString('base64');
    const r = decodeAdvertisingToken(std, lookup);
    assert.ok(r.ok);
    assert.equal(r.value.version, 4);
  });

  it('rejects unknown versions and garbage with typed errors', () => {
    const bytes = Buffer.from(encodeAdvertisingToken(input, master, site), 'base64url');
    bytes[1] = 0x60;
    const r = decodeAdvertisingToken(bytes.toString('base64url'), lookup);
    assert.equal(r.ok ? 'ok' : r.error.code, 'version_not_supported');
    for (const bad of ['', 'abc', '!!!!!!!!', 'A4AAAAC', `${encodeAdvertisingToken(input, master, site)}*`]) {
      const x = decodeAdvertisingToken(bad, lookup);
      assert.equal(x.ok, false, bad);
    }
  });

  it('the operator view of the identity: 32-byte UID is UID2/email; a 33-byte UID must match the header', () => {
    const phone = decodeAdvertisingToken(
      encodeAdvertisingToken({ ...input, type: 'phone', rawUid: rawV3Phone }, master, site),
      lookup,
    );
    assert.ok(phone.ok);
    assert.deepEqual(operatorViewOfTokenIdentity(phone.value), {
      ok: true,
      value: { scope: 'UID2', type: 'phone' },
    });
    const mismatch = decodeAdvertisingToken(
      encodeAdvertisingToken({ ...input, type: 'email', rawUid: rawV3Phone }, master, site),
      lookup,
    );
    assert.ok(mismatch.ok);
    const view = operatorViewOfTokenIdentity(mismatch.value);
    assert.equal(view.ok ? 'ok' : view.error.code, 'identity_mismatch');
    const short = decodeAdvertisingToken(
      encodeAdvertisingToken({ ...input, type: 'phone' }, master, site),
      lookup,
    );
    assert.ok(short.ok);
    assert.deepEqual(operatorViewOfTokenIdentity(short.value), {
      ok: true,
      value: { scope: 'UID2', type: 'email' },
    });
  });
});

describe('refresh tokens', () => {
  const refreshKey: TokenKey = {
    id: 4,
    secret: Buffer.from('c2yMYeezHfDvZ6haknCFaj0t+eAEJp/C/uh+fUAm1fo=', 'base64'),
  };
  const rlookup = (id: number) => (id === 4 ? refreshKey : undefined);
  const fields: RefreshTokenFields = {
    scope: 'UID2',
    type: 'phone',
    expiresMs: now + 86_400_000,
    createdMs: now,
    operator: { siteId: 0, type: 1, version: 0, keyId: 0 },
    siteId: 124,
    publisherId: 0,
    clientKeyId: 0,
    privacyBits: 3,
    establishedMs: now - 5000,
    firstLevelHash: 'RNzyiMMy106hy8MpBOsHBe+ZZkQR8IbUAG/IC2OrNr4=',
  };

  it('inner v3 is 124 bytes / 168 characters and round-trips', () => {
    const inner = encodeRefreshTokenV3(fields, refreshKey);
    assert.equal(inner.length, 124);
    assert.equal(inner.toString('base64').length, 168);
    assert.equal(inner[1], 0x70);
    const r = decodeRefreshToken(inner.toString('base64'), rlookup);
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepEqual(r.value, { ...fields, version: 3, refreshKeyId: 4 });
  });

  it('inner v2 (legacy) is 125 bytes and decodes with validTill as expiry, UID2/email', () => {
    const inner = encodeRefreshTokenV2(fields, refreshKey);
    assert.equal(inner.length, 125);
    assert.equal(inner.toString('base64').length, 168);
    const r = decodeRefreshToken(inner.toString('base64'), rlookup);
    assert.ok(r.ok);
    assert.equal(r.value.version, 2);
    assert.equal(r.value.expiresMs, fields.expiresMs + 60_000);
    assert.equal(r.value.type, 'email');
    assert.equal(r.value.firstLevelHash, fields.firstLevelHash);
    assert.equal(r.value.establishedMs, fields.establishedMs);
    assert.equal(r.value.siteId, 124);
  });

  it('the inner identity byte must agree with the outer one', () => {
    const inner = encodeRefreshTokenV3(fields, refreshKey);
    inner[0] = 0x03; // claims email outside, phone inside
    const r = decodeRefreshToken(inner.toString('base64'), rlookup);
    assert.equal(r.ok ? 'ok' : r.error.code, 'identity_mismatch');
  });

  it('wrapped refresh token: 388 characters, unwraps to the inner token and response key', () => {
    const inner = encodeRefreshTokenV3(fields, refreshKey);
    const w = wrapRefreshToken(inner, 'UID2', refreshKey);
    assert.equal(w.refreshToken.length, 388);
    assert.equal(Buffer.from(w.refreshToken, 'base64')[0], 0x00);
    assert.equal(Buffer.from(wrapRefreshToken(inner, 'EUID', refreshKey).refreshToken, 'base64')[0], 0x10);
    const u = unwrapRefreshToken(w.refreshToken, rlookup);
    assert.ok(u.ok);
    assert.equal(u.value.innerToken, inner.toString('base64'));
    assert.equal(u.value.refreshResponseKey.toString('base64'), w.refreshResponseKey);
    assert.equal(u.value.refreshKeyId, 4);
  });

  it('unwrap errors carry the reference messages', () => {
    const w = wrapRefreshToken(encodeRefreshTokenV3(fields, refreshKey), 'UID2', refreshKey);
    const msg = (r: ReturnType<typeof unwrapRefreshToken>) => (r.ok ? 'ok' : r.error.message);
    assert.equal(
      msg(unwrapRefreshToken(`*${w.refreshToken.slice(1)}`, rlookup)),
      'Invalid body: Body is not valid base64.',
    );
    assert.equal(
      msg(unwrapRefreshToken(w.refreshToken, () => undefined)),
      'Invalid key: Generator of this token (Key ID: 4) does not exist.',
    );
    const flipped = Buffer.from(w.refreshToken, 'base64');
    flipped[100] = (flipped[100] as number) ^ 1;
    assert.equal(
      msg(unwrapRefreshToken(flipped.toString('base64'), rlookup)),
      'Invalid data: Check encryption method and encryption key.',
    );
  });

  it('refresh response: the reference opt-out vector decrypts; our encryption round-trips', () => {
    const v = category('v2_request_and_response_envelopes').find((x) =>
      x.name.startsWith('refresh response: opt-out'),
    );
    assert.ok(v);
    const key = Buffer.from(v.input.refresh_response_key_b64 as string, 'base64');
    const plain = decryptRefreshResponse(key, Buffer.from(v.input.response_body_b64 as string, 'base64'));
    assert.equal(plain, v.expected.plaintext);
    const k = randomBytes(32);
    const blob = encryptRefreshResponse(k, '{"status":"success","body":{"x":"é"}}');
    assert.equal(decryptRefreshResponse(k, blob), '{"status":"success","body":{"x":"é"}}');
    assert.equal(decryptRefreshResponse(randomBytes(32), blob), undefined);
  });
});
