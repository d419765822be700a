// Client benchmarks: BidstreamClient.decryptTokenIntoRawUid throughput over N distinct tokens (no
// caching anywhere), next to its floor measured in the same run: two bare node:crypto AES-256-GCM
// opens (master layer, then site layer) of exactly the token's sizes.
import { Buffer } from 'node:buffer';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { BidstreamClient } from '@uid2-ts/client';
import { encodeAdvertisingToken, fromBase64Url } from '@uid2-ts/core';
import { type BenchRow, compare, emit, round } from '../../../bench/harness.js';

const N = 8192;
const nowMs = Date.now();
const nowS = Math.floor(nowMs / 1000);
const masterKey = { id: 164, secret: randomBytes(32) };
const siteKey = { id: 165, secret: randomBytes(32) };

const client = new BidstreamClient({
  baseUrl: 'http://127.0.0.1:9',
  apiKey: 'bench',
  secretKey: randomBytes(32).toString('base64'),
});
client.refreshJson({
  identity_scope: 'UID2',
  max_bidstream_lifetime_seconds: 259_210,
  allow_clock_skew_seconds: 1800,
  keys: [masterKey, siteKey].map((k) => ({
    id: k.id,
    created: nowS - 86_400,
    activates: nowS - 86_400,
    expires: nowS + 86_400,
    secret: k.secret.toString('base64'),
  })),
});

// N distinct tokens: distinct raw UIDs (and random IVs), as minted by an operator.
const tokens: string[] = [];
for (let i = 0; i < N; i++) {
  tokens.push(
    encodeAdvertisingToken(
      {
        scope: 'UID2',
        type: 'email',
        expiresMs: nowMs + 3_600_000,
        createdMs: nowMs - 1000,
        siteId: 124,
        privacyBits: 1,
        establishedMs: nowMs - 1000,
        rawUid: randomBytes(32),
      },
      masterKey,
      siteKey,
    ),
  );
}
// v4 layout: 2 header bytes, master key id (4), IV (12), master ciphertext, tag (16); the master
// plaintext holds 33 fixed bytes then the site layer IV (12) ‖ site ciphertext ‖ tag (16).
const tokenBytes = fromBase64Url(tokens[0] as string)?.length ?? 0;
const masterPlainLength = tokenBytes - 6 - 28;
const sitePlainLength = masterPlainLength - 33 - 28;
for (let i = 0; i < 16; i++) {
  const r = client.decryptTokenIntoRawUid(tokens[i] as string, null);
  if (r.status !== 'Success') throw new Error(`bench token does not decrypt: ${r.status}`);
}

function seal(key: Buffer, plain: Buffer): Buffer {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  const ct = Buffer.concat([c.update(plain), c.final()]);
  return Buffer.concat([iv, ct, c.getAuthTag()]);
}
function open(key: Buffer, blob: Buffer): Buffer {
  const d = createDecipheriv('aes-256-gcm', key, blob.subarray(0, 12));
  d.setAuthTag(blob.subarray(blob.length - 16));
  const out = d.update(blob.subarray(12, blob.length - 16));
  d.final();
  return out;
}
const masterBlobs: Buffer[] = [];
const siteBlobs: Buffer[] = [];
for (let i = 0; i < N; i++) {
  masterBlobs.push(seal(masterKey.secret, randomBytes(masterPlainLength)));
  siteBlobs.push(seal(siteKey.secret, randomBytes(sitePlainLength)));
}

const m = compare(
  (i) => client.decryptTokenIntoRawUid(tokens[i % N] as string, null),
  (i) => {
    const j = i % N;
    open(masterKey.secret, masterBlobs[j] as Buffer);
    return open(siteKey.secret, siteBlobs[j] as Buffer);
  },
  { iterations: N, rounds: 11 },
);

// Throughput (higher is better): ratio = decrypts/s ÷ floor decrypts/s, target ≥ 0.8.
const value = 1e9 / m.value;
const floor = 1e9 / m.floor;
const ratio = value / floor;
const rows: BenchRow[] = [
  {
    name: `BidstreamClient.decryptTokenIntoRawUid, ${N} unique v4 tokens (${tokenBytes} B), one core`,
    value: round(value),
    unit: 'decrypts/s',
    floor: round(floor),
    ratio: round(ratio, 2),
    target: 'ratio ≥ 0.8 (floor: two bare AES-256-GCM opens of the same sizes)',
    pass: ratio >= 0.8,
  },
];
emit(rows);
