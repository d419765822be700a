// OptOutStatusClient against a live uid2-ts operator: raw UIDs from the identity map, an opt-out
// through /v2/token/logout, batching, errors.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { IdentityMapClient, OptOutStatusClient, Uid2Error } from '@uid2-ts/client';
import { FIXTURE, startTestOperator, type TestOperator, v2Call } from '../../server/test/helpers/operator.js';
import { clientOptions, recordingFetch } from './helpers.js';

let op: TestOperator;
before(async () => {
  op = await startTestOperator();
});
after(async () => op?.close());

describe('OptOutStatusClient', () => {
  it('lists exactly the raw UIDs that opted out, with their opt-out time in ms, across batches', async () => {
    const emails = [
      'stay1@example.com',
      'leave1@example.com',
      'stay2@example.com',
      'leave2@example.com',
      'stay3@example.com',
    ];
    const map = await new IdentityMapClient(clientOptions(op, FIXTURE.advertiser)).generateIdentityMap({
      emails,
    });
    const uids = emails.map((e) => map.mapped.get(e)?.currentRawUid as string);
    assert.ok(uids.every((u) => typeof u === 'string'));

    const before = Date.now();
    for (const email of ['leave1@example.com', 'leave2@example.com']) {
      const r = await v2Call(op.baseUrl, '/v2/token/logout', { email }, FIXTURE.optout);
      assert.equal(r.httpStatus, 200);
    }
    const rec = recordingFetch();
    const client = new OptOutStatusClient({
      ...clientOptions(op, FIXTURE.dataProvider),
      fetch: rec.fetch,
      batchSize: 2,
    });
    const result = await client.getOptOutStatus([...uids, uids[0] as string]);
    assert.equal(rec.requests.length, 3);
    assert.deepEqual([...result.optedOut.keys()].sort(), [uids[1], uids[3]].sort());
    for (const since of result.optedOut.values()) {
      assert.equal(since % 1000, 0);
      assert.ok(since >= Math.floor(before / 1000) * 1000 && since <= Date.now(), String(since));
    }
  });

  it('resolves an empty map for ids nobody opted out, and rejects for a GENERATOR-only key', async () => {
    const client = new OptOutStatusClient(clientOptions(op, FIXTURE.dsp));
    const r = await client.getOptOutStatus([Buffer.alloc(32, 1).toString('base64')]);
    assert.equal(r.optedOut.size, 0);
    const wrong = new OptOutStatusClient(clientOptions(op, FIXTURE.publisher));
    await assert.rejects(
      wrong.getOptOutStatus(['x']),
      (e: unknown) => e instanceof Uid2Error && e.httpStatus === 401 && e.status === 'unauthorized',
    );
  });

  it('passes the operator message through for a batch above the operator limit', async () => {
    const client = new OptOutStatusClient({ ...clientOptions(op, FIXTURE.all), batchSize: 5001 });
    const ids = Array.from({ length: 5001 }, (_, i) => `id${i}`);
    await assert.rejects(
      client.getOptOutStatus(ids),
      (e: unknown) =>
        e instanceof Uid2Error &&
        e.httpStatus === 400 &&
        e.status === 'client_error' &&
        e.operatorMessage === 'Request payload is too large',
    );
  });
});
