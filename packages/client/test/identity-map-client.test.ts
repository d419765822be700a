// IdentityMapClient (v3) and IdentityMapV2Client against a live uid2-ts operator: mixed inputs,
// batching with bounded concurrency, typed unmapped reasons, 429 backoff, errors.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { IdentityMapClient, IdentityMapV2Client, Uid2Error } from '@uid2-ts/client';
import { hashIdentityInput } from '@uid2-ts/core';
import { FIXTURE, startTestOperator, type TestOperator, v2Call } from '../../server/test/helpers/operator.js';
import { clientOptions, expectedRawUid, recordingFetch } from './helpers.js';

let op: TestOperator;
before(async () => {
  op = await startTestOperator();
});
after(async () => op?.close());

const hashOf = (kind: 'email' | 'phone', v: string) => hashIdentityInput(kind, v)?.hashB64 as string;

describe('IdentityMapClient (v3)', () => {
  it('maps emails, phones and hashes keyed by input, with typed unmapped reasons', async () => {
    const client = new IdentityMapClient(clientOptions(op, FIXTURE.advertiser));
    const emailHash = hashOf('email', 'hashed@example.com');
    const phoneHash = hashOf('phone', '+12065550199');
    const started = Math.floor(Date.now() / 1000) * 1000;
    const r = await client.generateIdentityMap({
      emails: ['User.One@Example.com', 'optout@example.com', 'not-an-email'],
      phones: ['+12065550123', '+00000000000', '12065550123'],
      emailHashes: [emailHash],
      phoneHashes: [phoneHash, 'bad-hash'],
    });
    assert.deepEqual(
      [...r.mapped.keys()].sort(),
      ['+12065550123', 'User.One@Example.com', emailHash, phoneHash].sort(),
    );
    const one = r.mapped.get('User.One@Example.com');
    assert.ok(one);
    assert.equal(one.currentRawUid, expectedRawUid(op, 'email', 'user.one@example.com'));
    assert.equal(one.previousRawUid, null);
    assert.ok(one.refreshFrom >= started && one.refreshFrom % 1000 === 0, String(one.refreshFrom));
    assert.equal(r.mapped.get('+12065550123')?.currentRawUid, expectedRawUid(op, 'phone', '+12065550123'));
    assert.equal(r.mapped.get(emailHash)?.currentRawUid, expectedRawUid(op, 'email', 'hashed@example.com'));
    assert.equal(r.mapped.get(phoneHash)?.currentRawUid, expectedRawUid(op, 'phone', '+12065550199'));
    assert.deepEqual(Object.fromEntries(r.unmapped), {
      'optout@example.com': { reason: 'optout', rawReason: 'optout' },
      '+00000000000': { reason: 'optout', rawReason: 'optout' },
      'not-an-email': { reason: 'invalid_identifier', rawReason: 'invalid identifier' },
      '12065550123': { reason: 'invalid_identifier', rawReason: 'invalid identifier' },
      'bad-hash': { reason: 'invalid_identifier', rawReason: 'invalid identifier' },
    });
  });

  it('an identity opted out through /v2/token/logout comes back unmapped "optout"', async () => {
    const client = new IdentityMapClient(clientOptions(op, FIXTURE.dataProvider));
    const before = await client.generateIdentityMap({ emails: ['map.leaver@example.com'] });
    assert.equal(before.mapped.size, 1);
    const logout = await v2Call(
      op.baseUrl,
      '/v2/token/logout',
      { email: 'map.leaver@example.com' },
      FIXTURE.optout,
    );
    assert.equal(logout.httpStatus, 200);
    const after = await client.generateIdentityMap({ emails: ['map.leaver@example.com'] });
    assert.equal(after.mapped.size, 0);
    assert.deepEqual(after.unmapped.get('map.leaver@example.com'), { reason: 'optout', rawReason: 'optout' });
  });

  it('splits large inputs into batches (binary envelopes), bounded concurrency, duplicates sent once', async () => {
    const rec = recordingFetch();
    const client = new IdentityMapClient({
      ...clientOptions(op, FIXTURE.advertiser),
      fetch: rec.fetch,
      batchSize: 7,
      concurrency: 2,
    });
    const emails = Array.from({ length: 30 }, (_, i) => `batch.user${i}@example.com`);
    const phones = Array.from({ length: 10 }, (_, i) => `+1206555${String(1000 + i)}`);
    const r = await client.generateIdentityMap({ emails: [...emails, ...emails.slice(0, 5)], phones });
    assert.equal(rec.requests.length, Math.ceil(40 / 7));
    assert.ok(rec.requests.every((q) => q.contentType === 'application/octet-stream'));
    assert.equal(r.mapped.size, 40);
    assert.equal(r.unmapped.size, 0);
    for (const e of emails) assert.equal(r.mapped.get(e)?.currentRawUid, expectedRawUid(op, 'email', e));
    for (const p of phones) assert.equal(r.mapped.get(p)?.currentRawUid, expectedRawUid(op, 'phone', p));
  });

  it('5,001 identities take two requests (5,000 per request at most)', async () => {
    const rec = recordingFetch();
    const client = new IdentityMapClient({
      ...clientOptions(op, FIXTURE.advertiser),
      fetch: rec.fetch,
      batchSize: 9999,
    });
    const emailHashes = Array.from({ length: 5001 }, (_, i) => hashOf('email', `bulk${i}@example.com`));
    const r = await client.generateIdentityMap({ emailHashes });
    assert.equal(rec.requests.length, 2);
    assert.equal(r.mapped.size, 5001);
  });

  it('backs off on 429 and retries; an empty input makes no request', async () => {
    const rec = recordingFetch({ failures: 2, failStatus: 429 });
    const client = new IdentityMapClient({
      ...clientOptions(op, FIXTURE.advertiser),
      fetch: rec.fetch,
      retry: { baseDelayMs: 1 },
    });
    const r = await client.generateIdentityMap({ emails: ['retry.map@example.com'] });
    assert.equal(rec.requests.length, 3);
    assert.equal(r.mapped.size, 1);
    const none = await client.generateIdentityMap({});
    assert.equal(rec.requests.length, 3);
    assert.equal(none.mapped.size + none.unmapped.size, 0);
  });

  it('rejects with the operator status for a non-MAPPER key', async () => {
    const client = new IdentityMapClient(clientOptions(op, FIXTURE.publisher));
    await assert.rejects(
      client.generateIdentityMap({ emails: ['a@example.com'] }),
      (e: unknown) => e instanceof Uid2Error && e.httpStatus === 401 && e.status === 'unauthorized',
    );
  });
});

describe('IdentityMapV2Client (legacy /v2/identity/map)', () => {
  it('maps each type in its own requests; raw UIDs equal v3 current raw UIDs; bucket ids; typed reasons', async () => {
    const rec = recordingFetch();
    const v2 = new IdentityMapV2Client({
      ...clientOptions(op, FIXTURE.advertiser),
      fetch: rec.fetch,
      batchSize: 2,
    });
    const input = {
      emails: ['v2.one@example.com', 'v2.two@example.com', 'optout@example.com'],
      phones: ['+12065550777', 'bogus'],
      emailHashes: [hashOf('email', 'v2.hash@example.com')],
    };
    const r = await v2.generateIdentityMap(input);
    // 3 emails → 2 requests, 2 phones → 1, 1 hash → 1.
    assert.equal(rec.requests.length, 4);
    assert.ok(rec.requests.every((q) => q.url.endsWith('/v2/identity/map')));
    const v3 = await new IdentityMapClient(clientOptions(op, FIXTURE.advertiser)).generateIdentityMap(input);
    assert.deepEqual([...r.mapped.keys()].sort(), [...v3.mapped.keys()].sort());
    // Bucket ids are the ones /v2/identity/buckets lists.
    const buckets = await v2Call(
      op.baseUrl,
      '/v2/identity/buckets',
      { since_timestamp: '2000-01-01T00:00:00' },
      FIXTURE.advertiser,
    );
    const bucketIds = new Set(
      ((buckets.json?.body ?? []) as Array<{ bucket_id: string }>).map((b) => b.bucket_id),
    );
    assert.equal(bucketIds.size, 1024);
    for (const [key, m] of r.mapped) {
      assert.equal(m.rawUid, v3.mapped.get(key)?.currentRawUid);
      assert.ok(bucketIds.has(m.bucketId), m.bucketId);
    }
    assert.deepEqual(Object.fromEntries(r.unmapped), {
      'optout@example.com': { reason: 'optout', rawReason: 'optout' },
      bogus: { reason: 'invalid_identifier', rawReason: 'invalid identifier' },
    });
  });
});
