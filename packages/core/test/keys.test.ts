import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import {
  accessibleKeys,
  buildKeyBidstreamBody,
  buildKeyLatestBody,
  buildKeySharingBody,
  canClientAccessKeyset,
  defaultKeysetOfSite,
  getActiveDefaultKey,
  getActiveMasterKey,
  isDomainOrAppNameAllowedForSite,
  isKeyContainerValid,
  type KeyContainer,
  type KeyEndpointInput,
  type Keyset,
  type KeysetKey,
  keysetsById,
  MASTER_KEYSET_ID_FOR_SDKS,
  parseKeyContainer,
  type SiteNames,
  selectActiveKey,
} from '@uid2-ts/core';
import { vector } from './vectors.js';

const NOW_MS = 1_700_000_000_000;
const MASTER_B64 = 'iyXxrRJcJOilqBcSJsN7XKCIuShbraXdqBCppCaLCJs=';
const SITE_B64 = 'IPsHwoSa+lbKdGgdg8CL1zCkC0HibqcObDP+fUEYF4U=';

function mustParse(json: unknown): KeyContainer {
  const result = parseKeyContainer(json);
  if (!result.ok) throw new Error(`parse failed: ${result.error.code} ${result.error.message}`);
  return result.value;
}

function parseError(json: unknown): { code: string; message: string } {
  const result = parseKeyContainer(json);
  assert.equal(result.ok, false);
  return (result as { ok: false; error: { code: string; message: string } }).error;
}

describe('parseKeyContainer: reference vectors', () => {
  const parserVector = vector('key_containers', 'key parser vector');

  it('key-parser vector: master key 2, default key 3, no domain without site_data', () => {
    const c = mustParse({ body: parserVector.input });
    assert.equal(parserVector.expected['master_key_id'], 2);
    assert.equal(getActiveMasterKey(c, NOW_MS)?.id, 2);
    assert.equal(getActiveDefaultKey(c, NOW_MS)?.id, 3);
    assert.equal(isDomainOrAppNameAllowedForSite(c, 11, 'example.com'), false);
    assert.equal(isDomainOrAppNameAllowedForSite(c, 0, ''), false);
    assert.equal(c.format, 'keyset');
    assert.equal(c.callerSiteId, 11);
    assert.equal(c.masterKeysetId, 1);
    assert.equal(c.defaultKeysetId, 99999);
    assert.equal(c.tokenExpirySeconds, 1728000);
    assert.equal(c.identityScope, 'UID2');
    assert.equal(c.maxBidstreamLifetimeSeconds, Number.POSITIVE_INFINITY);
    assert.equal(c.maxSharingLifetimeSeconds, Number.POSITIVE_INFINITY);
    assert.equal(c.allowClockSkewSeconds, 1800);
    assert.equal(c.latestKeyExpiryMs, 1893457000 * 1000);
    const key3 = c.keysById.get(3);
    assert.deepEqual(key3 && { ...key3, secret: key3.secret.toString('base64') }, {
      id: 3,
      keysetId: 99999,
      siteId: 0,
      created: 1609459200,
      activates: 1609459210,
      expires: 1893456000,
      secret: 'o8HsvkwJ5Ulnrd0uui3GpukpwDapj+JLqb7qfN/GJKo=',
    });
  });

  it('key-parser vector: before activation there is no master or default key', () => {
    const c = mustParse(parserVector.input);
    assert.equal(getActiveMasterKey(c, 1609459219_000), undefined);
    assert.equal(getActiveDefaultKey(c, 1609459219_000)?.id, 3);
    assert.equal(getActiveMasterKey(c, 1609459220_000)?.id, 2);
    // activates ≤ now < expires: the default key stops at its expiry second.
    assert.equal(getActiveDefaultKey(c, 1893455999_999)?.id, 3);
    assert.equal(getActiveDefaultKey(c, 1893456000_000), undefined);
  });

  it('token_expiry_seconds as a string or a number', () => {
    const asString = mustParse({ body: { ...parserVector.input, token_expiry_seconds: '1728000' } });
    const asNumber = mustParse({ body: { ...parserVector.input, token_expiry_seconds: 1728000 } });
    assert.equal(asString.tokenExpirySeconds, 1728000);
    assert.equal(asNumber.tokenExpirySeconds, 1728000);
    assert.equal(
      mustParse({ body: { ...parserVector.input, token_expiry_seconds: '0' } }).tokenExpirySeconds,
      2592000,
    );
    const { token_expiry_seconds: _omitted, ...withoutExpiry } = parserVector.input;
    assert.equal(mustParse({ body: withoutExpiry }).tokenExpirySeconds, 2592000);
    assert.equal(
      mustParse({ body: { ...parserVector.input, token_expiry_seconds: null } }).tokenExpirySeconds,
      2592000,
    );
  });

  it('sharing container from the SDK tests: encryption keys 164 and 165', () => {
    const v = vector('key_containers', 'sharing key container');
    const keys = (v.input['keys'] as Array<Record<string, unknown>>).map((k) => ({
      ...k,
      created: 1672534861,
      activates: 1672534861,
      expires: 1672534861 + 20 * 365 * 86400,
    }));
    const c = mustParse({ body: { ...v.input, keys } });
    assert.equal(getActiveMasterKey(c, NOW_MS)?.id, v.expected['encryption_master_key_id']);
    assert.equal(getActiveDefaultKey(c, NOW_MS)?.id, v.expected['encryption_site_key_id']);
    assert.equal(c.callerSiteId, 9000);
    assert.equal(c.maxSharingLifetimeSeconds, 2592000);
    assert.equal(c.allowClockSkewSeconds, 1800);
    assert.equal(c.keysById.get(164)?.secret.toString('base64'), MASTER_B64);
    assert.equal(c.keysById.get(165)?.secret.toString('base64'), SITE_B64);
  });

  it('bidstream container from the SDK tests: site_data, unknown fields ignored, decrypt-only keys', () => {
    const v = vector('key_containers', 'bidstream key container');
    const c = mustParse({
      status: 'success',
      unexpected_header_field: 12345,
      body: {
        ...v.input,
        unexpected_body_field: { x: [1, 2] },
        identity_scope: 'UID2',
        keys: [
          {
            id: 164,
            created: 1672534861,
            activates: 1672534861,
            expires: 2303254861,
            secret: MASTER_B64,
            unexpected: 1,
          },
          { id: 165, created: 1672448461, activates: 1672448461, expires: 2303254861, secret: SITE_B64 },
        ],
        site_data: [...(v.input['site_data'] as unknown[]), { id: 0, domain_names: ['ignored.example'] }],
      },
    });
    assert.equal(c.maxBidstreamLifetimeSeconds, 259200);
    assert.equal(c.keysById.size, 2);
    assert.equal(c.keysByKeyset.size, 0);
    assert.equal(c.keysById.get(164)?.keysetId, 0);
    assert.equal(getActiveMasterKey(c, NOW_MS), undefined);
    assert.equal(isDomainOrAppNameAllowedForSite(c, 9000, 'example.com'), true);
    assert.equal(isDomainOrAppNameAllowedForSite(c, 9000, 'EXAMPLE.org'), true);
    assert.equal(isDomainOrAppNameAllowedForSite(c, 9000, 'com.123.game.app.ANDROID'), true);
    assert.equal(isDomainOrAppNameAllowedForSite(c, 9000, '123456789'), true);
    assert.equal(isDomainOrAppNameAllowedForSite(c, 9000, 'sub.example.com'), false);
    assert.equal(isDomainOrAppNameAllowedForSite(c, 9000, 'example.net'), false);
    assert.equal(isDomainOrAppNameAllowedForSite(c, 2, 'example.net'), true);
    assert.equal(isDomainOrAppNameAllowedForSite(c, 2, 'example.com'), false);
    assert.equal(isDomainOrAppNameAllowedForSite(c, 9000, undefined), false);
    assert.equal(isDomainOrAppNameAllowedForSite(c, 9000, null), false);
    assert.equal(isDomainOrAppNameAllowedForSite(c, 0, 'ignored.example'), false);
    assert.deepEqual([...c.siteNames.keys()], [9000, 2]);
  });
});

describe('parseKeyContainer: defaults, shapes and errors', () => {
  const key = { id: 7, keyset_id: 5, created: 100, activates: 100, expires: 200, secret: SITE_B64 };

  it('applies the §6.6 defaults to an empty body', () => {
    const c = mustParse({ body: {} });
    assert.equal(c.callerSiteId, 0);
    assert.equal(c.masterKeysetId, 0);
    assert.equal(c.defaultKeysetId, 0);
    assert.equal(c.tokenExpirySeconds, 2592000);
    assert.equal(c.identityScope, 'UID2');
    assert.equal(c.allowClockSkewSeconds, 1800);
    assert.equal(c.keysById.size, 0);
    assert.equal(c.latestKeyExpiryMs, Number.NEGATIVE_INFINITY);
    assert.equal(isKeyContainerValid(c, 0), false);
  });

  it('identity_scope selects EUID only for the exact string "EUID"', () => {
    assert.equal(mustParse({ identity_scope: 'EUID' }).identityScope, 'EUID');
    assert.equal(mustParse({ identity_scope: 'euid' }).identityScope, 'UID2');
    assert.equal(mustParse({ identity_scope: 'UID2' }).identityScope, 'UID2');
    assert.equal(mustParse({ identity_scope: 1 }).identityScope, 'UID2');
  });

  it('accepts the body alone, the whole response, or JSON text; numeric strings everywhere', () => {
    const text = JSON.stringify({
      body: { caller_site_id: '42', keys: [{ ...key, id: '7', expires: '200' }] },
    });
    const c = mustParse(text);
    assert.equal(c.callerSiteId, 42);
    assert.equal(c.keysById.get(7)?.expires, 200);
    assert.equal(mustParse({ caller_site_id: 43 }).callerSiteId, 43);
    assert.equal(c.latestKeyExpiryMs, 200_000);
    assert.equal(isKeyContainerValid(c, 199_999), true);
    assert.equal(isKeyContainerValid(c, 200_000), false);
  });

  it('parses the legacy /v2/key/latest array body, keeping site_id', () => {
    const c = mustParse({
      body: [{ id: 7, site_id: 9000, created: 100, activates: 100, expires: 200, secret: SITE_B64 }],
    });
    assert.equal(c.format, 'legacy');
    assert.equal(c.keysById.get(7)?.siteId, 9000);
    assert.equal(c.keysById.get(7)?.keysetId, 0);
    assert.equal(c.identityScope, 'UID2');
    assert.equal(c.maxBidstreamLifetimeSeconds, Number.POSITIVE_INFINITY);
    assert.equal(mustParse([]).format, 'legacy');
  });

  it('groups keys by positive keyset id, sorted by activation; later duplicate ids win the id index', () => {
    const c = mustParse({
      keys: [
        { ...key, id: 1, activates: 150 },
        { ...key, id: 2, activates: 120 },
        { ...key, id: 3, keyset_id: 0 },
        { ...key, id: 4, keyset_id: -1 },
        { ...key, id: 1, activates: 110, expires: 300 },
      ],
    });
    assert.deepEqual(
      c.keysByKeyset.get(5)?.map((k) => [k.id, k.activates]),
      [
        [1, 110],
        [2, 120],
        [1, 150],
      ],
    );
    assert.deepEqual([...c.keysByKeyset.keys()], [5]);
    assert.equal(c.keysById.get(1)?.activates, 110);
    assert.equal(c.keysById.size, 4);
    assert.equal(c.latestKeyExpiryMs, 300_000);
  });

  it('returns typed errors for malformed input', () => {
    assert.equal(parseError('{not json').code, 'invalid_json');
    assert.equal(parseError(42).code, 'invalid_body');
    assert.equal(parseError(null).code, 'invalid_body');
    assert.equal(parseError({ body: null }).code, 'invalid_body');
    assert.equal(parseError({ body: 'x' }).code, 'invalid_body');
    assert.deepEqual(parseError({ caller_site_id: 'abc' }), {
      code: 'invalid_field',
      message: 'body: "caller_site_id" must be an integer or a decimal string',
    });
    assert.equal(parseError({ caller_site_id: 1.5 }).code, 'invalid_field');
    assert.equal(parseError({ max_sharing_lifetime_seconds: true }).code, 'invalid_field');
    assert.equal(parseError({ keys: {} }).code, 'invalid_field');
    assert.deepEqual(parseError({ keys: [{ ...key, id: undefined }] }), {
      code: 'invalid_field',
      message: 'keys[0]: "id" is required',
    });
    assert.equal(parseError({ keys: [key, 5] }).code, 'invalid_key');
    assert.deepEqual(parseError({ keys: [{ ...key, secret: 'not base64!' }] }), {
      code: 'invalid_key',
      message: 'keys[0]: "secret" is not valid base64',
    });
    assert.equal(parseError({ keys: [{ ...key, secret: 'AAAA' }] }).code, 'invalid_key');
    assert.equal(parseError({ keys: [{ ...key, secret: 12 }] }).code, 'invalid_key');
    assert.equal(parseError([{ ...key }]).code, 'invalid_field'); // legacy keys need site_id
    assert.equal(parseError({ site_data: {} }).code, 'invalid_site_data');
    assert.equal(parseError({ site_data: [{ id: 3 }] }).code, 'invalid_site_data');
    assert.equal(parseError({ site_data: [{ id: 3, domain_names: [{}] }] }).code, 'invalid_site_data');
    assert.equal(parseError({ site_data: [7] }).code, 'invalid_site_data');
  });
});

describe('selectActiveKey (§5.2)', () => {
  const k = (id: number, activates: number, expires: number) => ({ id, activates, expires });

  it('takes the latest activated key that is not expired, walking back', () => {
    const keys = [k(1, 100, 1000), k(2, 300, 400), k(3, 200, 1000), k(4, 900, 2000)];
    assert.equal(selectActiveKey(keys, 350_000)?.id, 2);
    assert.equal(selectActiveKey(keys, 500_000)?.id, 3); // 2 expired: walk back to 3
    assert.equal(selectActiveKey(keys, 899_999)?.id, 3); // 4 not yet active
    assert.equal(selectActiveKey(keys, 900_000)?.id, 4);
    assert.equal(selectActiveKey(keys, 99_999), undefined);
    assert.equal(selectActiveKey(keys, 2_000_000), undefined);
    assert.equal(selectActiveKey(keys, 1_999_999, 'operator')?.id, 4);
    assert.equal(selectActiveKey<{ activates: number; expires: number }>([], 1), undefined);
  });

  it('ties on activation go to the later key in input order', () => {
    assert.equal(selectActiveKey([k(1, 100, 1000), k(2, 100, 1000)], 500_000)?.id, 2);
  });
});

describe('canClientAccessKeyset (§5.1)', () => {
  const ks = (over: Partial<Keyset>): Keyset => ({
    keysetId: 10,
    siteId: 101,
    name: 'k',
    allowedSites: [],
    created: 0,
    enabled: true,
    isDefault: false,
    ...over,
  });
  const sharer = { siteId: 101, roles: ['SHARER'] };
  const other = { siteId: 102, roles: ['SHARER'] };
  const reader = { siteId: 102, roles: ['ID_READER'] };

  it('master keyset always; otherwise enabled and owned, listed, or null-list for ID_READER', () => {
    assert.equal(canClientAccessKeyset(ks({ keysetId: -1, siteId: -1, enabled: false }), other), true);
    assert.equal(canClientAccessKeyset(ks({}), sharer), true);
    assert.equal(canClientAccessKeyset(ks({ enabled: false }), sharer), false);
    assert.equal(canClientAccessKeyset(ks({}), other), false);
    assert.equal(canClientAccessKeyset(ks({ allowedSites: [102] }), other), true);
    assert.equal(canClientAccessKeyset(ks({ allowedSites: [102], enabled: false }), other), false);
    assert.equal(canClientAccessKeyset(ks({ allowedSites: null }), other), false);
    assert.equal(canClientAccessKeyset(ks({ allowedSites: null }), reader), true);
    assert.equal(canClientAccessKeyset(ks({ allowedSites: [] }), reader), false);
    assert.equal(canClientAccessKeyset(ks({ allowedSites: null, enabled: false }), reader), false);
    assert.equal(canClientAccessKeyset(undefined, reader), false);
  });
});

describe('operator key-endpoint bodies', () => {
  const secret = Buffer.alloc(32, 7);
  const secretB64 = secret.toString('base64');
  const keyset = (
    keysetId: number,
    siteId: number,
    allowedSites: number[] | null,
    isDefault = false,
    enabled = true,
  ) =>
    ({
      keysetId,
      siteId,
      name: `ks${keysetId}`,
      allowedSites,
      created: 1,
      enabled,
      isDefault,
    }) satisfies Keyset;
  const keysets: Keyset[] = [
    keyset(-1, -1, null),
    keyset(-2, -2, null),
    keyset(2, 2, null, true),
    keyset(10, 101, [102], true),
    keyset(11, 101, null),
    keyset(20, 102, [101], true),
    keyset(21, 103, null, true),
    keyset(22, 104, [101], false, false),
    keyset(23, 105, []),
  ];
  const key = (id: number, keysetId: number): KeysetKey => ({
    id,
    keysetId,
    created: 1000 + id,
    activates: 2000 + id,
    expires: 3000 + id,
    secret,
  });
  // Deliberately unsorted: the endpoints list keys in ascending id order.
  const keys = [
    key(7, 21),
    key(1, -1),
    key(2, -2),
    key(3, 2),
    key(5, 11),
    key(4, 10),
    key(6, 20),
    key(8, 22),
  ];
  keys.push(key(9, 23), key(10, 99));
  const sites: SiteNames[] = [
    { id: 101, domainNames: ['b.example', 'a.example', 'b.example'], appNames: ['com.app.one'] },
    { id: 102, domainNames: [], appNames: ['com.app.two', '123'] },
    { id: 2, domainNames: ['fallback.example'] },
    { id: 103, domainNames: ['c.example'] },
  ];
  const json = (id: number, extra: Record<string, number> = {}) => ({
    id,
    created: 1000 + id,
    activates: 2000 + id,
    expires: 3000 + id,
    secret: secretB64,
    ...extra,
  });
  const sharerInput: KeyEndpointInput = { keys, keysets, sites, caller: { siteId: 101, roles: ['SHARER'] } };
  const sharingConfig = { identityScope: 'UID2', sharingTokenExpirySeconds: 2592000 } as const;

  it('accessibleKeys drops refresh keys, unknown keysets and inaccessible keysets; sorts by id', () => {
    const map = keysetsById(keysets);
    assert.deepEqual(
      accessibleKeys(keys, map, { siteId: 101, roles: ['SHARER'] }).map((k) => k.id),
      [1, 4, 5, 6],
    );
    assert.deepEqual(
      accessibleKeys(keys, map, { siteId: 101, roles: ['SHARER', 'ID_READER'] }).map((k) => k.id),
      [1, 3, 4, 5, 6, 7],
    );
  });

  it('/v2/key/sharing for a SHARER with a default keyset (CSTG off)', () => {
    const body = buildKeySharingBody(sharerInput, sharingConfig);
    assert.deepEqual(body, {
      caller_site_id: 101,
      master_keyset_id: 9999999,
      default_keyset_id: 10,
      token_expiry_seconds: '2592000',
      max_sharing_lifetime_seconds: 2592010,
      identity_scope: 'UID2',
      allow_clock_skew_seconds: 1800,
      keys: [
        json(1, { keyset_id: 9999999 }),
        json(4, { keyset_id: 10 }),
        json(5, { keyset_id: 11 }),
        json(6),
      ],
    });
    assert.equal(MASTER_KEYSET_ID_FOR_SDKS, 9999999);
    assert.ok(
      JSON.stringify(body).startsWith(
        '{"caller_site_id":101,"master_keyset_id":9999999,"default_keyset_id":10,"token_expiry_seconds":"2592000",' +
          '"max_sharing_lifetime_seconds":2592010,"identity_scope":"UID2","allow_clock_skew_seconds":1800,"keys":[{',
      ),
    );
    assert.equal(
      JSON.stringify(body.keys[0]),
      `{"id":1,"created":1001,"activates":2001,"expires":3001,"secret":"${secretB64}","keyset_id":9999999}`,
    );
  });

  it('/v2/key/sharing: site_data only with CSTG, sorted and de-duplicated; app names when configured', () => {
    const withCstg = buildKeySharingBody(sharerInput, {
      ...sharingConfig,
      cstgEnabled: true,
      allowClockSkewSeconds: 60,
    });
    assert.equal(withCstg.allow_clock_skew_seconds, 60);
    assert.deepEqual(withCstg.site_data, [{ id: 101, domain_names: ['a.example', 'b.example'] }]);
    const withApps = buildKeySharingBody(sharerInput, {
      ...sharingConfig,
      cstgEnabled: true,
      provideAppNames: true,
    });
    assert.deepEqual(withApps.site_data, [
      { id: 101, domain_names: ['a.example', 'b.example', 'com.app.one'] },
      { id: 102, domain_names: ['123', 'com.app.two'] },
    ]);
    assert.equal(Object.keys(withApps).at(-1), 'site_data');
  });

  it('/v2/key/sharing for an ID_READER without a default keyset: no default_keyset_id, no max lifetime', () => {
    const body = buildKeySharingBody(
      { keys, keysets, sites, caller: { siteId: 201, roles: ['ID_READER'] } },
      {
        identityScope: 'EUID',
        sharingTokenExpirySeconds: 3600,
        maxSharingLifetimeSeconds: 7200,
        cstgEnabled: true,
      },
    );
    assert.deepEqual(body, {
      caller_site_id: 201,
      master_keyset_id: 9999999,
      token_expiry_seconds: '3600',
      identity_scope: 'EUID',
      allow_clock_skew_seconds: 1800,
      keys: [json(1, { keyset_id: 9999999 }), json(3), json(5), json(7)],
      site_data: [
        { id: 2, domain_names: ['fallback.example'] },
        { id: 101, domain_names: ['a.example', 'b.example'] },
        { id: 103, domain_names: ['c.example'] },
      ],
    });
    const sharer = buildKeySharingBody(
      { keys, keysets, caller: { siteId: 201, roles: ['SHARER'] } },
      { identityScope: 'UID2', sharingTokenExpirySeconds: 3600, maxSharingLifetimeSeconds: 7200 },
    );
    assert.equal(sharer.max_sharing_lifetime_seconds, 7210);
    assert.equal('default_keyset_id' in sharer, false);
  });

  it('two enabled default keysets for the caller site are an error, as in the operator', () => {
    assert.throws(
      () => defaultKeysetOfSite([keyset(10, 101, null, true), keyset(12, 101, null, true)], 101),
      /Multiple default keysets/,
    );
    assert.equal(defaultKeysetOfSite([keyset(10, 101, null, true, false)], 101), undefined);
    assert.equal(defaultKeysetOfSite(keysets, 102)?.keysetId, 20);
  });

  it('/v2/key/bidstream: lifetime + 10, keys without keyset_id, site_data', () => {
    const body = buildKeyBidstreamBody(
      { keys, keysets, sites, caller: { siteId: 101, roles: ['ID_READER'] } },
      { identityScope: 'UID2', maxBidstreamLifetimeSeconds: 259200, cstgEnabled: true },
    );
    assert.deepEqual(body, {
      max_bidstream_lifetime_seconds: 259210,
      identity_scope: 'UID2',
      allow_clock_skew_seconds: 1800,
      keys: [json(1), json(3), json(4), json(5), json(6), json(7)],
      site_data: [
        { id: 2, domain_names: ['fallback.example'] },
        { id: 101, domain_names: ['a.example', 'b.example'] },
        { id: 103, domain_names: ['c.example'] },
      ],
    });
    const noCstg = buildKeyBidstreamBody(
      { keys, keysets, caller: { siteId: 101, roles: ['ID_READER'] } },
      { identityScope: 'UID2', maxBidstreamLifetimeSeconds: 3600 },
    );
    assert.deepEqual(Object.keys(noCstg), [
      'max_bidstream_lifetime_seconds',
      'identity_scope',
      'allow_clock_skew_seconds',
      'keys',
    ]);
  });

  it('/v2/key/latest: a bare array with each key owner site', () => {
    const body = buildKeyLatestBody({
      keys,
      keysets: keysetsById(keysets),
      caller: { siteId: 101, roles: ['ID_READER'] },
    });
    assert.deepEqual(body, [
      json(1, { site_id: -1 }),
      json(3, { site_id: 2 }),
      json(4, { site_id: 101 }),
      json(5, { site_id: 101 }),
      json(6, { site_id: 102 }),
      json(7, { site_id: 103 }),
    ]);
  });

  it('a sharing body round-trips through parseKeyContainer', () => {
    const body = buildKeySharingBody(sharerInput, { ...sharingConfig, cstgEnabled: true });
    const c = mustParse(JSON.parse(JSON.stringify({ status: 'success', body })));
    assert.equal(c.masterKeysetId, 9999999);
    assert.equal(c.defaultKeysetId, 10);
    assert.equal(c.tokenExpirySeconds, 2592000);
    assert.equal(c.maxSharingLifetimeSeconds, 2592010);
    assert.equal(getActiveMasterKey(c, 2500_000)?.id, 1);
    assert.equal(getActiveDefaultKey(c, 2500_000)?.id, 4);
    assert.equal(c.keysById.get(6)?.keysetId, 0);
    assert.equal(isDomainOrAppNameAllowedForSite(c, 101, 'A.Example'), true);
  });
});
