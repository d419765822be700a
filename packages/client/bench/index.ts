// Client benchmarks: BidstreamClient.decryptTokenIntoRawUid throughput over N distinct tokens (no
// caching anywhere), next to its floor measured in the same run: two bare node:crypto AES-256-GCM
// opens (master layer, then site layer) of exactly the token's sizes.
import { Buffer } from 'node:buffer';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { BidstreamClient, IdentityMapClient } from '@uid2-ts/client';
import { runMapCommand } from '@uid2-ts/client/cli';
import { encodeAdvertisingToken, fromBase64Url } from '@uid2-ts/core';
import { type BenchRow, compare, emit, round } from '../../../bench/harness.js';
import { FIXTURE, startTestOperator } from '../../server/test/helpers/operator.js';

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

// `uid2 map` end to end (CSV file in, CSV file out, fsync per batch) against an in-process operator
// with 1,024 salt buckets (2^20 buckets take ~6 s to bootstrap here; the bucket count does not enter
// the per-identity cost). Floor: IdentityMapClient mapping the same emails with the same batches
// and concurrency, no CSV or file, in the same process against the same operator.
async function mapCliRow(): Promise<BenchRow> {
  const MAP_N = 200_000;
  const op = await startTestOperator();
  const dir = mkdtempSync(join(tmpdir(), 'uid2-bench-map-'));
  try {
    const emails: string[] = [];
    let csv = 'id,email\n';
    for (let i = 0; i < MAP_N; i++) {
      const email = `bench.user${i}@example.com`;
      emails.push(email);
      csv += `${i},${email}\n`;
    }
    const input = join(dir, 'in.csv');
    writeFileSync(input, csv);
    const env = {
      UID2_BASE_URL: op.baseUrl,
      UID2_API_KEY: FIXTURE.advertiser.key,
      UID2_SECRET_KEY: FIXTURE.advertiser.secret,
    };
    const sink = new Writable({ write: (_c, _e, cb) => cb() });
    const cli = async (): Promise<number> => {
      const start = process.hrtime.bigint();
      const code = await runMapCommand(
        ['--input', input, '--output', join(dir, 'out.csv'), '--column', 'email', '--no-resume', '--quiet'],
        { env, stderr: sink, stdout: sink },
      );
      if (code !== 0) throw new Error(`uid2 map exited with ${code}`);
      return MAP_N / (Number(process.hrtime.bigint() - start) / 1e9);
    };
    const sdk = new IdentityMapClient({
      baseUrl: op.baseUrl,
      apiKey: FIXTURE.advertiser.key,
      secretKey: FIXTURE.advertiser.secret,
      concurrency: 4,
    });
    const direct = async (): Promise<number> => {
      const start = process.hrtime.bigint();
      const r = await sdk.generateIdentityMap({ emails });
      if (r.mapped.size !== MAP_N) throw new Error('the SDK did not map every email');
      return MAP_N / (Number(process.hrtime.bigint() - start) / 1e9);
    };
    await cli();
    await direct();
    const values: number[] = [];
    const floors: number[] = [];
    for (let r = 0; r < 3; r++) {
      floors.push(await direct());
      values.push(await cli());
    }
    const med = (xs: number[]) => xs.sort((a, b) => a - b)[1] as number;
    const value = med(values);
    const floor = med(floors);
    const ratio = value / floor;
    return {
      name: `uid2 map CLI end to end, ${MAP_N.toLocaleString('en-US')} emails CSV→CSV, in-process operator (1,024 salt buckets)`,
      value: round(value),
      unit: 'identities/s',
      floor: round(floor),
      ratio: round(ratio, 2),
      target: 'ratio ≥ 0.7 (floor: IdentityMapClient on the same emails, no CSV/file)',
      pass: ratio >= 0.7,
    };
  } finally {
    await op.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

try {
  rows.push(await mapCliRow());
} catch (error) {
  rows.push({
    name: 'uid2 map CLI end to end',
    value: null,
    unit: 'identities/s',
    floor: null,
    ratio: null,
    target: '',
    reason: error instanceof Error ? error.message : String(error),
  });
}
emit(rows);
