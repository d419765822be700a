// End to end: an opt-out taken through /v2/token/logout is honoured at once by every endpoint of
// the same process (api.md §10; optout.md effects).
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { decryptRefreshResponse } from '@uid2-ts/core';
import {
  FIXTURE,
  rawPost,
  startTestOperator,
  type TestOperator,
  type V2Response,
  v2Call,
} from './helpers/operator.js';

const bodyOf = <T>(r: V2Response): T => (r.json as { body: T }).body;

let op: TestOperator;
let dataDir: string;
before(async () => {
  op = await startTestOperator();
  dataDir = op.dataDir;
});
after(async () => {
  await op.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('opting out through /v2/token/logout', () => {
  it('makes generate, refresh, both identity maps and optout/status answer opted-out', async () => {
    const email = 'Opt.Me.Out+news@gmail.com';
    const normalizedTwin = 'optmeout@gmail.com';
    const gen = await v2Call(op.baseUrl, '/v2/token/generate', { email }, FIXTURE.publisher);
    const identity = gen.json?.body as { refresh_token: string; refresh_response_key: string };
    assert.equal(gen.json?.status, 'success');
    const mapBefore = await v2Call(op.baseUrl, '/v3/identity/map', { email: [email] }, FIXTURE.advertiser);
    const u = (bodyOf<{ email: Array<{ u: string }> }>(mapBefore).email[0] as { u: string }).u;
    assert.equal(Buffer.from(u, 'base64').length, 32);
    const statusBefore = await v2Call(
      op.baseUrl,
      '/v2/optout/status',
      { advertising_ids: [u] },
      FIXTURE.advertiser,
    );
    assert.deepEqual(statusBefore.json?.body, { opted_out: [] });

    const beforeLogoutS = Math.floor(Date.now() / 1000);
    const out = await v2Call(op.baseUrl, '/v2/token/logout', { email }, FIXTURE.optout);
    assert.deepEqual(out.json, { status: 'success', body: { optout: 'OK' } });

    // generate, for the raw input and for its normalized twin
    for (const e of [email, normalizedTwin]) {
      const again = await v2Call(op.baseUrl, '/v2/token/generate', { email: e }, FIXTURE.publisher);
      assert.deepEqual([again.httpStatus, again.json], [200, { status: 'optout' }]);
    }
    // refresh of the identity minted before the opt-out
    const refreshed = await rawPost(op.baseUrl, '/v2/token/refresh', identity.refresh_token, {
      'content-type': 'text/plain',
    });
    assert.equal(refreshed.httpStatus, 200);
    const plain = decryptRefreshResponse(
      Buffer.from(identity.refresh_response_key, 'base64'),
      Buffer.from(refreshed.text, 'base64'),
    );
    assert.deepEqual(JSON.parse(plain ?? '{}'), { status: 'optout' });
    // identity map v2 and v3
    const v2 = await v2Call(
      op.baseUrl,
      '/v2/identity/map',
      { email: [email, 'someone.else@example.com'] },
      FIXTURE.advertiser,
    );
    const v2body = v2.json?.body as { mapped: Array<{ identifier: string }>; unmapped: unknown[] };
    assert.deepEqual(v2body.unmapped, [{ identifier: email, reason: 'optout' }]);
    assert.deepEqual(
      v2body.mapped.map((m) => m.identifier),
      ['someone.else@example.com'],
    );
    const v3 = await v2Call(op.baseUrl, '/v3/identity/map', { email: [email] }, FIXTURE.advertiser);
    assert.deepEqual(bodyOf<{ email: unknown[] }>(v3).email, [{ e: 'optout' }]);
    // optout/status lists the raw UID with the opt-out time in milliseconds
    const status = await v2Call(
      op.baseUrl,
      '/v2/optout/status',
      { advertising_ids: [u, 'AAAA'] },
      FIXTURE.advertiser,
    );
    const listed = bodyOf<{ opted_out: Array<{ advertising_id: string; opted_out_since: number }> }>(
      status,
    ).opted_out;
    assert.equal(listed.length, 1);
    assert.equal(listed[0]?.advertising_id, u);
    const since = listed[0]?.opted_out_since ?? 0;
    assert.ok(since % 1000 === 0 && since >= beforeLogoutS * 1000 && since <= Date.now(), String(since));
  });

  it('survives a restart: the opt-out was durably stored', async () => {
    const email = 'durable.optout@example.com';
    await v2Call(op.baseUrl, '/v2/token/logout', { email }, FIXTURE.optout);
    await op.system.close();
    op = await startTestOperator({ dataDir });
    const again = await v2Call(op.baseUrl, '/v2/token/generate', { email }, FIXTURE.publisher);
    assert.deepEqual(again.json, { status: 'optout' });
  });
});

describe('opt-out metrics', () => {
  it('count intake and the lag of opt-outs read from the store', async () => {
    const value = async (name: string) =>
      (await op.system.metrics.registry.getMetricsAsJSON()).find((m) => m.name === name)?.values ?? [];
    const intakeBefore = (await value('uid2_optout_intake_total'))[0]?.value ?? 0;
    await v2Call(op.baseUrl, '/v2/token/logout', { email: 'metrics.optout@example.com' }, FIXTURE.optout);
    assert.equal((await value('uid2_optout_intake_total'))[0]?.value, intakeBefore + 1);
    // An opt-out written by another process reaches this operator through its store sync.
    const lagCount = async () =>
      (await value('uid2_optout_propagation_lag_seconds')).find(
        (v) => (v as { metricName?: string }).metricName === 'uid2_optout_propagation_lag_seconds_count',
      )?.value ?? 0;
    const before = await lagCount();
    await op.system.store.appendOptOuts([
      {
        firstLevelHash: Buffer.alloc(32, 7),
        advertisingId: Buffer.alloc(32, 8),
        timestamp: Math.floor(Date.now() / 1000),
      },
    ]);
    await op.system.snapshots.syncOptOuts();
    assert.ok((await lagCount()) > before);
  });
});
