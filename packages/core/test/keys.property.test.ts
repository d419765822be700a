import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import {
  decryptTokenWithContainer,
  encryptRawUidIntoToken,
  type KeyContainer,
  parseKeyContainer,
  type SdkDecryptionStatus,
  type SdkDecryptOptions,
  selectActiveKey,
} from '@uid2-ts/core';
import fc from 'fast-check';

const MASTER_B64 = 'iyXxrRJcJOilqBcSJsN7XKCIuShbraXdqBCppCaLCJs=';
const SITE_B64 = 'IPsHwoSa+lbKdGgdg8CL1zCkC0HibqcObDP+fUEYF4U=';
const NOW = 1_700_000_000_000;
const KEY_EXPIRES = 2_303_254_861;

const STATUSES: ReadonlySet<SdkDecryptionStatus> = new Set([
  'Success',
  'NotAuthorizedForMasterKey',
  'NotAuthorizedForKey',
  'NotInitialized',
  'InvalidPayload',
  'ExpiredToken',
  'KeysNotSynced',
  'VersionNotSupported',
  'InvalidIdentityScope',
  'UserOptedOut',
  'DomainOrAppNameCheckFailed',
  'InvalidTokenLifetime',
]);
const PARSE_CODES = new Set([
  'invalid_json',
  'invalid_body',
  'invalid_field',
  'invalid_key',
  'invalid_site_data',
]);

function load(body: unknown): KeyContainer {
  const result = parseKeyContainer({ body });
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

const sharing = load({
  caller_site_id: 9000,
  master_keyset_id: 1,
  default_keyset_id: 99999,
  token_expiry_seconds: '2592000',
  max_sharing_lifetime_seconds: 2592010,
  max_bidstream_lifetime_seconds: 259210,
  site_data: [{ id: 9000, domain_names: ['example.com'] }],
  keys: [
    {
      id: 164,
      keyset_id: 1,
      created: 1672534861,
      activates: 1672534861,
      expires: KEY_EXPIRES,
      secret: MASTER_B64,
    },
    {
      id: 165,
      keyset_id: 99999,
      created: 1672448461,
      activates: 1672448461,
      expires: KEY_EXPIRES,
      secret: SITE_B64,
    },
  ],
});

const modes = fc.constantFrom<SdkDecryptOptions['mode']>('bidstream', 'sharing', 'legacy');
const rawUid = fc.oneof(
  fc.uint8Array({ minLength: 32, maxLength: 32 }),
  fc.uint8Array({ minLength: 33, maxLength: 33 }),
);

describe('decryptTokenWithContainer never throws', () => {
  it('on arbitrary strings', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.base64String(), fc.stringMatching(/^[A-Za-z0-9_-]{0,300}$/)),
        modes,
        (text, mode) => {
          const r = decryptTokenWithContainer(sharing, text, {
            nowMs: NOW,
            mode,
            domainOrAppName: 'example.com',
          });
          assert.ok(STATUSES.has(r.status));
          assert.notEqual(r.status, 'Success');
        },
      ),
      { numRuns: 400 },
    );
  });

  it('on mutated tokens: a mutation never yields a different identity', () => {
    const base = encryptRawUidIntoToken(sharing, 'ywsvDNINiZOVSsfkHpLpSJzXzhr6Jx9Z/4Q0+lsEUvM=', {
      nowMs: NOW,
    });
    assert.equal(base.status, 'Success');
    const token = base.token as string;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/=.';
    const mutation = fc.oneof(
      fc.record({
        kind: fc.constant('replace'),
        at: fc.nat(token.length - 1),
        ch: fc.constantFrom(...alphabet),
      }),
      fc.record({ kind: fc.constant('truncate'), at: fc.nat(token.length - 1), ch: fc.constant('') }),
      fc.record({ kind: fc.constant('insert'), at: fc.nat(token.length), ch: fc.constantFrom(...alphabet) }),
    );
    fc.assert(
      fc.property(mutation, modes, (m, mode) => {
        const text =
          m.kind === 'replace'
            ? token.slice(0, m.at) + m.ch + token.slice(m.at + 1)
            : m.kind === 'truncate'
              ? token.slice(0, m.at)
              : token.slice(0, m.at) + m.ch + token.slice(m.at);
        const r = decryptTokenWithContainer(sharing, text, { nowMs: NOW, mode });
        assert.ok(STATUSES.has(r.status));
        if (r.status === 'Success') {
          // Only encodings of the same bytes (e.g. unused trailing bits) may still decrypt.
          assert.equal(r.uid, 'ywsvDNINiZOVSsfkHpLpSJzXzhr6Jx9Z/4Q0+lsEUvM=');
          assert.equal(r.siteId, 9000);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('on random byte blobs behind valid v2/v3/v4 headers', () => {
    const header = fc.constantFrom([0x03, 0x80], [0x13, 0x70], [0x02], [0x07, 0x80]);
    fc.assert(
      fc.property(header, fc.uint8Array({ maxLength: 240 }), fc.boolean(), (h, body, url) => {
        const bytes = Buffer.concat([Buffer.from(h), Buffer.from([0, 0, 0, 164]), Buffer.from(body)]);
        const text = bytes.toString(url ? 'base64url' : 'base64');
        const r = decryptTokenWithContainer(sharing, text, { nowMs: NOW, mode: 'bidstream' });
        assert.ok(STATUSES.has(r.status));
        assert.notEqual(r.status, 'Success');
      }),
      { numRuns: 300 },
    );
  });
});

describe('sharing encryption round trip', () => {
  it('decrypts to the same raw UID with the heuristic identity type', () => {
    fc.assert(
      fc.property(rawUid, fc.integer({ min: 1_672_534_861_000, max: 2_000_000_000_000 }), (bytes, now) => {
        const b64 = Buffer.from(bytes).toString('base64');
        const enc = encryptRawUidIntoToken(sharing, b64, { nowMs: now });
        assert.equal(enc.status, 'Success');
        const r = decryptTokenWithContainer(sharing, enc.token as string, { nowMs: now, mode: 'sharing' });
        assert.equal(r.status, 'Success');
        assert.equal(r.uid, b64);
        assert.equal(r.expiry, now + 2592000_000);
        assert.equal(r.identityType, b64.startsWith('B') || b64.startsWith('F') ? 'phone' : 'email');
      }),
      { numRuns: 200 },
    );
  });
});

describe('parseKeyContainer never throws', () => {
  it('on arbitrary JSON values and JSON text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.json(), fc.string()), (json) => {
        const r = parseKeyContainer(json);
        if (!r.ok) assert.ok(PARSE_CODES.has(r.error.code), r.error.code);
        else assert.equal(typeof r.value.getKey, 'function');
      }),
      { numRuns: 400 },
    );
  });

  it('on container-shaped bodies with random field values', () => {
    const anyValue = fc.oneof(
      fc.integer(),
      fc.double(),
      fc.string(),
      fc.constant(null),
      fc.boolean(),
      fc.constantFrom(MASTER_B64, '12', '-3', 'EUID'),
    );
    const keyObj = fc.record(
      {
        id: anyValue,
        keyset_id: anyValue,
        site_id: anyValue,
        created: anyValue,
        activates: anyValue,
        expires: anyValue,
        secret: anyValue,
      },
      { requiredKeys: [] },
    );
    const body = fc.record(
      {
        caller_site_id: anyValue,
        master_keyset_id: anyValue,
        default_keyset_id: anyValue,
        token_expiry_seconds: anyValue,
        identity_scope: anyValue,
        allow_clock_skew_seconds: anyValue,
        keys: fc.oneof(fc.array(fc.oneof(keyObj, anyValue), { maxLength: 4 }), anyValue),
        site_data: fc.oneof(
          fc.array(fc.record({ id: anyValue, domain_names: fc.oneof(fc.array(anyValue), anyValue) }), {
            maxLength: 3,
          }),
          anyValue,
        ),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(body, fc.array(fc.oneof(keyObj, anyValue), { maxLength: 4 })), (b) => {
        const r = parseKeyContainer({ body: b });
        if (!r.ok) {
          assert.ok(PARSE_CODES.has(r.error.code));
          return;
        }
        // A loaded container must be usable without throwing.
        const d = decryptTokenWithContainer(r.value, 'A4AAAAAAAAAAAAAAAAAAAA', {
          nowMs: NOW,
          mode: 'bidstream',
        });
        assert.ok(STATUSES.has(d.status));
        const e = encryptRawUidIntoToken(r.value, MASTER_B64, { nowMs: NOW });
        assert.equal(typeof e.status, 'string');
      }),
      { numRuns: 400 },
    );
  });
});

describe('selectActiveKey matches a brute-force reading of §5.2', () => {
  it('for random key windows', () => {
    const window = fc.record({
      id: fc.nat(1000),
      activates: fc.integer({ min: 0, max: 100 }),
      expires: fc.integer({ min: 0, max: 120 }),
    });
    fc.assert(
      fc.property(fc.array(window, { maxLength: 8 }), fc.integer({ min: -10, max: 130 }), (keys, nowS) => {
        const nowMs = nowS * 1000;
        // Brute force: the last (in activation order, ties by input order) activated and unexpired key.
        let expected: (typeof keys)[number] | undefined;
        let bestActivates = Number.NEGATIVE_INFINITY;
        for (const k of keys) {
          if (k.activates <= nowS && k.expires > nowS && k.activates >= bestActivates) {
            expected = k;
            bestActivates = k.activates;
          }
        }
        assert.equal(selectActiveKey(keys, nowMs, 'sdk'), expected);
        assert.equal(selectActiveKey(keys, nowMs, 'operator'), expected);
      }),
      { numRuns: 300 },
    );
  });
});
