// SharingClient against a live uid2-ts operator's /v2/key/sharing: encryption, decryption and the
// key-authorization rules (SHARER-only 125 cannot read 999's tokens; ID_READER 123 can).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BidstreamClient, SharingClient, Uid2Error } from '@uid2-ts/client';
import { FIXTURE, startTestOperator, type TestOperator } from '../../server/test/helpers/operator.js';
import { clientOptions, expectedRawUid } from './helpers.js';

let op: TestOperator;
let s999: SharingClient;
let s125: SharingClient;
let s123: SharingClient;
let rawUid: string;
before(async () => {
  op = await startTestOperator();
  s999 = new SharingClient(clientOptions(op, FIXTURE.all));
  s125 = new SharingClient(clientOptions(op, FIXTURE.dataProvider));
  s123 = new SharingClient(clientOptions(op, FIXTURE.dsp));
  rawUid = expectedRawUid(op, 'email', 'shared.user@example.com');
});
after(async () => op?.close());

describe('SharingClient', () => {
  it('is NotInitialized before refresh()', () => {
    const c = new SharingClient(clientOptions(op, FIXTURE.all));
    assert.deepEqual(c.encryptRawUidIntoToken(rawUid), { status: 'NotInitialized' });
    assert.deepEqual(c.decryptTokenIntoRawUid('A4abc'), { status: 'NotInitialized' });
  });

  it('999 encrypts a raw UID and decrypts its own token (30-day sharing expiry)', async () => {
    await s999.refresh();
    const before = Date.now();
    const enc = s999.encryptRawUidIntoToken(rawUid);
    assert.equal(enc.status, 'Success');
    const token = enc.token as string;
    assert.match(token, /^[AB]4[A-Za-z0-9_-]+$/);
    const dec = s999.decryptTokenIntoRawUid(token);
    assert.deepEqual([dec.status, dec.uid, dec.siteId, dec.version], ['Success', rawUid, 999, 4]);
    assert.ok(
      dec.expiry !== undefined &&
        dec.expiry - before >= 2_592_000_000 &&
        dec.expiry - Date.now() <= 2_592_000_000,
    );
  });

  it('SHARER-only 125 gets NotAuthorizedForKey for 999 tokens; ID_READER 123 decrypts them', async () => {
    await s125.refresh();
    await s123.refresh();
    const token = s999.encryptRawUidIntoToken(rawUid).token as string;
    assert.deepEqual(s125.decryptTokenIntoRawUid(token), { status: 'NotAuthorizedForKey' });
    const r = s123.decryptTokenIntoRawUid(token);
    assert.deepEqual([r.status, r.uid, r.siteId], ['Success', rawUid, 999]);
  });

  it("125's own tokens decrypt for 125, 999 and 123", () => {
    const enc = s125.encryptRawUidIntoToken(rawUid);
    assert.equal(enc.status, 'Success');
    for (const c of [s125, s999, s123]) {
      const r = c.decryptTokenIntoRawUid(enc.token as string);
      assert.deepEqual([r.status, r.uid, r.siteId], ['Success', rawUid, 125]);
    }
  });

  it('a 30-day sharing token is InvalidTokenLifetime for a bidstream client', async () => {
    const bid = new BidstreamClient(clientOptions(op, FIXTURE.dsp));
    await bid.refresh();
    const token = s999.encryptRawUidIntoToken(rawUid).token as string;
    const r = bid.decryptTokenIntoRawUid(token, 'example.com');
    assert.deepEqual([r.status, r.uid, r.siteId], ['InvalidTokenLifetime', undefined, 999]);
  });

  it('EncryptionFailure for a raw UID that is not base64; KeysNotSynced once every key expired', async () => {
    assert.deepEqual(s999.encryptRawUidIntoToken('not base64!'), { status: 'EncryptionFailure' });
    assert.deepEqual(s999.encryptRawUidIntoToken(''), { status: 'EncryptionFailure' });
    const later = new SharingClient({
      ...clientOptions(op, FIXTURE.all),
      clock: () => Date.now() + 10 * 365 * 86_400_000,
    });
    await later.refresh();
    assert.deepEqual(later.encryptRawUidIntoToken(rawUid), { status: 'KeysNotSynced' });
    assert.deepEqual(later.decryptTokenIntoRawUid('A4abc'), { status: 'KeysNotSynced' });
  });

  it('refresh() rejects with the operator status for a key without SHARER/ID_READER', async () => {
    const c = new SharingClient(clientOptions(op, FIXTURE.publisher));
    await assert.rejects(
      c.refresh(),
      (e: unknown) => e instanceof Uid2Error && e.httpStatus === 401 && e.status === 'unauthorized',
    );
  });
});
