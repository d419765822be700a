import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  hashIdentityInput,
  hashNormalizedIdentity,
  isNormalizedPhone,
  normalizeEmail,
  parseIdentityHash,
} from '@uid2-ts/core';
import fc from 'fast-check';
import { category, vector } from './vectors.js';

describe('email normalization and hashing (reference vectors)', () => {
  const vectors = category('normalization_and_hash').filter(
    (v) => typeof v.input.email === 'string' && v.input.normalize_first !== false,
  );
  it('has the vectors', () => assert.ok(vectors.length >= 25));
  for (const v of vectors) {
    it(v.name, () => {
      const normalized = normalizeEmail(v.input.email as string);
      assert.equal(normalized, v.expected.normalized);
      assert.equal(hashNormalizedIdentity(normalized as string), v.expected.sha256_b64);
      if (typeof v.expected.sha256_hex === 'string') {
        assert.equal(parseIdentityHash(v.expected.sha256_hex), v.expected.sha256_b64);
      }
      assert.deepEqual(hashIdentityInput('email', v.input.email), {
        type: 'email',
        hashB64: v.expected.sha256_b64,
      });
    });
  }

  it('hashing the un-normalized input gives the wrong identity (negative example)', () => {
    const v = vector('normalization_and_hash', 'negative example');
    assert.equal(hashNormalizedIdentity(v.input.email as string), v.expected.sha256_b64_of_raw_input);
    assert.equal(
      hashNormalizedIdentity(normalizeEmail(v.input.email as string) as string),
      v.expected.correct_sha256_b64,
    );
  });

  it('rejects every invalid reference email', () => {
    const v = vector('normalization_and_hash', 'invalid inputs');
    for (const e of v.input.emails as string[]) {
      assert.equal(normalizeEmail(e), undefined, JSON.stringify(e));
      assert.equal(hashIdentityInput('email', e), undefined);
    }
    assert.equal(normalizeEmail('a@b'), 'a@b');
  });

  it('keeps internal domain spaces, drops trailing ones; googlemail.com is not special', () => {
    assert.equal(normalizeEmail('A.B+c@exa mple.com   '), 'a.b+c@exa mple.com');
    assert.equal(normalizeEmail('a.b+c@googlemail.com'), 'a.b+c@googlemail.com');
    assert.equal(normalizeEmail('a.b+c@GMAIL.COM'), 'ab@gmail.com');
  });
});

describe('phone validation and hashing', () => {
  it('validates like the reference (E.164, 10-15 digits, never normalizes)', () => {
    const v = vector('normalization_and_hash', 'phone validation');
    for (const p of v.input.valid as string[]) assert.equal(isNormalizedPhone(p), true, p);
    for (const p of v.input.invalid as string[]) {
      assert.equal(isNormalizedPhone(p), false, p);
      assert.equal(hashIdentityInput('phone', p), undefined);
    }
  });
  for (const name of ['phone hash: +12345678901', 'phone hash: +441234567890']) {
    it(name, () => {
      const v = vector('normalization_and_hash', name);
      assert.deepEqual(hashIdentityInput('phone', v.input.phone), {
        type: 'phone',
        hashB64: v.expected.sha256_b64,
      });
    });
  }
});

describe('supplied hashes', () => {
  it('accepts base64 and hex (either case) forms of the same hash', () => {
    const v = vector('normalization_and_hash', 'hash input forms: SHA-256');
    for (const k of ['email_hash_b64', 'email_hash_hex_upper', 'email_hash_hex_lower']) {
      assert.equal(parseIdentityHash(v.input[k] as string), v.expected.normalized_form, k);
    }
    assert.equal(hashNormalizedIdentity('foo@bar.com'), v.expected.normalized_form);
    assert.deepEqual(hashIdentityInput('phone_hash', v.input.email_hash_hex_lower), {
      type: 'phone',
      hashB64: v.expected.normalized_form,
    });
  });
  it('rejects the invalid forms', () => {
    const b64 = 'DH5qQFhi5ALrdqcPiib8cy0Hwykx6frpqxWCkR0uijs=';
    const hex = '0c7e6a405862e402eb76a70f8a26fc732d07c32931e9fae9ab1582911d2e8a3b';
    for (const bad of [
      b64.slice(0, 43),
      `${hex}00`,
      `${hex.slice(0, 63)}Z`,
      `${b64.slice(0, 43)}A`, // 44 chars without padding: 33 bytes, refused deliberately
      ' '.repeat(44),
      '',
    ]) {
      assert.equal(parseIdentityHash(bad), undefined, bad);
    }
    assert.equal(hashIdentityInput('email_hash', 42), undefined);
  });
});

/** An independent model of the reference state machine, to check the optimized implementation. */
function modelNormalize(input: string): string | undefined {
  const at = input.indexOf('@');
  if (at === -1) return undefined;
  const lower = (x: string) => x.replace(/[A-Z]/g, (c) => c.toLowerCase());
  const local = lower(input.slice(0, at)).replaceAll(' ', '');
  const rest = input.slice(at + 1);
  if (rest.includes('@')) return undefined;
  const domain = lower(rest).replace(/ +$/, '');
  const plus = local.indexOf('+');
  const chosen =
    domain === 'gmail.com' ? (plus === -1 ? local : local.slice(0, plus)).replaceAll('.', '') : local;
  return domain.length === 0 || chosen.length === 0 ? undefined : `${chosen}@${domain}`;
}

describe('properties', () => {
  it('agrees with an independent model of the reference state machine', () => {
    const chars = fc.constantFrom(...'aZ.+@ 9_-é😊'.split(''), 'G', 'gmail.com', 'GMail.Com', '@gmail.com');
    fc.assert(
      fc.property(
        fc.array(chars, { maxLength: 12 }).map((a) => a.join('')),
        (s) => {
          assert.equal(normalizeEmail(s), modelNormalize(s), JSON.stringify(s));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('normalization is idempotent and its output is a valid email', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 40 }),
        fc.constantFrom('gmail.com', 'Example.COM', 'a b.org '),
        (l, d) => {
          const n = normalizeEmail(`${l}@${d}`);
          if (n !== undefined) assert.equal(normalizeEmail(n), n);
        },
      ),
      { numRuns: 500 },
    );
  });
  it('never throws on arbitrary input, and hashes match SHA-256 of the normalized text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80, unit: 'binary' }), (s) => {
        const h = hashIdentityInput('email', s);
        const n = normalizeEmail(s);
        if (n === undefined) assert.equal(h, undefined);
        else assert.equal(h?.hashB64, createHash('sha256').update(n, 'utf8').digest('base64'));
        hashIdentityInput('phone', s);
        hashIdentityInput('email_hash', s);
      }),
      { numRuns: 500 },
    );
  });
  it('every 32-byte digest round-trips through base64 and hex', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes) => {
        const b = Buffer.from(bytes);
        assert.equal(parseIdentityHash(b.toString('base64')), b.toString('base64'));
        assert.equal(parseIdentityHash(b.toString('hex').toUpperCase()), b.toString('base64'));
      }),
      { numRuns: 300 },
    );
  });
});
