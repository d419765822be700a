import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import {
  type AdvertisingTokenInput,
  decodeAdvertisingToken,
  decryptTokenWithContainer,
  encodeAdvertisingToken,
  encryptRawUidIntoToken,
  type KeyContainer,
  parseKeyContainer,
  type SdkDecryptOptions,
  sharingIdentityTypeOfRawUid,
  type TokenKey,
} from '@uid2-ts/core';
import { sharedSdkKeys, vector } from './vectors.js';

type DecryptArgs = Parameters<typeof decryptTokenWithContainer>;
/** The result without its undefined fields (absent and undefined mean the same to callers). */
function decrypt(...args: DecryptArgs): Partial<ReturnType<typeof decryptTokenWithContainer>> {
  const r = decryptTokenWithContainer(...args);
  return Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) as typeof r;
}

const { master: MASTER, site: SITE } = sharedSdkKeys();

const REF_S = 1672534861;
const KEY_EXPIRES_S = REF_S + 20 * 365 * 86400;
const NOW = 1_700_000_000_000;
const MIN = 60_000;
const DAY = 86_400_000;
const EMAIL_RAW = 'ywsvDNINiZOVSsfkHpLpSJzXzhr6Jx9Z/4Q0+lsEUvM=';
const PHONE_RAW = 'BEOGxroPLdcY7LrSiwjY52+X05V0ryELpJmoWAyXiwbZ';

function keyJson(key: TokenKey, activates: number, keysetId?: number): Record<string, unknown> {
  return {
    id: key.id,
    ...(keysetId === undefined ? {} : { keyset_id: keysetId }),
    created: activates,
    activates,
    expires: KEY_EXPIRES_S,
    secret: Buffer.from(key.secret).toString('base64'),
  };
}

function load(body: unknown): KeyContainer {
  const result = parseKeyContainer({ body });
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

const bidstreamKeys = [keyJson(MASTER, REF_S), keyJson(SITE, REF_S - 86400)];
const siteData = (vector('key_containers', 'bidstream key container').input as { site_data: unknown[] })
  .site_data;
/** §8.13 configuration: 3 days + 10 s (what the operator publishes for a 3-day limit), site_data of the SDK tests. */
const bidstream = load({
  max_bidstream_lifetime_seconds: 259210,
  identity_scope: 'UID2',
  allow_clock_skew_seconds: 1800,
  keys: bidstreamKeys,
  site_data: siteData,
  unexpected_field: 'ignored',
});
const bidstreamEuid = load({
  max_bidstream_lifetime_seconds: 259210,
  identity_scope: 'EUID',
  keys: bidstreamKeys,
});
const sharingBody = {
  caller_site_id: 9000,
  master_keyset_id: 1,
  default_keyset_id: 99999,
  token_expiry_seconds: 2592000,
  max_sharing_lifetime_seconds: 2592000,
  allow_clock_skew_seconds: 1800,
  keys: [keyJson(MASTER, REF_S, 1), keyJson(SITE, REF_S - 86400, 99999)],
};
const sharing = load(sharingBody);

const BID: SdkDecryptOptions = { nowMs: NOW, mode: 'bidstream', domainOrAppName: 'example.com' };

function token(over: Partial<AdvertisingTokenInput> = {}, rawB64 = EMAIL_RAW): string {
  return encodeAdvertisingToken(
    {
      version: 4,
      scope: 'UID2',
      type: sharingIdentityTypeOfRawUid(rawB64),
      expiresMs: NOW + 3_600_000,
      createdMs: NOW,
      siteId: 9000,
      privacyBits: 0,
      establishedMs: NOW - DAY,
      rawUid: Buffer.from(rawB64, 'base64'),
      ...over,
    },
    MASTER,
    SITE,
  );
}

describe('cross-platform v4 token (§8.2)', () => {
  const v = vector('advertising_token_v4_cross_platform', 'cross-platform');
  const text = v.input['token'] as string;
  const e = v.expected;

  it('decodes to every documented field in legacy mode', () => {
    const r = decrypt(bidstream, text, { nowMs: NOW, mode: 'legacy' });
    assert.deepEqual(r, {
      status: 'Success',
      uid: e['uid'],
      established: e['established_ms'],
      siteId: e['site_id'],
      siteKeySiteId: 0,
      identityType: 'email',
      version: 4,
      isClientSideGenerated: false,
      expiry: e['expires_ms'],
    });
  });

  it('gives InvalidTokenLifetime in bidstream mode with a 3-day limit (and in sharing mode with 30 days)', () => {
    const vectorContainer = load({
      ...(vector('key_containers', 'bidstream').input as object),
      keys: bidstreamKeys,
    });
    assert.equal(vectorContainer.maxBidstreamLifetimeSeconds, 259200);
    const r = decrypt(vectorContainer, text, BID);
    assert.deepEqual(r, {
      status: 'InvalidTokenLifetime',
      established: e['established_ms'],
      siteId: 9000,
      siteKeySiteId: 0,
      identityType: 'email',
      version: 4,
      isClientSideGenerated: false,
      expiry: e['expires_ms'],
    });
    assert.equal(decrypt(sharing, text, { nowMs: NOW, mode: 'sharing' }).status, 'InvalidTokenLifetime');
  });

  it('legacy /v2/key/latest container reports the site key owner as siteKeySiteId', () => {
    const legacy = load([
      { ...keyJson(MASTER, REF_S), site_id: -1 },
      { ...keyJson(SITE, REF_S), site_id: 9000 },
    ]);
    const r = decrypt(legacy, text, { nowMs: NOW, mode: 'legacy' });
    assert.equal(r.status, 'Success');
    assert.equal(r.siteKeySiteId, 9000);
  });
});

describe('SDK acceptance matrix (§8.13)', () => {
  it('v4 email UID2: Success, v4, email', () => {
    const t = token();
    assert.equal(t.length, 218);
    assert.ok(t.startsWith('A4'));
    assert.deepEqual(decrypt(bidstream, t, BID), {
      status: 'Success',
      uid: EMAIL_RAW,
      established: NOW - DAY,
      siteId: 9000,
      siteKeySiteId: 0,
      identityType: 'email',
      version: 4,
      isClientSideGenerated: false,
      expiry: NOW + 3_600_000,
    });
    assert.equal(decrypt(sharing, t, { nowMs: NOW, mode: 'sharing' }).status, 'Success');
  });

  it('v4 phone: B4 prefix, 219 characters, Success with type phone', () => {
    const t = token({}, PHONE_RAW);
    assert.equal(t.length, 219);
    assert.ok(t.startsWith('B4'));
    const r = decrypt(bidstream, t, BID);
    assert.equal(r.status, 'Success');
    assert.equal(r.identityType, 'phone');
    assert.equal(r.uid, PHONE_RAW);
    // Like Java/.NET getIdentityType: any non-zero type bits (2–3 of byte 0) mean phone; other bits ignored.
    const bytes = Buffer.from(token(), 'base64url');
    for (const [b0, type] of [
      [0x08, 'phone'],
      [0x0f, 'phone'],
      [0x04, 'phone'],
      [0xe3, 'email'],
      [0x00, 'email'],
    ] as const) {
      bytes[0] = b0;
      assert.equal(decrypt(bidstream, bytes.toString('base64url'), BID).identityType, type);
    }
  });

  it('v4 EUID with a UID2 container: InvalidIdentityScope before any key lookup', () => {
    const t = token({ scope: 'EUID' });
    assert.ok(t.startsWith('E4'));
    assert.deepEqual(decrypt(bidstream, t, BID), { status: 'InvalidIdentityScope' });
    assert.equal(decrypt(sharing, t, { nowMs: NOW, mode: 'sharing' }).status, 'InvalidIdentityScope');
    const noKeys = load({ keys: [{ ...keyJson({ id: 1, secret: Buffer.alloc(32) }, REF_S) }] });
    assert.equal(decrypt(noKeys, t, BID).status, 'InvalidIdentityScope');
    assert.equal(decrypt(bidstreamEuid, t, BID).status, 'Success');
    assert.equal(decrypt(bidstreamEuid, token(), BID).status, 'InvalidIdentityScope');
  });

  it('v3: A3 prefix, 220 characters, Success v3', () => {
    const t = token({ version: 3 });
    assert.equal(t.length, 220);
    assert.ok(t.startsWith('A3'));
    const r = decrypt(bidstream, t, BID);
    assert.equal(r.status, 'Success');
    assert.equal(r.version, 3);
    assert.equal(r.uid, EMAIL_RAW);
  });

  it('v2: Ag prefix, 180 characters, Success v2 with no identity type, also with an EUID container', () => {
    const t = token({ version: 2, privacyBits: 1 });
    assert.equal(t.length, 180);
    assert.ok(t.startsWith('Ag'));
    assert.deepEqual(decrypt(bidstream, t, BID), {
      status: 'Success',
      uid: EMAIL_RAW,
      established: NOW - DAY,
      siteId: 9000,
      siteKeySiteId: 0,
      version: 2,
      isClientSideGenerated: false,
      expiry: NOW + 3_600_000,
    });
    assert.equal(decrypt(bidstreamEuid, t, BID).status, 'Success');
    assert.equal(decrypt(sharing, t, { nowMs: NOW, mode: 'sharing' }).status, 'Success');
  });

  it('CSTG token (privacy bit 1): domain check in bidstream mode only, exact and case-insensitive', () => {
    const t = token({ privacyBits: 2 });
    const ok = decrypt(bidstream, t, BID);
    assert.equal(ok.status, 'Success');
    assert.equal(ok.isClientSideGenerated, true);
    assert.deepEqual(decrypt(bidstream, t, { ...BID, domainOrAppName: 'evil.com' }), {
      status: 'DomainOrAppNameCheckFailed',
      established: NOW - DAY,
      siteId: 9000,
      siteKeySiteId: 0,
      identityType: 'email',
      version: 4,
      isClientSideGenerated: true,
      expiry: NOW + 3_600_000,
    });
    const status = (opts: Partial<SdkDecryptOptions>, c = bidstream, tok = t) =>
      decrypt(c, tok, { ...BID, ...opts }).status;
    assert.equal(status({ domainOrAppName: 'EXAMPLE.COM' }), 'Success');
    assert.equal(status({ domainOrAppName: 'com.123.Game.App.android' }), 'Success');
    assert.equal(status({ domainOrAppName: 'www.example.com' }), 'DomainOrAppNameCheckFailed');
    assert.equal(status({ domainOrAppName: undefined }), 'DomainOrAppNameCheckFailed');
    assert.equal(status({ domainOrAppName: null }), 'DomainOrAppNameCheckFailed');
    // The names are per site: site 2's names do not cover site 9000 tokens and vice versa.
    assert.equal(status({ domainOrAppName: 'example.net' }), 'DomainOrAppNameCheckFailed');
    assert.equal(
      status({ domainOrAppName: 'example.net' }, bidstream, token({ privacyBits: 2, siteId: 2 })),
      'Success',
    );
    // Not checked for non-CSTG tokens, nor in sharing mode.
    assert.equal(status({ domainOrAppName: 'evil.com' }, bidstream, token()), 'Success');
    assert.equal(status({ mode: 'sharing', domainOrAppName: 'evil.com' }, sharing), 'Success');
    // Legacy: checked only when a name is supplied (.NET LegacyWith/WithoutDomainOrAppNameCheck).
    assert.equal(status({ mode: 'legacy', domainOrAppName: undefined }), 'Success');
    assert.equal(status({ mode: 'legacy', domainOrAppName: 'evil.com' }), 'DomainOrAppNameCheckFailed');
    assert.equal(status({ mode: 'legacy', domainOrAppName: 'example.org' }), 'Success');
    // A container without site_data fails every CSTG token in bidstream mode.
    assert.equal(
      status({}, bidstreamEuid, token({ privacyBits: 2, scope: 'EUID' })),
      'DomainOrAppNameCheckFailed',
    );
    // v2 tokens carry privacy bits too.
    assert.equal(
      status({ domainOrAppName: 'evil.com' }, bidstream, token({ version: 2, privacyBits: 3 })),
      'DomainOrAppNameCheckFailed',
    );
  });

  it('privacy bit 2 (opted out): Success unless reportOptedOut (.NET UserOptedOut)', () => {
    const t = token({ privacyBits: 4 });
    assert.equal(decrypt(bidstream, t, BID).status, 'Success');
    const r = decrypt(bidstream, t, { ...BID, reportOptedOut: true });
    assert.equal(r.status, 'UserOptedOut');
    assert.equal(r.uid, undefined);
    assert.equal(r.siteId, 9000);
    // .NET order: opt-out comes after expiry and before the domain check.
    const expired = token({ privacyBits: 6, expiresMs: NOW - 1, createdMs: NOW - MIN });
    assert.equal(decrypt(bidstream, expired, { ...BID, reportOptedOut: true }).status, 'ExpiredToken');
    const cstg = token({ privacyBits: 6 });
    const opts = { ...BID, domainOrAppName: 'evil.com', reportOptedOut: true };
    assert.equal(decrypt(bidstream, cstg, opts).status, 'UserOptedOut');
  });

  it('expired: ExpiredToken with fields; expiry == now still valid', () => {
    const t = token({ expiresMs: NOW - 1, createdMs: NOW - MIN });
    assert.deepEqual(decrypt(bidstream, t, BID), {
      status: 'ExpiredToken',
      established: NOW - DAY,
      siteId: 9000,
      siteKeySiteId: 0,
      identityType: 'email',
      version: 4,
      isClientSideGenerated: false,
      expiry: NOW - 1,
    });
    assert.equal(decrypt(bidstream, token({ expiresMs: NOW, createdMs: NOW - MIN }), BID).status, 'Success');
    const v2 = token({ version: 2, expiresMs: NOW - 1 });
    assert.equal(decrypt(bidstream, v2, BID).status, 'ExpiredToken');
    // Expiry is checked before the domain and lifetime checks.
    const cstgExpired = token({ privacyBits: 2, expiresMs: NOW - 1, createdMs: NOW - 100 * DAY });
    assert.equal(
      decrypt(bidstream, cstgExpired, { ...BID, domainOrAppName: 'evil.com' }).status,
      'ExpiredToken',
    );
  });

  it('lifetime 3 d + 1 min: InvalidTokenLifetime in bidstream mode, Success in sharing mode and legacy mode', () => {
    const t = token({ createdMs: NOW, expiresMs: NOW + 3 * DAY + MIN });
    assert.equal(decrypt(bidstream, t, BID).status, 'InvalidTokenLifetime');
    assert.equal(decrypt(sharing, t, { nowMs: NOW, mode: 'sharing' }).status, 'Success');
    assert.equal(decrypt(bidstream, t, { nowMs: NOW, mode: 'legacy' }).status, 'Success');
    // Exactly at the limit passes; Java floors durations to whole seconds.
    const atLimit = token({ createdMs: NOW, expiresMs: NOW + 259210_999 });
    assert.equal(decrypt(bidstream, atLimit, BID).status, 'Success');
    const overLimit = token({ createdMs: NOW, expiresMs: NOW + 259211_000 });
    assert.equal(decrypt(bidstream, overLimit, BID).status, 'InvalidTokenLifetime');
    // Sharing limit 2592000 s.
    const sharingOver = token({ createdMs: NOW, expiresMs: NOW + 2592001_000 });
    assert.equal(
      decrypt(sharing, sharingOver, { nowMs: NOW, mode: 'sharing' }).status,
      'InvalidTokenLifetime',
    );
  });

  it('v2 checks only the remaining lifetime (generated := now); v3/v4 the total', () => {
    const old = { createdMs: NOW - 2 * 3_600_000, expiresMs: NOW - 2 * 3_600_000 + 3 * DAY + MIN };
    assert.equal(decrypt(bidstream, token({ ...old, version: 2 }), BID).status, 'Success');
    assert.equal(decrypt(bidstream, token({ ...old, version: 4 }), BID).status, 'InvalidTokenLifetime');
    assert.equal(decrypt(bidstream, token({ ...old, version: 3 }), BID).status, 'InvalidTokenLifetime');
    const remainingTooLong = token({ version: 2, expiresMs: NOW + 3 * DAY + MIN });
    assert.equal(decrypt(bidstream, remainingTooLong, BID).status, 'InvalidTokenLifetime');
  });

  it('generated in the future: +31 min fails, +29 min and +30 min (+999 ms) pass', () => {
    const gen = (ms: number) =>
      decrypt(bidstream, token({ createdMs: NOW + ms, expiresMs: NOW + 2 * 3_600_000 }), BID).status;
    assert.equal(gen(31 * MIN), 'InvalidTokenLifetime');
    assert.equal(gen(29 * MIN), 'Success');
    assert.equal(gen(30 * MIN), 'Success');
    assert.equal(gen(30 * MIN + 999), 'Success');
    assert.equal(gen(30 * MIN + 1000), 'InvalidTokenLifetime');
    const sharingGen = token({ createdMs: NOW + 31 * MIN, expiresMs: NOW + 2 * 3_600_000 });
    assert.equal(
      decrypt(sharing, sharingGen, { nowMs: NOW, mode: 'sharing' }).status,
      'InvalidTokenLifetime',
    );
    assert.equal(decrypt(sharing, sharingGen, { nowMs: NOW, mode: 'legacy' }).status, 'Success');
  });

  it('v4 bytes re-encoded as standard base64 (with or without padding) still decrypt', () => {
    const t = token();
    const bytes = Buffer.from(t, 'base64url');
    const std = bytes.toString('base64');
    assert.ok(std.endsWith('='));
    for (const text of [std, std.replace(/=+$/, '')]) {
      const r = decrypt(bidstream, text, BID);
      assert.equal(r.status, 'Success');
      assert.equal(r.uid, EMAIL_RAW);
      assert.equal(r.version, 4);
    }
  });
});

describe('dispatch and key statuses', () => {
  it('NotInitialized without a container', () => {
    assert.deepEqual(decrypt(undefined, token(), BID), { status: 'NotInitialized' });
  });

  it('KeysNotSynced once every key has expired (checked before the token is read)', () => {
    assert.deepEqual(decrypt(bidstream, token(), { ...BID, nowMs: KEY_EXPIRES_S * 1000 }), {
      status: 'KeysNotSynced',
    });
    assert.equal(decrypt(bidstream, 'x', { ...BID, nowMs: KEY_EXPIRES_S * 1000 }).status, 'KeysNotSynced');
    assert.equal(decrypt(load({}), token(), BID).status, 'KeysNotSynced');
  });

  it('unknown master key → NotAuthorizedForMasterKey; unknown site key → NotAuthorizedForKey', () => {
    const siteOnly = load({ keys: [keyJson(SITE, REF_S)] });
    const masterOnly = load({ keys: [keyJson(MASTER, REF_S)] });
    assert.deepEqual(decrypt(siteOnly, token(), BID), {
      status: 'NotAuthorizedForMasterKey',
    });
    assert.deepEqual(decrypt(masterOnly, token(), BID), { status: 'NotAuthorizedForKey' });
    assert.equal(decrypt(siteOnly, token({ version: 2 }), BID).status, 'NotAuthorizedForMasterKey');
    assert.equal(decrypt(masterOnly, token({ version: 2 }), BID).status, 'NotAuthorizedForKey');
    // Keys are looked up by id whatever their activation window.
    const future = load({
      keys: [{ ...keyJson(MASTER, 2_000_000_000) }, { ...keyJson(SITE, 2_000_000_000) }],
    });
    assert.equal(decrypt(future, token(), { ...BID, mode: 'legacy' }).status, 'Success');
  });

  it('unknown version → VersionNotSupported; malformed → InvalidPayload', () => {
    const bytes = Buffer.from(token(), 'base64url');
    bytes[1] = 0x90;
    assert.deepEqual(decrypt(bidstream, bytes.toString('base64url'), BID), {
      status: 'VersionNotSupported',
    });
    assert.equal(decrypt(bidstream, 'AAAAAAAA', BID).status, 'VersionNotSupported');
    assert.equal(decrypt(bidstream, 'A4A', BID).status, 'InvalidPayload');
    assert.equal(decrypt(bidstream, '', BID).status, 'InvalidPayload');
    assert.equal(decrypt(bidstream, 'A4**AAAA', BID).status, 'InvalidPayload');
    const tampered = Buffer.from(token(), 'base64url');
    tampered[40] = (tampered[40] as number) ^ 1;
    assert.deepEqual(decrypt(bidstream, tampered.toString('base64url'), BID), {
      status: 'InvalidPayload',
    });
    const truncated = token().slice(0, 60);
    assert.equal(decrypt(bidstream, truncated, BID).status, 'InvalidPayload');
  });
});

describe('sharing encryption (§6.7)', () => {
  it('encrypt → decrypt round trip in sharing mode, with the reference output fields', () => {
    const r = encryptRawUidIntoToken(sharing, EMAIL_RAW, { nowMs: NOW });
    assert.equal(r.status, 'Success');
    const t = r.token as string;
    assert.equal(t.length, 218);
    assert.ok(t.startsWith('A4'));
    assert.deepEqual(decrypt(sharing, t, { nowMs: NOW, mode: 'sharing' }), {
      status: 'Success',
      uid: EMAIL_RAW,
      established: NOW,
      siteId: 9000,
      siteKeySiteId: 0,
      identityType: 'email',
      version: 4,
      isClientSideGenerated: false,
      expiry: NOW + 2592000_000,
    });
    const decoded = decodeAdvertisingToken(t, (id) => sharing.keysById.get(id));
    if (!decoded.ok) throw new Error(decoded.error.message);
    const d = decoded.value;
    assert.deepEqual(
      [
        d.masterKeyId,
        d.siteKeyId,
        d.createdMs,
        d.refreshedMs,
        d.establishedMs,
        d.privacyBits,
        d.publisherId,
        d.clientKeyId,
      ],
      [164, 165, NOW, NOW, NOW, 0, 0, 0],
    );
    assert.deepEqual(d.operator, { siteId: 0, type: 1, version: 0, keyId: 0 });
    assert.equal(d.scope, 'UID2');
  });

  it('type is phone iff the raw UID text starts with B or F; scope comes from the container', () => {
    const phone = encryptRawUidIntoToken(sharing, PHONE_RAW, { nowMs: NOW });
    assert.ok(phone.token?.startsWith('B4'));
    assert.equal(
      decrypt(sharing, phone.token as string, { nowMs: NOW, mode: 'sharing' }).identityType,
      'phone',
    );
    const euid = load({ ...sharingBody, identity_scope: 'EUID' });
    const euidPhone = encryptRawUidIntoToken(euid, 'FFOsW2SkK0egqbfyiALtpti5G/cG+PcEvjkoHl56rEV8', {
      nowMs: NOW,
    });
    assert.ok(euidPhone.token?.startsWith('F4'));
    assert.equal(sharingIdentityTypeOfRawUid('Q4bGug8t1xjsutKLCNjnb5fTlXSvIQukmahYDJeLBtk='), 'email');
    assert.equal(sharingIdentityTypeOfRawUid('EKCoNGWPYng/whjBIwANJHKvvGlGyzARtDIAk95FlJyb'), 'email');
    assert.equal(sharingIdentityTypeOfRawUid('pB6Eg5botwhLLFphcRBpvXm3GKfQESCociLw5e6WRT3o'), 'email');
    assert.equal(sharingIdentityTypeOfRawUid('BBGIG1IA/BbvTYkGWkqOxGtRIzRPQpVu+AR49ITbivzI'), 'phone');
    const euidEmail = encryptRawUidIntoToken(euid, 'EKCoNGWPYng/whjBIwANJHKvvGlGyzARtDIAk95FlJyb', {
      nowMs: NOW,
    });
    assert.ok(euidEmail.token?.startsWith('E4'));
  });

  it('preconditions in order: NotInitialized, KeysNotSynced, NotAuthorizedForMasterKey, NotAuthorizedForKey', () => {
    assert.deepEqual(encryptRawUidIntoToken(undefined, EMAIL_RAW, { nowMs: NOW }), {
      status: 'NotInitialized',
    });
    assert.deepEqual(encryptRawUidIntoToken(sharing, EMAIL_RAW, { nowMs: KEY_EXPIRES_S * 1000 }), {
      status: 'KeysNotSynced',
    });
    const { default_keyset_id: _d, ...noDefault } = sharingBody;
    assert.deepEqual(encryptRawUidIntoToken(load(noDefault), EMAIL_RAW, { nowMs: NOW }), {
      status: 'NotAuthorizedForKey',
    });
    assert.deepEqual(
      encryptRawUidIntoToken(load({ ...sharingBody, master_keyset_id: 5 }), EMAIL_RAW, { nowMs: NOW }),
      {
        status: 'NotAuthorizedForMasterKey',
      },
    );
    assert.deepEqual(encryptRawUidIntoToken(bidstream, EMAIL_RAW, { nowMs: NOW }), {
      status: 'NotAuthorizedForMasterKey',
    });
    // A default key that is not active yet is not usable.
    const notYet = load({
      ...sharingBody,
      keys: [keyJson(MASTER, REF_S, 1), keyJson(SITE, NOW / 1000 + 1, 99999)],
    });
    assert.deepEqual(encryptRawUidIntoToken(notYet, EMAIL_RAW, { nowMs: NOW }), {
      status: 'NotAuthorizedForKey',
    });
  });

  it('a raw UID that is empty or not base64 gives EncryptionFailure', () => {
    assert.deepEqual(encryptRawUidIntoToken(sharing, '', { nowMs: NOW }), { status: 'EncryptionFailure' });
    assert.deepEqual(encryptRawUidIntoToken(sharing, 'not base64!', { nowMs: NOW }), {
      status: 'EncryptionFailure',
    });
    const weird = load({ ...sharingBody, caller_site_id: 2 ** 40 });
    assert.deepEqual(encryptRawUidIntoToken(weird, EMAIL_RAW, { nowMs: NOW }), {
      status: 'EncryptionFailure',
    });
  });
});
