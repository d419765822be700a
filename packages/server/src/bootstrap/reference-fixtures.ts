// TEST FIXTURES — the reference operator's public local test credentials (uid2-operator
// src/main/resources/com.uid2.core/test/…). They are well known and must never be loaded outside an
// explicit test mode (`uid2 serve --fixtures reference`).
import type { ClientType, Role } from '../store/types.js';

export interface FixtureClient {
  readonly siteId: number;
  readonly name: string;
  readonly roles: readonly (Role | string)[];
  readonly key: string;
  readonly secret: string;
}

export const REFERENCE_CLIENTS: readonly FixtureClient[] = [
  {
    siteId: 999,
    name: 'Special',
    roles: [
      'MAPPER',
      'GENERATOR',
      'ID_READER',
      'SHARER',
      'OPTOUT_CHECKER',
      'THIS_IS_NOT_A_REAL_ROLE',
      'OPTOUT',
    ],
    key: 'UID2-C-L-999-fCXrMM.fsR3mDqAXELtWWMS+xG1s7RdgRTMqdOH2qaAo=',
    secret: 'DzBzbjTJcYL0swDtFs2krRNu+g1Eokm2tBU4dEuD0Wk=',
  },
  {
    siteId: 123,
    name: 'DSP',
    roles: ['ID_READER'],
    key: 'UID2-C-L-123-t32pCM.5NCX1E94UgOd2f8zhsKmxzCoyhXohHYSSWR8U=',
    secret: 'FsD4bvtjMkeTonx6HvQp6u0EiI1ApGH4pIZzZ5P7UcQ=',
  },
  {
    siteId: 124,
    name: 'Publisher',
    roles: ['GENERATOR'],
    key: 'UID2-C-L-124-H8VwqX.l2G4TCuUWYAqdqkeG/UqtFoPEoXirKn4kHWxc=',
    secret: 'NcMgi6Y8C80SlxvV7pYlfcvEIo+2b0508tYQ3pKK8HM=',
  },
  {
    siteId: 125,
    name: 'Data Provider',
    roles: ['MAPPER', 'SHARER'],
    key: 'UID2-C-L-125-E5w9L8.T5og45yFqQeoj4ubh9IVqXcaSVwk7A5XyG958=',
    secret: '3YAgjckHGQyBgSFj64ZsLf8WlUnvrQhLKuG7rljp6W4=',
  },
  {
    siteId: 126,
    name: 'Advertiser',
    roles: ['MAPPER'],
    key: 'UID2-C-L-126-GMP9tD.jn2o3vmXzn7vmKRlTT6BEUrPUaPJuQmDBdq38=',
    secret: '1ydXM0rEj+ROUazVpZjNZOGu2T5+f/BIiBfnK8xGh/A=',
  },
  {
    siteId: 127,
    name: 'OptOut',
    roles: ['OPTOUT'],
    key: 'UID2-C-L-127-aHVydH.JlZnVzZWRmYXN0ZW5lbXliYWdpZGVudGl0eWU=',
    secret: 'c3VpdG9wcG9zaXRlaW1hZ2Vsb29rc2ltcGxlc3RmaXI=',
  },
  {
    siteId: 126,
    name: 'AWS Venice',
    roles: ['MAPPER'],
    key: 'UID2-C-L-126-Tv40pS./TtagASU9S0tIqDyBSh283pla4mDyHBZvw+OQ=',
    secret: 'qcWPpOZmlH2C0xRkdir+7Y+5hhgW1MicOhcqC8y2w8o=',
  },
];

export const REFERENCE_KEYPAIRS = [
  {
    subscriptionId: '4WvryDGbR5',
    siteId: 123,
    publicKey:
      'UID2-X-L-MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEtXJdTSZAYHvoRDWiehMHoWF1BNPuqLs5w2ZHiAZ1IJc7O4/z0ojPTB0V+KYX/wxQK0hxx6kxCvHj335eI/ZQsQ==',
    privateKey:
      'UID2-Y-L-MEECAQAwEwYHKoZIzj0CAQYIKoZIzj0DAQcEJzAlAgEBBCC5kOSRVD+qhAZqf0L4LGbmAhdy5HpIptwXE72jxhwo6w==',
  },
] as const;

export interface FixtureSite {
  readonly id: number;
  readonly name: string;
  readonly clientTypes: readonly ClientType[];
  readonly domainNames: readonly string[];
  readonly appNames: readonly string[];
  /** Keyset id of the site's default keyset (the reference's own where it has one). */
  readonly keysetId: number;
  readonly allowedSites: readonly number[] | null;
}

/** Every fixture site, 999 included (the reference has no record for it), with a default keyset. */
export const REFERENCE_SITES: readonly FixtureSite[] = [
  {
    id: 123,
    name: 'MegaTest Site',
    clientTypes: ['DSP'],
    domainNames: ['localhost', 'uidapi.com'],
    appNames: ['com.123.Game.App.android', '123456789', 'com.123.Game.App.ios', 'com.uid2.devapp'],
    keysetId: 501,
    allowedSites: null,
  },
  {
    id: 124,
    name: 'TestCorp Site',
    clientTypes: ['PUBLISHER'],
    domainNames: [],
    appNames: [],
    keysetId: 1241,
    allowedSites: null,
  },
  {
    id: 125,
    name: 'LoremTestIpsum Site',
    clientTypes: ['DATA_PROVIDER'],
    domainNames: [],
    appNames: [],
    keysetId: 1251,
    allowedSites: null,
  },
  {
    id: 126,
    name: 'AWS Venice',
    clientTypes: ['ADVERTISER'],
    domainNames: [],
    appNames: [],
    keysetId: 1261,
    allowedSites: null,
  },
  {
    id: 127,
    name: 'App Name Test Site',
    clientTypes: ['PUBLISHER'],
    domainNames: ['example.com', 'unifiedid.com'],
    appNames: ['com.UID2.operator.TEST', '13456789'],
    keysetId: 901,
    allowedSites: null,
  },
  {
    id: 999,
    name: 'Special',
    clientTypes: ['PUBLISHER', 'ADVERTISER', 'DATA_PROVIDER', 'DSP'],
    domainNames: ['localhost'],
    appNames: [],
    keysetId: 9991,
    allowedSites: null,
  },
];
