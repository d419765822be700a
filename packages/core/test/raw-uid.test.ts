import assert from 'node:assert/strict';
import { createCipheriv, createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  currentRawUid,
  firstLevelHash,
  hashIdentityInput,
  previousRawUid,
  type RawUidOptions,
  rawUidV2,
  rawUidV3,
  rawUidV4,
  rawUidV4Metadata,
  refreshFromSeconds,
  type SaltBucket,
  type SaltKeyMaterial,
  saltBucketIndex,
} from '@uid2-ts/core';
import fc from 'fast-check';
import { category, vector } from './vectors.js';

const DAY = 86_400_000;
const uid2: RawUidOptions = { scope: 'UID2', identityV3: false, environment: 'prod' };

describe('first-level hash, bucket index and raw UIDs (reference vectors)', () => {
  const rows = category('first_level_hash_and_raw_uid').filter((v) =>
    v.name.startsWith('first-level hash and raw UIDs'),
  );
  it('has the three identities', () => assert.equal(rows.length, 3));
  for (const v of rows) {
    it(v.name, () => {
      const dii = v.input.dii as string;
      const type = v.input.identity_type as 'email' | 'phone';
      const id = hashIdentityInput(type, dii);
      assert.ok(id);
      const flh = firstLevelHash(id.hashB64, v.input.first_level_salt as string);
      assert.equal(flh, v.expected.first_level_hash_b64);
      assert.equal(saltBucketIndex(flh, 1 << 20), v.expected.bucket_index_20bit);
      assert.equal(saltBucketIndex(flh, 5), (v.expected.bucket_index_20bit as number) % 5);
      const salt = v.input.rotating_salt as string;
      assert.equal(rawUidV2(flh, salt), v.expected.raw_uid_v2_b64);
      assert.equal(rawUidV3(flh, salt, 'UID2', type), v.expected.raw_uid_v3_uid2_b64);
      const key = v.input.v4_key_material as SaltKeyMaterial;
      const v4 = rawUidV4(Buffer.from(flh, 'base64'), key, rawUidV4Metadata('prod', 'UID2', type));
      assert.equal(v4.toString('base64'), v.expected.raw_uid_v4_uid2_prod_b64);
      // Raw v3 EUID is the UID2 value with the scope bit set.
      const euid = Buffer.from(rawUidV3(flh, salt, 'EUID', type), 'base64');
      assert.equal(euid[0], type === 'email' ? 0x10 : 0x14);
      assert.deepEqual(euid.subarray(1), Buffer.from(v.expected.raw_uid_v2_b64 as string, 'base64'));
    });
  }

  it('v4 raw UIDs in other environments and scopes', () => {
    const v = vector('first_level_hash_and_raw_uid', 'other environments');
    const id = hashIdentityInput('email', v.input.dii);
    assert.ok(id);
    const flh = Buffer.from(firstLevelHash(id.hashB64, v.input.first_level_salt as string), 'base64');
    const key = v.input.v4_key_material as SaltKeyMaterial;
    assert.equal(
      rawUidV4(flh, key, rawUidV4Metadata('test', 'UID2', 'email')).toString('base64'),
      v.expected.raw_uid_v4_uid2_test_env_b64,
    );
    assert.equal(
      rawUidV4(flh, key, rawUidV4Metadata('integ', 'EUID', 'email')).toString('base64'),
      v.expected.raw_uid_v4_euid_integ_env_b64,
    );
  });

  it('V4TokenUtilsTest inputs', () => {
    const v = vector('first_level_hash_and_raw_uid', 'V4TokenUtilsTest');
    const id = hashIdentityInput('email', v.input.dii);
    assert.ok(id);
    const flhB64 = firstLevelHash(id.hashB64, v.input.first_level_salt as string);
    assert.equal(flhB64, v.expected.first_level_hash_b64);
    const raw = rawUidV4(
      Buffer.from(flhB64, 'base64'),
      { id: v.input.key_id as number, key: v.input.key as string, salt: v.input.salt as string },
      Number(v.input.meta),
    );
    assert.equal(raw.toString('hex'), v.expected.raw_uid_v4_hex);
    assert.equal(raw.subarray(4, 16).toString('hex'), v.expected.iv_hex);
    assert.equal(raw.toString('base64'), v.expected.raw_uid_v4_b64);
  });

  it('metadata byte → first base64 character', () => {
    const v = vector('first_level_hash_and_raw_uid', 'metadata byte');
    for (const [label, exp] of Object.entries(
      v.expected as Record<string, { meta: string; first_char: string }>,
    )) {
      const [scope, type, env] = label.split('/') as [
        'UID2' | 'EUID',
        'email' | 'phone',
        'prod' | 'integ' | 'test',
      ];
      const meta = rawUidV4Metadata(env, scope, type);
      assert.equal(meta, Number(exp.meta), label);
      assert.equal(Buffer.from([meta, 0, 0]).toString('base64')[0], exp.first_char, label);
    }
  });
});

describe('salt buckets: current, previous and refresh_from (v3 identity map rules)', () => {
  const salts = vector('first_level_hash_and_raw_uid', 'first-level hash and raw UIDs: test@example.com');
  const flh = salts.expected.first_level_hash_b64 as string;
  const key = salts.input.v4_key_material as SaltKeyMaterial;
  const now = Date.UTC(2026, 10, 29, 12, 0, 0);
  const base: SaltBucket = {
    id: 1,
    lastUpdatedMs: now - 10 * DAY,
    refreshFromMs: now + 20 * DAY,
    currentSalt: salts.input.rotating_salt as string,
    previousSalt: null,
    currentKey: null,
    previousKey: null,
  };

  it('current comes from the salt (v2, or v3 when identity_v3), else from the key (v4)', () => {
    assert.equal(currentRawUid(flh, base, 'email', uid2), salts.expected.raw_uid_v2_b64);
    assert.equal(
      currentRawUid(flh, base, 'email', { ...uid2, identityV3: true }),
      salts.expected.raw_uid_v3_uid2_b64,
    );
    const keyed = { ...base, currentSalt: null, currentKey: key };
    assert.equal(currentRawUid(flh, keyed, 'email', uid2), salts.expected.raw_uid_v4_uid2_prod_b64);
    assert.equal(currentRawUid(flh, { ...keyed, currentKey: null }, 'email', uid2), undefined);
  });

  it('previous uses previousSalt, else previousKey, only while the bucket is < 90 days old', () => {
    const moved = { ...base, currentSalt: null, currentKey: key, previousSalt: base.currentSalt };
    assert.equal(previousRawUid(flh, moved, 'email', uid2, now), salts.expected.raw_uid_v2_b64);
    const keyPrev = { ...base, previousKey: key };
    assert.equal(previousRawUid(flh, keyPrev, 'email', uid2, now), salts.expected.raw_uid_v4_uid2_prod_b64);
    assert.equal(previousRawUid(flh, base, 'email', uid2, now), null);
    const aged = (days: number) => ({ ...moved, lastUpdatedMs: now - days * DAY });
    assert.equal(previousRawUid(flh, aged(89.99), 'email', uid2, now), salts.expected.raw_uid_v2_b64);
    assert.equal(previousRawUid(flh, aged(90), 'email', uid2, now), null);
  });

  it('refresh_from is refreshFrom in seconds, or the next UTC midnight when stale', () => {
    assert.equal(refreshFromSeconds(base, now), Math.floor((now + 20 * DAY) / 1000));
    assert.equal(refreshFromSeconds({ ...base, refreshFromMs: now }, now), now / 1000);
    assert.equal(refreshFromSeconds({ ...base, refreshFromMs: now - 1 }, now), Date.UTC(2026, 10, 30) / 1000);
  });
});

describe('properties', () => {
  const b64_32 = fc
    .uint8Array({ minLength: 32, maxLength: 32 })
    .map((b) => Buffer.from(b).toString('base64'));
  it('bucket index equals the reference formula on the decoded bytes', () => {
    fc.assert(
      fc.property(b64_32, fc.integer({ min: 1, max: 1 << 21 }), (flh, count) => {
        const b = Buffer.from(flh, 'base64');
        const idx = ((b[0] as number) << 12) | ((b[1] as number) << 4) | ((b[2] as number) & 0x0f);
        assert.equal(saltBucketIndex(flh, count), count === 1 << 20 ? idx : idx % count);
      }),
      { numRuns: 500 },
    );
  });
  it('v2 raw UID is SHA-256 of the text concatenation; v4 is 33 bytes with a valid checksum', () => {
    fc.assert(
      fc.property(
        b64_32,
        fc.string({ minLength: 1, maxLength: 44 }),
        fc.integer({ min: 0, max: 0xffffff }),
        (flh, salt, id) => {
          assert.equal(
            rawUidV2(flh, salt),
            createHash('sha256')
              .update(flh + salt)
              .digest('base64'),
          );
          const raw = rawUidV4(Buffer.from(flh, 'base64'), { id, key: 'k'.repeat(32), salt: 's' }, 0xa0);
          assert.equal(raw.length, 33);
          assert.equal(raw.readUIntBE(1, 3), id);
          let x = 0;
          for (let i = 0; i < 32; i++) x ^= raw[i] as number;
          assert.equal(raw[32], x);
        },
      ),
      { numRuns: 300 },
    );
  });
  it('v4 raw UIDs follow the formula for any salt (short, long, non-ASCII), key length and key id, call after call', () => {
    // The formula written out directly, to compare with (the implementation reuses scratch buffers).
    const expected = (flh: Buffer, key: string, salt: string, id: number, meta: number): string => {
      const head = Buffer.from([meta, (id >>> 16) & 0xff, (id >>> 8) & 0xff, id & 0xff]);
      const tail = flh.subarray(16, 32);
      const iv = createHash('sha256')
        .update(Buffer.concat([Buffer.from(salt, 'utf8'), tail, head]))
        .digest()
        .subarray(0, 12);
      const algorithm = `aes-${key.length * 8}-ctr`;
      const cipher = createCipheriv(
        algorithm,
        Buffer.from(key, 'ascii'),
        Buffer.concat([iv, Buffer.alloc(4)]),
      );
      const body = Buffer.concat([head, iv, cipher.update(tail)]);
      let x = 0;
      for (const b of body) x ^= b;
      return Buffer.concat([body, Buffer.from([x])]).toString('base64');
    };
    fc.assert(
      fc.property(
        b64_32,
        fc.constantFrom(16, 24, 32).chain((n) =>
          fc.string({
            unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEF0123456789+/='),
            minLength: n,
            maxLength: n,
          }),
        ),
        fc.string({ unit: 'grapheme', maxLength: 120 }),
        fc.integer({ min: 0, max: 0xffffff }),
        fc.integer({ min: 0, max: 255 }),
        (flhB64, key, salt, id, meta) => {
          const flh = Buffer.from(flhB64, 'base64');
          const raw = rawUidV4(flh, { id, key, salt }, meta);
          assert.equal(raw.toString('base64'), expected(flh, key, salt, id, meta));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rejects unusable key material instead of producing a wrong UID', () => {
    const flh = Buffer.alloc(32);
    assert.throws(() => rawUidV4(flh, { id: 1, key: 'short', salt: 's' }, 0xa0), RangeError);
    assert.throws(() => rawUidV4(flh, { id: 1, key: 'é'.repeat(32), salt: 's' }, 0xa0), RangeError);
    assert.throws(
      () => rawUidV4(Buffer.alloc(31), { id: 1, key: 'k'.repeat(32), salt: 's' }, 0xa0),
      RangeError,
    );
  });
});
