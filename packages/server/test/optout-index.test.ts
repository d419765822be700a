// The compact opt-out index (issue 5) answers exactly as the two-Map index: latest time per
// first-level hash, earliest per raw UID (32-byte v2, 33-byte v3 and v4), misses for every other text.
// Keys are SHA-256-derived here, as in production: the compact index keys on 16 of their bytes, so two
// keys agreeing on those (probability ≤ n²/2^129) would be one entry — see the last test.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { CompactOptOutIndex, MapOptOutIndex, type OptOutIndex } from '../src/snapshot/optout-index.js';
import type { OptOutRowSink } from '../src/store/store.js';
import { startTestOperator, type TestOperator } from './helpers/operator.js';

const sha = (label: string, n: number): Buffer => createHash('sha256').update(`${label}:${n}`).digest();
const flhOf = (n: number): Buffer => sha('flh', n);
/** Raw UIDs of the three formats: v2 (32 bytes), v3 (scope/type byte + 32), v4 (4 shared metadata and key-id bytes + 29). */
function uidOf(kind: 0 | 1 | 2, n: number): Buffer {
  const h = sha(`uid${kind}`, n);
  if (kind === 0) return h;
  if (kind === 1) return Buffer.concat([Buffer.from([0x4c]), h]);
  return Buffer.concat([Buffer.from([0x76, 0x00, 0x01, 0x2a]), h.subarray(0, 29)]);
}
const b64 = (b: Buffer): string => b.toString('base64');

function assertSame(compact: OptOutIndex, map: OptOutIndex, flhTexts: string[], uidTexts: string[]): void {
  // Prefetching (as identity map and optout/status do per chunk) must not change any answer.
  for (let i = 0; i < flhTexts.length; i += 100) compact.prefetchFirstLevelHashes(flhTexts, i, i + 100);
  for (let i = 0; i < uidTexts.length; i += 100) compact.prefetchAdvertisingIds(uidTexts, i, i + 100);
  for (const t of flhTexts) assert.equal(compact.byFirstLevelHash(t), map.byFirstLevelHash(t), `FLH ${t}`);
  for (const t of uidTexts) assert.equal(compact.byAdvertisingId(t), map.byAdvertisingId(t), `UID ${t}`);
}

/** Texts a Map keyed by canonical base64 never matches, derived from a recorded 32/33-byte key. */
function nonCanonical(text: string): string[] {
  const out = [
    text.slice(0, 43),
    text.replace(/=$/, ''),
    `${text}=`,
    text.replace(/\+/g, '-').replace(/\//g, '_'),
    ` ${text.slice(1)}`,
    `${text.slice(0, 20)}*${text.slice(21)}`,
    `${text.slice(0, 30)}é${text.slice(31)}`,
    // Outside the characters a lookup decodes first (checked only on a hit).
    `${text.slice(0, 5)}*${text.slice(6)}`,
    `${text.slice(0, 35)}-${text.slice(36)}`,
    `${text.slice(0, 41)}.${text.slice(42)}`,
  ];
  if (text.endsWith('=')) {
    // Same bytes with non-zero unused bits in the last data character (Buffer would decode them alike).
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const last = alphabet.indexOf(text.charAt(42));
    out.push(
      `${text.slice(0, 42)}${alphabet.charAt(last | 1)}=`,
      `${text.slice(0, 42)}${alphabet.charAt(last | 2)}=`,
    );
  }
  return out.filter((t) => t !== text);
}

describe('CompactOptOutIndex', () => {
  it('answers every lookup exactly as MapOptOutIndex (fast-check)', () => {
    const op = fc.record({
      flh: fc.integer({ min: 0, max: 40 }),
      kind: fc.constantFrom<0 | 1 | 2>(0, 1, 2),
      uid: fc.integer({ min: 0, max: 40 }),
      ts: fc.oneof(
        { weight: 8, arbitrary: fc.integer({ min: 0, max: 0xfffffffe }) },
        { weight: 4, arbitrary: fc.integer({ min: 1_600_000_000, max: 1_600_000_020 }) },
        { weight: 1, arbitrary: fc.constantFrom(-5, 0xffffffff, 2 ** 40, 1.5) },
      ),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), fc.boolean(), (ops, oddSizes) => {
        const compact = new CompactOptOutIndex();
        const map = new MapOptOutIndex();
        const flhTexts = new Set<string>();
        const uidTexts = new Set<string>();
        for (const o of ops) {
          let flh = flhOf(o.flh);
          let uid = uidOf(o.kind, o.uid);
          if (oddSizes && o.uid % 7 === 0) {
            // Lengths no raw-UID format has: kept in the side Maps, still exact.
            flh = flh.subarray(0, 31);
            uid = uid.subarray(0, 16 + (o.uid % 3));
          }
          compact.add(flh, uid, o.ts);
          map.add(flh, uid, o.ts);
          flhTexts.add(b64(flh));
          uidTexts.add(b64(uid));
        }
        const misses = Array.from({ length: 5 }, (_, i) => i + 1000);
        const flhs = [...flhTexts, ...misses.map((n) => b64(flhOf(n)))];
        const uids = [
          ...uidTexts,
          ...misses.flatMap((n) => [0, 1, 2].map((k) => b64(uidOf(k as 0 | 1 | 2, n)))),
        ];
        assertSame(compact, map, flhs, uids);
        assertSame(compact, map, flhs.flatMap(nonCanonical), uids.flatMap(nonCanonical));
        // A hash never equals a raw-UID lookup and vice versa.
        assertSame(compact, map, [...uidTexts], [...flhTexts]);
        if (ops.every((o) => Number.isInteger(o.ts) && o.ts >= 0 && o.ts <= 0xfffffffe))
          assert.equal(compact.size, map.size);
      }),
      { numRuns: 200 },
    );
  });

  it('prefetching accepts any values and ranges, and changes no answer (fast-check)', () => {
    const compact = new CompactOptOutIndex();
    const map = new MapOptOutIndex();
    for (let n = 0; n < 50; n++) {
      compact.add(flhOf(n), uidOf((n % 3) as 0 | 1 | 2, n), 1_600_000_000 + n);
      map.add(flhOf(n), uidOf((n % 3) as 0 | 1 | 2, n), 1_600_000_000 + n);
    }
    const known = Array.from({ length: 60 }, (_, n) => [b64(flhOf(n)), b64(uidOf((n % 3) as 0 | 1 | 2, n))]);
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.anything(),
            fc.string({ minLength: 44, maxLength: 44 }),
            fc.constantFrom(...known.flat()),
          ),
          { maxLength: 600 },
        ),
        fc.integer({ min: -10, max: 700 }),
        fc.integer({ min: -10, max: 700 }),
        (values, from, to) => {
          compact.prefetchFirstLevelHashes(values, from, to);
          compact.prefetchAdvertisingIds(values, from, to);
          for (const v of values) {
            if (typeof v !== 'string') continue;
            assert.equal(compact.byFirstLevelHash(v), map.byFirstLevelHash(v));
            assert.equal(compact.byAdvertisingId(v), map.byAdvertisingId(v));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('addRows (store text rows and byte ranges) answers exactly as add, for odd lengths, times and either hex case', async () => {
    const op = fc.record({
      flh: fc.integer({ min: 0, max: 30 }),
      kind: fc.constantFrom<0 | 1 | 2>(0, 1, 2),
      uid: fc.integer({ min: 0, max: 30 }),
      ts: fc.oneof(
        { weight: 8, arbitrary: fc.integer({ min: 0, max: 0xfffffffe }) },
        { weight: 1, arbitrary: fc.constantFrom(-5, 0xffffffff, 2 ** 40) },
      ),
      upper: fc.boolean(),
      odd: fc.boolean(),
      asBytes: fc.boolean(),
      pad: fc.integer({ min: 0, max: 7 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { maxLength: 200 }),
        fc.integer({ min: 0, max: 200 }),
        async (ops, split) => {
          const viaAdd = new CompactOptOutIndex();
          const viaRows = new CompactOptOutIndex();
          const flhs: string[] = [];
          const uids: string[] = [];
          const rows: ((sink: OptOutRowSink) => void)[] = [];
          for (const [i, o] of ops.entries()) {
            let flh = flhOf(o.flh);
            let uid = uidOf(o.kind, o.uid);
            if (o.odd && o.uid % 5 === 0) {
              flh = flh.subarray(0, 20);
              uid = uid.subarray(0, 17);
            }
            flhs.push(b64(flh));
            uids.push(b64(uid));
            viaAdd.add(flh, uid, o.ts);
            // Some entries arrive through add before the bulk load (an index that already holds some).
            if (i < split) viaRows.add(flh, uid, o.ts);
            else if (o.asBytes) {
              // The byte form, as the PostgreSQL engine gives it: both keys inside one larger buffer
              // (at an offset), which is overwritten right after the call.
              const bytes = Buffer.concat([Buffer.alloc(o.pad, 0xee), flh, Buffer.alloc(3, 0xdd), uid]);
              const uidAt = o.pad + flh.length + 3;
              rows.push((sink) => {
                sink.bytes(bytes, o.pad, flh.length, uidAt, uid.length, o.ts);
                bytes.fill(0xcc);
              });
            } else {
              const hex = (b: Buffer) => (o.upper ? b.toString('hex').toUpperCase() : b.toString('hex'));
              const row = `${o.ts},${hex(flh)},${hex(uid)}`;
              rows.push((sink) => sink.text(row));
            }
          }
          await viaRows.addRows(async (sink) => {
            for (const row of rows) row(sink);
          });
          assertSame(viaRows, viaAdd, [...flhs, b64(flhOf(999))], [...uids, b64(uidOf(0, 999))]);
          assert.equal(viaRows.size, viaAdd.size);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('addRows refuses rows that are not in the store text form', async () => {
    const good = `1700000000,${flhOf(1).toString('hex')},${uidOf(0, 1).toString('hex')}`;
    const at = (i: number) => `${good.slice(0, i)}g${good.slice(i + 1)}`;
    // A bad digit in the first-level hash's or the raw UID's key bytes; bad separators or times.
    for (const bad of [at(11), at(42), at(good.length - 1), good.replace(',', ';'), '', 'x,y,z']) {
      await assert.rejects(
        new CompactOptOutIndex().addRows(async (sink) => sink.text(bad)),
        /text form|hex/,
      );
    }
    const index = new CompactOptOutIndex();
    await index.addRows(async (sink) => sink.text(good));
    assert.equal(index.byFirstLevelHash(b64(flhOf(1))), 1_700_000_000);
    assert.equal(index.byAdvertisingId(b64(uidOf(0, 1))), 1_700_000_000);
  });

  it('keeps the latest time per hash and the earliest per raw UID, at the uint32 bounds too', () => {
    const index = new CompactOptOutIndex();
    const flh = flhOf(1);
    const uid = uidOf(2, 1);
    for (const ts of [1_700_000_000, 5, 0xfffffffe, 0, 1_800_000_000]) index.add(flh, uid, ts);
    assert.equal(index.byFirstLevelHash(b64(flh)), 0xfffffffe);
    assert.equal(index.byAdvertisingId(b64(uid)), 0);
    // Out-of-range times live beside the tables and still combine with them.
    index.add(flh, uid, 2 ** 33);
    index.add(flh, uid, -1);
    assert.equal(index.byFirstLevelHash(b64(flh)), 2 ** 33);
    assert.equal(index.byAdvertisingId(b64(uid)), -1);
    assert.equal(index.size, 2);
  });

  it('stays exact across many rehashes (200,000 opt-outs from empty)', () => {
    const index = new CompactOptOutIndex();
    const n = 200_000;
    const before = index.tableBytes;
    for (let i = 0; i < n; i++) index.add(flhOf(i), uidOf((i % 3) as 0 | 1 | 2, i), 1_600_000_000 + i);
    assert.equal(index.size, n);
    for (let i = 0; i < n; i++) {
      assert.equal(index.byFirstLevelHash(b64(flhOf(i))), 1_600_000_000 + i);
      assert.equal(index.byAdvertisingId(b64(uidOf((i % 3) as 0 | 1 | 2, i))), 1_600_000_000 + i);
    }
    for (let i = n; i < n + 20_000; i++) {
      assert.equal(index.byFirstLevelHash(b64(flhOf(i))), undefined);
      for (const k of [0, 1, 2] as const) assert.equal(index.byAdvertisingId(b64(uidOf(k, i))), undefined);
    }
    // The raw UID of one format is not another format's: same 32 hash bytes, 32 vs 33 bytes long.
    assert.equal(index.byAdvertisingId(b64(uidOf(1, 0).subarray(1))), undefined);
    assert.equal(index.byAdvertisingId(b64(Buffer.concat([Buffer.from([0x4c]), uidOf(0, 3)]))), undefined);
    // 20-byte slots at load 0.65–0.85: about 24–31 bytes per table entry, two entries per opt-out.
    const perOptOut = (index.tableBytes - before) / n;
    assert.ok(perOptOut > 40 && perOptOut <= 64, `${perOptOut} bytes per opt-out`);
  });

  it('tells apart v4 raw UIDs that share their metadata and key-id bytes', () => {
    const index = new CompactOptOutIndex();
    const prefix = Buffer.from([0x76, 0x00, 0x01, 0x2a]);
    const ids = Array.from({ length: 5000 }, (_, i) => Buffer.concat([prefix, sha('v4', i).subarray(0, 29)]));
    ids.forEach((id, i) => {
      index.add(flhOf(i), id, 1_650_000_000 + i);
    });
    ids.forEach((id, i) => {
      assert.equal(index.byAdvertisingId(b64(id)), 1_650_000_000 + i);
    });
    for (let i = 5000; i < 6000; i++)
      assert.equal(
        index.byAdvertisingId(b64(Buffer.concat([prefix, sha('v4', i).subarray(0, 29)]))),
        undefined,
      );
  });

  it('misses on an empty index and on texts that are not 32/33-byte base64', () => {
    const index = new CompactOptOutIndex();
    assert.equal(index.byFirstLevelHash(b64(flhOf(1))), undefined);
    assert.equal(index.byAdvertisingId(b64(uidOf(1, 1))), undefined);
    index.add(flhOf(1), uidOf(1, 1), 7);
    for (const t of ['', 'AAAA', 'A'.repeat(44), '='.repeat(44), b64(uidOf(1, 1)).toLowerCase()]) {
      assert.equal(index.byFirstLevelHash(t), undefined);
      assert.equal(index.byAdvertisingId(t), undefined);
    }
    assert.equal(index.byFirstLevelHash(b64(flhOf(1))), 7);
  });

  it('keys raw UIDs on their last 16 bytes: UIDs differing only before them are one entry (documented)', () => {
    // Never the case for SHA-256-derived UIDs except with probability ≤ n²/2^129; shown to pin the layout.
    const index = new CompactOptOutIndex();
    const a = uidOf(1, 9);
    const b = Buffer.from(a);
    b[5] = (b[5] as number) ^ 0xff;
    index.add(flhOf(9), a, 10);
    assert.equal(index.byAdvertisingId(b64(b)), 10);
    b[20] = (b[20] as number) ^ 0xff;
    assert.equal(index.byAdvertisingId(b64(b)), undefined);
  });
});

describe('SnapshotManager default opt-out index', () => {
  let op: TestOperator;
  before(async () => {
    op = await startTestOperator();
  });
  after(async () => {
    await op.close();
  });

  it('is the compact index, fed from the store', async () => {
    assert.equal(op.system.snapshots.optOuts.constructor.name, CompactOptOutIndex.name);
    const flh = flhOf(77);
    const uid = uidOf(2, 77);
    await op.system.store.appendOptOuts([
      { firstLevelHash: flh, advertisingId: uid, timestamp: 1_700_000_123 },
    ]);
    await op.system.snapshots.syncOptOuts();
    assert.equal(op.system.snapshots.optOuts.byFirstLevelHash(b64(flh)), 1_700_000_123);
    assert.equal(op.system.snapshots.optOuts.byAdvertisingId(b64(uid)), 1_700_000_123);
  });
});
