// The binary COPY reader behind the PostgreSQL engine's start-up opt-out read: any stream of tuples,
// cut into chunks anywhere, reads back as the same tuples; damaged or truncated streams fail with
// CopyFormatError, never with another error or a hang.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CopyBinaryReader, CopyFormatError } from '../src/store/postgres/copy-binary.js';

type Tuple = (Buffer | null)[];

const SIGNATURE = Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00]);

/** PostgreSQL's binary COPY encoding of `tuples` (header with an extension of `ext` bytes, trailer). */
function encode(tuples: readonly Tuple[], ext: Buffer): Buffer {
  const parts: Buffer[] = [SIGNATURE];
  const int32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeInt32BE(n);
    return b;
  };
  const int16 = (n: number) => {
    const b = Buffer.alloc(2);
    b.writeInt16BE(n);
    return b;
  };
  parts.push(int32(0), int32(ext.length), ext);
  for (const t of tuples) {
    parts.push(int16(t.length));
    for (const f of t) parts.push(f === null ? int32(-1) : Buffer.concat([int32(f.length), f]));
  }
  parts.push(int16(-1));
  return Buffer.concat(parts);
}

/** Cuts `bytes` at the given positions (taken modulo its length). */
function chunks(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const c of at) {
    out.push(bytes.subarray(from, c));
    from = c;
  }
  out.push(bytes.subarray(from));
  return out;
}

/** Reads the chunks with a fresh reader; the tuples it saw (copied), or the error it threw. */
function read(fields: number, parts: readonly Buffer[]): { tuples: Tuple[] } | { error: unknown } {
  const tuples: Tuple[] = [];
  const reader = new CopyBinaryReader(fields, (bytes, starts, lengths) => {
    const t: Tuple = [];
    for (let f = 0; f < fields; f++) {
      const len = lengths[f] as number;
      const at = starts[f] as number;
      t.push(len === -1 ? null : Buffer.from(bytes.subarray(at, at + len)));
    }
    tuples.push(t);
  });
  try {
    for (const p of parts) reader.push(p);
    reader.end();
    return { tuples };
  } catch (error) {
    return { error };
  }
}

const field = fc.option(
  fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)),
  { freq: 6 },
);
const tuples = fc.array(fc.array(field, { minLength: 3, maxLength: 3 }), { maxLength: 60 });
const ext = fc.uint8Array({ maxLength: 12 }).map((a) => Buffer.from(a));
const cuts = fc.array(fc.nat(), { maxLength: 12 });

describe('binary COPY reader', () => {
  it('reads back any tuples, however the stream is cut into chunks', () => {
    fc.assert(
      fc.property(tuples, ext, cuts, (ts, e, c) => {
        assert.deepEqual(read(3, chunks(encode(ts, e), c)), { tuples: ts });
      }),
      { numRuns: 300 },
    );
  });

  it('fails with CopyFormatError on a truncated stream, wherever it stops', () => {
    fc.assert(
      fc.property(tuples, ext, fc.nat(), cuts, (ts, e, stop, c) => {
        const full = encode(ts, e);
        const out = read(3, chunks(full.subarray(0, stop % full.length), c));
        assert.ok('error' in out && out.error instanceof CopyFormatError, 'a truncated stream is an error');
      }),
      { numRuns: 300 },
    );
  });

  it('damaged streams: the same tuples or CopyFormatError, nothing else', () => {
    fc.assert(
      fc.property(
        tuples,
        ext,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        cuts,
        (ts, e, damage, c) => {
          const bytes = Buffer.from(encode(ts, e));
          for (const [at, value] of damage) bytes[at % bytes.length] = value;
          const out = read(3, chunks(bytes, c));
          if ('error' in out) assert.ok(out.error instanceof CopyFormatError, String(out.error));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('names what is wrong: signature, OIDs, field count, data after the trailer', () => {
    const good = encode([[Buffer.from('a'), null, Buffer.from('bc')]], Buffer.alloc(0));
    const bad = (bytes: Buffer, fields = 3) => {
      const out = read(fields, [bytes]);
      assert.ok('error' in out && out.error instanceof CopyFormatError);
      return (out.error as Error).message;
    };
    assert.match(bad(Buffer.concat([Buffer.from('PGCOPX'), good.subarray(6)])), /signature/);
    const oids = Buffer.from(good);
    oids.writeInt32BE(1 << 16, 11);
    assert.match(bad(oids), /OIDs/);
    assert.match(bad(good, 2), /3 fields, expected 2/);
    assert.match(bad(Buffer.concat([good, Buffer.from([0, 3])])), /after the trailer/);
    assert.deepEqual(read(3, [good]), { tuples: [[Buffer.from('a'), null, Buffer.from('bc')]] });
  });
});
