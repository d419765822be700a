// Core benchmarks: each operation next to the bare node:crypto calls it cannot avoid (its floor).
import { Buffer } from 'node:buffer';
import { createCipheriv, createDecipheriv, hash, randomBytes } from 'node:crypto';
import {
  type AdvertisingTokenInput,
  currentRawUid,
  decodeAdvertisingToken,
  encodeAdvertisingToken,
  firstLevelHash,
  hashIdentityInput,
  type RawUidOptions,
  type SaltBucket,
  saltBucketIndex,
  type TokenKey,
} from '@uid2-ts/core';
import { type BenchRow, compare, costRow, emit } from '../../../bench/harness.js';
import { envelopeRows } from './envelope.js';

const rows: BenchRow[] = [];
const N = 1024;
const emails = Array.from({ length: N }, (_, i) => `User.Name${i}+tag@Example${i % 7}.com`);
const normalized = emails.map((e) => e.replace(/\+tag/, '').toLowerCase());
const firstLevelSalt = randomBytes(32).toString('base64');
const saltB64 = randomBytes(32).toString('base64');
const hashes = normalized.map((e) => hash('sha256', e, 'base64'));
const flhs = hashes.map((h) => hash('sha256', h + firstLevelSalt, 'base64'));

// 2^20 buckets sharing one salt string (the salt's value does not change the cost).
const BUCKETS = 1 << 20;
const saltBuckets: SaltBucket[] = new Array(BUCKETS);
const keyBuckets: SaltBucket[] = new Array(BUCKETS);
const material = {
  id: 1234567,
  key: randomBytes(24).toString('base64'),
  salt: randomBytes(32).toString('base64'),
};
for (let i = 0; i < BUCKETS; i++) {
  const base = { id: i, lastUpdatedMs: 0, refreshFromMs: 0, previousSalt: null, previousKey: null };
  saltBuckets[i] = { ...base, currentSalt: saltB64, currentKey: null };
  keyBuckets[i] = { ...base, currentSalt: null, currentKey: material };
}
const options: RawUidOptions = { scope: 'UID2', identityV3: false, environment: 'prod' };

function emailToRawUid(i: number, buckets: SaltBucket[]): string | undefined {
  const id = hashIdentityInput('email', emails[i & (N - 1)]);
  if (!id) return undefined;
  const flh = firstLevelHash(id.hashB64, firstLevelSalt);
  const bucket = buckets[saltBucketIndex(flh, BUCKETS)] as SaltBucket;
  return currentRawUid(flh, bucket, id.type, options);
}

// Floor of the v2/v3 format: the three SHA-256 calls over the same inputs.
rows.push(
  costRow(
    'email → raw UID2 (v2 format buckets)',
    compare(
      (i) => emailToRawUid(i, saltBuckets),
      (i) => {
        const j = i & (N - 1);
        const h = hash('sha256', normalized[j] as string, 'base64');
        const f = hash('sha256', h + firstLevelSalt, 'base64');
        return hash('sha256', f + saltB64, 'base64');
      },
    ),
    1.5,
  ),
);

// Floor of the v4 format: identity hash, FLH, IV hash and one AES-256-CTR block.
const ctrKey = Buffer.from(material.key, 'utf8');
const ivInput = Buffer.alloc(material.salt.length + 20);
const counter = Buffer.alloc(16);
rows.push(
  costRow(
    'email → raw UID2 (v4 format buckets)',
    compare(
      (i) => emailToRawUid(i, keyBuckets),
      (i) => {
        const j = i & (N - 1);
        const h = hash('sha256', normalized[j] as string, 'base64');
        const f = hash('sha256', h + firstLevelSalt, 'buffer') as Buffer;
        const iv = hash('sha256', ivInput, 'buffer') as Buffer;
        iv.copy(counter, 0, 0, 12);
        return createCipheriv('aes-256-ctr', ctrKey, counter).update(f.subarray(16));
      },
    ),
    1.5,
  ),
);

// Tokens: v4 with a 32-byte raw UID (site payload 68 bytes, master payload 129 bytes).
const master: TokenKey = { id: 1, secret: randomBytes(32) };
const site: TokenKey = { id: 2, secret: randomBytes(32) };
const lookup = (id: number) => (id === 1 ? master : id === 2 ? site : undefined);
const now = Date.now();
const inputs: AdvertisingTokenInput[] = flhs.map((f) => ({
  scope: 'UID2',
  type: 'email',
  expiresMs: now + 3_600_000,
  createdMs: now,
  siteId: 123,
  privacyBits: 1,
  establishedMs: now,
  rawUid: Buffer.from(f, 'base64'),
}));
const sitePlain = randomBytes(68);
const masterPlain = randomBytes(129);
const fixedIv = randomBytes(12);
function gcmSeal(key: Uint8Array, plain: Buffer): Buffer {
  const c = createCipheriv('aes-256-gcm', key, fixedIv);
  const body = c.update(plain);
  c.final();
  return Buffer.concat([fixedIv, body, c.getAuthTag()]);
}
function gcmOpen(key: Uint8Array, blob: Buffer): Buffer {
  const d = createDecipheriv('aes-256-gcm', key, blob.subarray(0, 12));
  d.setAuthTag(blob.subarray(blob.length - 16));
  const out = d.update(blob.subarray(12, blob.length - 16));
  d.final();
  return out;
}
rows.push(
  costRow(
    'advertising token v4 encode',
    compare(
      (i) => encodeAdvertisingToken(inputs[i & (N - 1)] as AdvertisingTokenInput, master, site),
      () => {
        gcmSeal(site.secret, sitePlain);
        return gcmSeal(master.secret, masterPlain);
      },
    ),
    2,
  ),
);
const tokens = inputs.map((t) => encodeAdvertisingToken(t, master, site));
const siteBlob = gcmSeal(site.secret, sitePlain);
const masterBlob = gcmSeal(master.secret, masterPlain);
rows.push(
  costRow(
    'advertising token v4 decode',
    compare(
      (i) => decodeAdvertisingToken(tokens[i & (N - 1)] as string, lookup),
      () => {
        gcmOpen(master.secret, masterBlob);
        return gcmOpen(site.secret, siteBlob);
      },
    ),
    2,
  ),
);

rows.push(...envelopeRows());
emit(rows);
