// POST /v2/identity/buckets (api.md §6.3, tokens-and-keys.md §2.3, §2.5), its Hashids bucket ids and
// its since_timestamp parser (expected values checked against Java 17's LocalDateTime.parse).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SaltBucketRecord } from '@uid2-ts/server';
import { Hashids } from '../src/operator/identity-map/hashids.js';
import { formatLastUpdated, parseSinceTimestamp } from '../src/operator/identity-map/timestamp.js';
import { FIXTURE, startTestOperator, type TestOperator, v2Call } from './helpers/operator.js';

const MAPPER = FIXTURE.advertiser;
const MISSING = 'missing parameter since_timestamp';
const INVALID = 'invalid date, must conform to ISO 8601';

describe('Hashids (org.hashids-compatible)', () => {
  it('matches the library test vectors, minimum-length padding included', () => {
    const vectors: Array<[string, number, number, string]> = [
      ['this is my salt', 0, 12345, 'NkK9'],
      ['this is my salt', 6, 1, 'B0NV05'],
      ['this is another salt', 6, 1, 'QGQ707'],
      ['this is my salt', 8, 1, 'gB0NV05e'],
      ['this is my salt', 8, 2, 'yLA6m0oM'],
      ['this is my salt', 10, 1000, 'Xzjd5vJGvO'],
      ['this is my salt', 16, 1, 'JEDngB0NV05ev1Ww'],
      ['this is another salt', 16, 1, 'b9qVeQGQ707ay8Kl'],
      ['this is my salt', 18, 1, 'aJEDngB0NV05ev1WwP'],
    ];
    for (const [salt, min, n, want] of vectors)
      assert.equal(new Hashids(salt, min).encode(n), want, `${salt}/${min}/${n}`);
  });

  it('bucket ids: 9 characters, distinct, stable', () => {
    const h = new Hashids('HF6Qz42HBbVHINxhh191dB09BCuTWyBkNtrNicO4ZCw=', 9);
    const ids = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const id = h.encode(i);
      assert.match(id, /^[A-Za-z0-9]{9}$/);
      ids.add(id);
    }
    assert.equal(ids.size, 5000);
    assert.equal(
      h.encode(1_048_575),
      new Hashids('HF6Qz42HBbVHINxhh191dB09BCuTWyBkNtrNicO4ZCw=', 9).encode(1_048_575),
    );
    assert.throws(() => h.encode(-1), RangeError);
  });
});

describe('since_timestamp parsing (Java ISO_LOCAL_DATE_TIME read as UTC)', () => {
  it('accepts what Java accepts, with the same epoch milliseconds', () => {
    const cases: Array<[string, number]> = [
      ['2024-01-01T10:00', 1704103200000],
      ['2024-01-01t10:00', 1704103200000],
      ['2024-01-01T10:00:00.', 1704103200000],
      ['2024-01-01T10:00:00.5', 1704103200500],
      ['2024-01-01T10:00:00.123456789', 1704103200123],
      ['2024-02-29T00:00', 1709164800000],
      ['2000-02-29T00:00', 951782400000],
      ['1969-12-31T23:59:59.9995', -1],
      ['0000-01-01T00:00', -62167219200000],
      ['-0001-01-01T00:00', -62198755200000],
      ['-02024-01-01T00:00', -126038505600000],
      ['+00000-01-01T00:00', -62167219200000],
      ['+10000-01-01T00:00', 253402300800000],
      ['+123456789-01-01T00:00', 3895857797385600000],
    ];
    for (const [text, ms] of cases) assert.equal(parseSinceTimestamp(text), ms, text);
  });

  it('refuses what Java refuses', () => {
    for (const text of [
      '',
      '2024-01-01',
      '2024-01-01T10',
      '2024-01-01T1:00',
      '2024-1-01T00:00',
      '2024-01-01 10:00:00',
      ' 2024-01-01T00:00',
      '2024-01-01T00:00 ',
      '2024-01-01T10:00.5',
      '2024-01-01T10:00:.5',
      '2024-01-01T10:00:00,5',
      '2024-01-01T10:00:00.1234567891',
      '2023-02-29T00:00',
      '1900-02-29T00:00',
      '2024-04-31T00:00',
      '2024-13-01T00:00',
      '2024-00-10T00:00',
      '2024-01-00T00:00',
      '2024-01-01T24:00',
      '2024-01-01T00:60',
      '2024-01-01T00:00:60',
      '+2024-01-01T00:00',
      '10000-01-01T00:00',
      '-0000-01-01T00:00',
      '+1234567890-01-01T00:00',
      '+999999999-12-31T23:59:59', // long overflow in toEpochMilli
      '２０２４-01-01T00:00',
    ]) {
      assert.equal(parseSinceTimestamp(text), undefined, JSON.stringify(text));
    }
  });

  it('extension: a Z or ±HH:MM suffix is accepted and converted to UTC', () => {
    assert.equal(parseSinceTimestamp('2024-07-02T14:30:15.123456Z'), Date.UTC(2024, 6, 2, 14, 30, 15, 123));
    assert.equal(parseSinceTimestamp('2024-07-02T14:30:15z'), Date.UTC(2024, 6, 2, 14, 30, 15));
    assert.equal(parseSinceTimestamp('2024-07-02T14:30:15+00:00'), Date.UTC(2024, 6, 2, 14, 30, 15));
    assert.equal(parseSinceTimestamp('2024-07-02T14:30:15.5-05:00'), Date.UTC(2024, 6, 2, 19, 30, 15, 500));
    assert.equal(parseSinceTimestamp('2024-07-02T00:30+01:30'), Date.UTC(2024, 6, 1, 23, 0));
    for (const text of [
      '2024-07-02T14:30:15+19:00',
      '2024-07-02T14:30:15+01:60',
      '2024-07-02T14:30:15+0100',
      '2024-07-02T14:30:15 Z',
    ]) {
      assert.equal(parseSinceTimestamp(text), undefined, text);
    }
  });

  it('last_updated: UTC, always three fraction digits, no zone', () => {
    assert.equal(formatLastUpdated(Date.UTC(2024, 0, 1)), '2024-01-01T00:00:00.000');
    assert.equal(formatLastUpdated(1806364800001), '2027-03-30T00:00:00.001');
  });
});

describe('POST /v2/identity/buckets', () => {
  let op: TestOperator;
  before(async () => {
    op = await startTestOperator();
  });
  after(async () => op.close());

  const call = (payload: object | undefined, creds = MAPPER) =>
    v2Call(op.baseUrl, '/v2/identity/buckets', payload, creds);
  type Bucket = { bucket_id: string; last_updated: string };

  async function buckets(since: string): Promise<Bucket[]> {
    const r = await call({ since_timestamp: since });
    assert.equal(r.httpStatus, 200, r.text);
    assert.equal(r.json?.status, 'success');
    return r.json?.body as Bucket[];
  }

  it('lists every bucket modified at or after since_timestamp, in bucket order', async () => {
    const salts = op.system.snapshots.current.salts;
    const h = new Hashids(salts.idSecret, 9);
    const all = await buckets('1970-01-01T00:00:00');
    assert.equal(all.length, 1024);
    for (const [i, b] of all.entries()) {
      const bucket = salts.buckets[i];
      assert.ok(bucket);
      assert.deepEqual(b, {
        bucket_id: salts.idPrefix + h.encode(bucket.id),
        last_updated: new Date(bucket.lastUpdatedMs).toISOString().slice(0, 23),
      });
      assert.match(b.last_updated, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}$/);
    }
    assert.equal(new Set(all.map((b) => b.bucket_id)).size, 1024);
    // Boundaries: lastUpdated ≥ since (ms), fractions beyond ms truncated.
    const sorted = [...salts.buckets].sort((a, b) => a.lastUpdatedMs - b.lastUpdatedMs);
    const median = sorted[512];
    assert.ok(median);
    const at = new Date(median.lastUpdatedMs).toISOString().slice(0, 23);
    const newer = salts.buckets.filter((b) => b.lastUpdatedMs >= median.lastUpdatedMs).length;
    assert.equal((await buckets(at)).length, newer);
    assert.equal((await buckets(`${at}999`)).length, newer);
    assert.equal((await buckets(`${at}Z`)).length, newer);
    const later = new Date(median.lastUpdatedMs + 1).toISOString().slice(0, 23);
    const newerStill = salts.buckets.filter((b) => b.lastUpdatedMs > median.lastUpdatedMs).length;
    assert.ok(newerStill < newer);
    assert.equal((await buckets(later)).length, newerStill);
    assert.deepEqual(await buckets('9999-12-31T23:59:59.999999999'), []);
  });

  it('a rotated bucket shows up with its new last_updated', async () => {
    const nowMs = Date.now();
    let record: SaltBucketRecord | undefined;
    await op.system.store.forEachSaltBucket((r) => {
      if (r.idx === 77) record = r;
    });
    assert.ok(record);
    const lastUpdatedMs = nowMs + 60_000 + 1;
    await op.system.store.updateSaltBuckets([
      {
        ...record,
        generation: record.generation + 1,
        previousGeneration: record.generation,
        previousFormat: record.format,
        lastUpdatedMs,
      },
    ]);
    await op.system.snapshots.refresh();
    await op.system.snapshots.refresh();
    const since = new Date(nowMs + 60_000).toISOString().slice(0, 19);
    const salts = op.system.snapshots.current.salts;
    assert.deepEqual(await buckets(since), [
      {
        bucket_id: salts.idPrefix + new Hashids(salts.idSecret, 9).encode(77),
        last_updated: formatLastUpdated(lastUpdatedMs),
      },
    ]);
  });

  it('400 with the reference messages', async () => {
    const cases: Array<[object | undefined, string]> = [
      [undefined, MISSING],
      [{}, MISSING],
      [{ since_timestamp: null }, MISSING],
      [{ since: '2024-01-01T00:00:00' }, MISSING],
      [{ since_timestamp: 1704067200 }, INVALID],
      [{ since_timestamp: true }, INVALID],
      [{ since_timestamp: ['2024-01-01T00:00:00'] }, INVALID],
      [{ since_timestamp: '2024-01-01' }, INVALID],
      [{ since_timestamp: '2023-02-29T00:00:00' }, INVALID],
      [{ since_timestamp: 'yesterday' }, INVALID],
    ];
    for (const [payload, message] of cases) {
      const r = await call(payload);
      assert.equal(r.httpStatus, 400, JSON.stringify(payload));
      assert.deepEqual(r.json, { status: 'client_error', message }, JSON.stringify(payload));
    }
  });

  it('needs the MAPPER role; binary requests get binary answers', async () => {
    const denied = await call({ since_timestamp: '2024-01-01T00:00' }, FIXTURE.dsp);
    assert.equal(denied.httpStatus, 401);
    assert.deepEqual(denied.json, { status: 'unauthorized' });
    const r = await v2Call(
      op.baseUrl,
      '/v2/identity/buckets',
      { since_timestamp: '2100-01-01T00:00' },
      MAPPER,
      {
        binary: true,
      },
    );
    assert.equal(r.httpStatus, 200);
    assert.equal(r.contentType, 'application/octet-stream');
    assert.deepEqual(r.json, { status: 'success', body: [] });
  });
});
