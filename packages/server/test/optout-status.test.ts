// POST /v2/optout/status against a real operator (api.md §6.4, §10).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { currentRawUid, firstLevelHash, hashIdentityInput } from '@uid2-ts/core';
import { FIXTURE, startTestOperator, type TestOperator, v2Call } from './helpers/operator.js';

let op: TestOperator;
before(async () => {
  op = await startTestOperator();
});
after(async () => op.close());

const status = (payload: object | undefined, creds: { key: string; secret: string } = FIXTURE.advertiser) =>
  v2Call(op.baseUrl, '/v2/optout/status', payload, creds);

/** The raw UID the operator maps an email to (through /v3/identity/map). */
async function rawUidOf(email: string): Promise<string> {
  const r = await v2Call(op.baseUrl, '/v3/identity/map', { email: [email] }, FIXTURE.advertiser);
  assert.equal(r.httpStatus, 200);
  const entry = (r.json as { body: { email: Array<{ u?: string }> } }).body.email[0];
  assert.ok(entry?.u, `${email} is not mapped`);
  return entry.u;
}

/** Writes an opt-out to the store, as the opt-out service does, and lets the operator pick it up. */
async function optOut(email: string, uid: string, timestamp: number): Promise<void> {
  const id = hashIdentityInput('email', email);
  assert.ok(id);
  const flh = firstLevelHash(id.hashB64, op.system.snapshots.current.salts.firstLevelSalt);
  await op.system.store.appendOptOuts([
    { firstLevelHash: Buffer.from(flh, 'base64'), advertisingId: Buffer.from(uid, 'base64'), timestamp },
  ]);
  await op.system.snapshots.syncOptOuts();
}

describe('POST /v2/optout/status', () => {
  it('lists only the opted-out raw UIDs, with opted_out_since in epoch milliseconds', async () => {
    const a = await rawUidOf('status.a@example.com');
    const b = await rawUidOf('status.b@example.com');
    const t = Math.floor(Date.now() / 1000) - 3600;
    await optOut('status.a@example.com', a, t);
    const r = await status({ advertising_ids: [b, a, randomBytes(32).toString('base64')] });
    assert.equal(r.httpStatus, 200);
    assert.deepEqual(r.json, {
      status: 'success',
      body: { opted_out: [{ advertising_id: a, opted_out_since: t * 1000 }] },
    });
    // The identity is now opted out for mapping as well.
    const map = await v2Call(
      op.baseUrl,
      '/v3/identity/map',
      { email: ['status.a@example.com'] },
      FIXTURE.advertiser,
    );
    assert.deepEqual((map.json as { body: { email: unknown[] } }).body.email, [{ e: 'optout' }]);
    // Repeats keep the earliest time for the raw UID; duplicates in the request are each listed.
    await optOut('status.a@example.com', a, t + 100);
    await optOut('status.a@example.com', a, t - 100);
    const again = await status({ advertising_ids: [a, a] });
    assert.deepEqual(again.json?.body, {
      opted_out: [
        { advertising_id: a, opted_out_since: (t - 100) * 1000 },
        { advertising_id: a, opted_out_since: (t - 100) * 1000 },
      ],
    });
  });

  it('finds every opted-out raw UID of a 5,000-id request, in request order, across lookup chunks', async () => {
    const emails = Array.from({ length: 7 }, (_, i) => `status.chunk${i}@example.com`);
    const uids = await Promise.all(emails.map(rawUidOf));
    const t = Math.floor(Date.now() / 1000) - 7200;
    for (const [i, email] of emails.entries()) await optOut(email, uids[i] as string, t + i);
    const ids = Array.from({ length: 5000 }, () => randomBytes(32).toString('base64'));
    // Positions at the edges of the 256-id chunks the operator looks up at a time, and the last.
    const positions = [0, 255, 256, 511, 2048, 4095, 4999];
    for (const [i, p] of positions.entries()) ids[p] = uids[i] as string;
    const r = await status({ advertising_ids: ids });
    assert.equal(r.httpStatus, 200);
    assert.deepEqual(r.json?.body, {
      opted_out: positions.map((_, i) => ({ advertising_id: uids[i], opted_out_since: (t + i) * 1000 })),
    });
  });

  it('exact text lookup; test identities are not special; non-strings are never opted out', async () => {
    const a = await rawUidOf('status.c@example.com');
    await optOut('status.c@example.com', a, 1_700_000_000);
    const hex = Buffer.from(a, 'base64').toString('hex');
    // optout@example.com is always opted out for mapping, but has no opt-out record: not listed.
    const id = hashIdentityInput('email', 'optout@example.com');
    assert.ok(id);
    const salts = op.system.snapshots.current.salts;
    const flh = firstLevelHash(id.hashB64, salts.firstLevelSalt);
    const testUid = currentRawUid(flh, salts.bucketOf(flh), 'email', {
      scope: 'UID2',
      identityV3: false,
      environment: 'prod',
    });
    assert.ok(testUid);
    const r = await status({
      advertising_ids: [hex, a.toLowerCase(), ` ${a}`, 42, null, { a }, [a], testUid, a],
    });
    assert.equal(r.httpStatus, 200);
    assert.deepEqual(r.json?.body, {
      opted_out: [{ advertising_id: a, opted_out_since: 1_700_000_000_000 }],
    });
    assert.deepEqual((await status({ advertising_ids: [] })).json?.body, { opted_out: [] });
  });

  it('400 with the reference messages', async () => {
    const ids = (n: number) => Array.from({ length: n }, () => randomBytes(32).toString('base64'));
    const cases: Array<[object | undefined, string]> = [
      [undefined, 'Invalid request body'],
      [{}, 'Required Parameter Missing: advertising_ids'],
      [{ advertising_ids: null }, 'Required Parameter Missing: advertising_ids'],
      [{ advertising_id: ids(1) }, 'Required Parameter Missing: advertising_ids'],
      [{ advertising_ids: ids(5001) }, 'Request payload is too large'],
      // The reference crashes with a 500 here; we answer 400.
      [{ advertising_ids: 'abc' }, 'advertising_ids must be an array'],
      [{ advertising_ids: { a: 1 } }, 'advertising_ids must be an array'],
    ];
    for (const [payload, message] of cases) {
      const r = await status(payload);
      assert.equal(r.httpStatus, 400, JSON.stringify(payload)?.slice(0, 80));
      assert.deepEqual(r.json, { status: 'client_error', message });
    }
    const max = await status({ advertising_ids: ids(5000) });
    assert.equal(max.httpStatus, 200);
    assert.deepEqual(max.json?.body, { opted_out: [] });
  });

  it('MAPPER, SHARER or ID_READER; others are unauthorized', async () => {
    for (const creds of [FIXTURE.advertiser, FIXTURE.dataProvider, FIXTURE.dsp, FIXTURE.all]) {
      assert.equal((await status({ advertising_ids: [] }, creds)).httpStatus, 200);
    }
    for (const creds of [FIXTURE.publisher, FIXTURE.optout]) {
      const r = await status({ advertising_ids: [] }, creds);
      assert.equal(r.httpStatus, 401);
      assert.deepEqual(r.json, { status: 'unauthorized' });
    }
  });

  it('optout_status_max_request_size is configurable', async () => {
    const small = await startTestOperator({ settings: { optout_status_max_request_size: 2 } });
    try {
      const call = (n: number) =>
        v2Call(
          small.baseUrl,
          '/v2/optout/status',
          { advertising_ids: Array(n).fill('x') },
          FIXTURE.advertiser,
        );
      assert.equal((await call(2)).httpStatus, 200);
      const r = await call(3);
      assert.equal(r.httpStatus, 400);
      assert.deepEqual(r.json, { status: 'client_error', message: 'Request payload is too large' });
    } finally {
      await small.close();
    }
  });
});
