import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GVL, TCModel, TCString } from '@iabtcf/core';
import { decodeAdvertisingToken, decryptRefreshResponse } from '@uid2-ts/core';
import { FIXTURE, rawPost, startTestOperator, type TestOperator, v2Call } from './helpers/operator.js';

let op: TestOperator;
before(async () => {
  op = await startTestOperator({ settings: { identity_scope: 'EUID' } });
});
after(async () => op.close());

type TokenBody = { advertising_token: string; refresh_token: string; refresh_response_key: string };

const generate = (payload: object) => v2Call(op.baseUrl, '/v2/token/generate', payload, FIXTURE.publisher);

/** TC strings from the reference's EUIDOperatorVerticleTest (CMP id 1, vendor 21). */
const REFERENCE_SUFFICIENT = 'CPehNtWPehNtWABAMBFRACBoALAAAEJAAIYgAKwAQAKgArABAAqAAA';
/** Same, without the consent for purpose 1. */
const REFERENCE_INSUFFICIENT = 'CPehXK9PehXK9ABAMBFRACBoADAAAEJAAIYgAKwAQAKgArABAAqAAA';

/**
 * Encodes a TC string offline: @iabtcf/core refuses to encode without a Global Vendor List, so the
 * model gets a minimal in-memory one declaring vendor 21 (no network access).
 */
function tcString(options: {
  vendorConsent: boolean;
  vendorLegitimateInterest: boolean;
  purposeConsents: number[];
  purposeLegitimateInterests: number[];
}): string {
  const purposes: Record<string, object> = {};
  for (let i = 1; i <= 11; i++)
    purposes[i] = { id: i, name: `Purpose ${i}`, description: '', descriptionLegal: '' };
  const gvl = new GVL({
    gvlSpecificationVersion: 2,
    vendorListVersion: 2,
    tcfPolicyVersion: 2,
    lastUpdated: '2024-01-01T00:00:00Z',
    purposes,
    specialPurposes: {},
    features: {},
    specialFeatures: {},
    stacks: {},
    vendors: {
      21: {
        id: 21,
        name: 'EUID',
        purposes: [1, 3, 4],
        legIntPurposes: [2, 7, 10],
        flexiblePurposes: [],
        specialPurposes: [],
        features: [],
        specialFeatures: [],
        policyUrl: 'https://example.com',
      },
    },
  } as unknown as ConstructorParameters<typeof GVL>[0]);
  const model = new TCModel(gvl);
  model.cmpId = 10;
  model.cmpVersion = 1;
  model.purposeConsents.set(options.purposeConsents);
  model.purposeLegitimateInterests.set(options.purposeLegitimateInterests);
  if (options.vendorConsent) model.vendorConsents.set(21);
  if (options.vendorLegitimateInterest) model.vendorLegitimateInterests.set(21);
  return TCString.encode(model);
}

const FULL = {
  vendorConsent: true,
  vendorLegitimateInterest: true,
  purposeConsents: [1, 3, 4],
  purposeLegitimateInterests: [2, 7, 10],
};

describe('EUID operator', () => {
  it('mints E4/F4 tokens with the EUID scope, and EUID-scoped refresh tokens that refresh', async () => {
    const email = await generate({ email: 'euid.user@example.com' });
    assert.equal(email.httpStatus, 200);
    const body = email.json?.body as TokenBody;
    assert.match(body.advertising_token, /^E4/);
    const keys = op.system.snapshots.current.keys.getKey;
    const t = decodeAdvertisingToken(body.advertising_token, keys);
    assert.ok(t.ok);
    assert.equal(t.value.scope, 'EUID');
    assert.equal(t.value.type, 'email');
    // Identity byte: scope bit (0x10) | email (0) | 3.
    assert.equal(Buffer.from(body.advertising_token.slice(0, 4), 'base64url')[0], 0x13);
    // The 388-character refresh wrapper starts with the EUID scope byte 0x10.
    assert.equal(body.refresh_token.length, 388);
    assert.equal(Buffer.from(body.refresh_token, 'base64')[0], 0x10);
    const r = await rawPost(op.baseUrl, '/v2/token/refresh', body.refresh_token, {
      'content-type': 'text/plain',
    });
    assert.equal(r.httpStatus, 200);
    const plain = decryptRefreshResponse(
      Buffer.from(body.refresh_response_key, 'base64'),
      Buffer.from(r.text, 'base64'),
    );
    const refreshed = JSON.parse(plain ?? '{}') as { status: string; body: TokenBody };
    assert.equal(refreshed.status, 'success');
    assert.match(refreshed.body.advertising_token, /^E4/);

    const phone = await generate({ phone: '+12345678901' });
    const pt = (phone.json?.body as TokenBody | undefined)?.advertising_token ?? '';
    assert.match(pt, /^F4/);
    assert.equal(Buffer.from(pt.slice(0, 4), 'base64url')[0], 0x17);
  });

  it('envelope errors point at https://euid.eu', async () => {
    const wrongSecret = await v2Call(
      op.baseUrl,
      '/v2/token/generate',
      { email: 'a@b.com' },
      { key: FIXTURE.publisher.key, secret: FIXTURE.all.secret },
    );
    assert.deepEqual(wrongSecret.json, {
      status: 'client_error',
      message:
        'Invalid body: Check encryption key (ClientSecret). See https://euid.eu/docs/getting-started/gs-encryption-decryption for details on the request envelope format.',
    });
    const plainJson = await rawPost(op.baseUrl, '/v2/token/generate', '{"email":"a@b.com"}', {
      authorization: `Bearer ${FIXTURE.publisher.key}`,
      'content-type': 'application/json',
    });
    assert.equal(plainJson.httpStatus, 400);
    assert.equal(
      JSON.parse(plainJson.text).message,
      'Invalid body: The request body is unencrypted JSON. It must be an encrypted request envelope. See https://euid.eu/docs/getting-started/gs-encryption-decryption#encryption-and-decryption-code-examples for encryption and decryption code examples.',
    );
  });

  it('tcf_consent_string: unparsable, empty or null → 400 "User consent is invalid"', async () => {
    for (const tcf of ['invalid_consent_string', '', '   ', null, 42, 'abc']) {
      const r = await generate({ email: 'tcf@example.com', tcf_consent_string: tcf });
      assert.deepEqual(
        [r.httpStatus, r.json],
        [400, { status: 'client_error', message: 'User consent is invalid' }],
        String(tcf),
      );
    }
  });

  it('reference TC strings: full consent succeeds, missing purpose 1 → insufficient_user_consent', async () => {
    const ok = await generate({ email: 'tcf@example.com', tcf_consent_string: REFERENCE_SUFFICIENT });
    assert.equal(ok.httpStatus, 200);
    assert.equal(ok.json?.status, 'success');
    assert.match((ok.json?.body as TokenBody | undefined)?.advertising_token ?? '', /^E4/);
    const insufficient = await generate({
      email: 'tcf@example.com',
      tcf_consent_string: REFERENCE_INSUFFICIENT,
    });
    assert.equal(insufficient.httpStatus, 200);
    assert.equal(insufficient.text, '{"status":"insufficient_user_consent"}');
  });

  it('encoded TC strings: purposes count only through the matching vendor bit', async () => {
    const cases: Array<[string, Parameters<typeof tcString>[0], string]> = [
      ['all purposes, both vendor bits', FULL, 'success'],
      [
        'everything by consent',
        { ...FULL, purposeConsents: [1, 2, 3, 4, 7, 10], vendorLegitimateInterest: false },
        'success',
      ],
      ['purpose 10 missing', { ...FULL, purposeLegitimateInterests: [2, 7] }, 'insufficient_user_consent'],
      ['no vendor consent bit', { ...FULL, vendorConsent: false }, 'insufficient_user_consent'],
      ['no vendor LI bit', { ...FULL, vendorLegitimateInterest: false }, 'insufficient_user_consent'],
      [
        'nothing',
        { ...FULL, purposeConsents: [], purposeLegitimateInterests: [] },
        'insufficient_user_consent',
      ],
    ];
    for (const [name, options, status] of cases) {
      const r = await generate({ email: 'tcf@example.com', tcf_consent_string: tcString(options) });
      assert.equal(r.httpStatus, 200, name);
      assert.equal(r.json?.status, status, name);
    }
  });

  it('consent is checked after the identity, and opt-out after consent', async () => {
    const missing = await generate({ tcf_consent_string: 'invalid_consent_string' });
    assert.equal(missing.httpStatus, 400);
    assert.match(String(missing.json?.message), /^Required Parameter Missing/);
    const optout = await generate({
      email: 'optout@example.com',
      tcf_consent_string: REFERENCE_INSUFFICIENT,
    });
    assert.deepEqual(optout.json, { status: 'insufficient_user_consent' });
    const optout2 = await generate({ email: 'optout@example.com', tcf_consent_string: REFERENCE_SUFFICIENT });
    assert.deepEqual(optout2.json, { status: 'optout' });
    // Without the key the consent is not evaluated.
    assert.equal((await generate({ email: 'no-tcf@example.com' })).json?.status, 'success');
  });
});
