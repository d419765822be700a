// Test helpers: a real operator process-in-process on an OS-assigned port, and a small v2 client
// built on @uid2-ts/core (the same envelope code the Node SDK uses).
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openResponseEnvelope, sealRequestEnvelope } from '@uid2-ts/core';
import {
  loadRuntimeSettings,
  type RunningSystem,
  type RuntimeSettings,
  type Store,
  startSystem,
} from '@uid2-ts/server';
import pino from 'pino';

interface FixtureClient {
  site_id: number;
  name: string;
  roles: string[];
  key: string;
  secret: string;
}
const vectors = JSON.parse(
  readFileSync(new URL('../../../core/test/fixtures/vectors.json', import.meta.url), 'utf8'),
) as { categories: Record<string, Array<{ name: string; expected: Record<string, unknown> }>> };
const participants = vectors.categories.local_test_participants_and_credentials?.[0]?.expected as {
  clients: FixtureClient[];
  client_side_keypairs: Array<{
    subscription_id: string;
    public_key: string;
    private_key: string;
    site_id: number;
  }>;
};

/** The reference's public test credentials (loaded with --fixtures reference). */
export const FIXTURE = {
  all: participants.clients.find((c) => c.site_id === 999) as FixtureClient,
  dsp: participants.clients.find((c) => c.site_id === 123) as FixtureClient,
  publisher: participants.clients.find((c) => c.site_id === 124) as FixtureClient,
  dataProvider: participants.clients.find((c) => c.site_id === 125) as FixtureClient,
  advertiser: participants.clients.find((c) => c.name === 'Advertiser') as FixtureClient,
  optout: participants.clients.find((c) => c.site_id === 127) as FixtureClient,
  keypair: participants.client_side_keypairs[0] as {
    subscription_id: string;
    public_key: string;
    private_key: string;
    site_id: number;
  },
};

export interface TestOperator {
  readonly baseUrl: string;
  readonly system: RunningSystem;
  readonly dataDir: string;
  close(): Promise<void>;
}

/** Starts an operator with the reference fixtures and 1,024 salt buckets (fast to bootstrap). */
export async function startTestOperator(
  options: {
    settings?: Partial<RuntimeSettings>;
    fixtures?: boolean;
    dataDir?: string;
    /** Also run the portal role (on an OS-assigned port; `system.urls.portal`). */
    portal?: boolean;
    logger?: pino.Logger;
  } = {},
): Promise<TestOperator> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'uid2-test-'));
  const settings = loadRuntimeSettings({
    env: {},
    overrides: { salt_bucket_count: 1024, ...options.settings },
  });
  const system = await startSystem({
    host: '127.0.0.1',
    port: 0,
    metricsPort: null,
    roles: options.portal ? ['operator', 'portal'] : ['operator'],
    portalPort: options.portal ? 0 : null,
    fixtures: options.fixtures === false ? undefined : 'reference',
    settings,
    logger: options.logger ?? pino({ level: 'silent' }),
    dataDir,
    pollIntervalMs: 100,
  });
  const baseUrl = system.urls.operator;
  if (!baseUrl) throw new Error('operator did not start');
  return {
    baseUrl,
    system,
    dataDir,
    async close() {
      await system.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface V2Response {
  readonly httpStatus: number;
  readonly contentType: string | null;
  /** The decrypted JSON of a 200, or the plain JSON of an error (undefined if not JSON). */
  readonly json: Record<string, unknown> | undefined;
  readonly text: string;
}

/** Calls an enveloped endpoint as the official SDKs do (base64 text, or binary on request). */
export async function v2Call(
  baseUrl: string,
  path: string,
  payload: object | string | undefined,
  credentials: { key: string; secret: string },
  options: { binary?: boolean; contentType?: string; nowMs?: number } = {},
): Promise<V2Response> {
  const secret = Buffer.from(credentials.secret, 'base64');
  const sealed = sealRequestEnvelope(
    payload,
    secret,
    options.nowMs === undefined ? {} : { nowMs: options.nowMs },
  );
  const res = await fetch(baseUrl + path, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${credentials.key}`,
      'content-type':
        options.contentType ??
        (options.binary ? 'application/octet-stream' : 'application/x-www-form-urlencoded'),
    },
    body: options.binary ? sealed.envelope : sealed.envelope.toString('base64'),
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  const contentType = res.headers.get('content-type');
  if (res.status === 200) {
    const opened = openResponseEnvelope(
      contentType === 'application/octet-stream' ? bytes : bytes.toString('latin1'),
      secret,
      sealed.nonce,
    );
    if (!opened.ok) throw new Error(`response does not decrypt: ${opened.error.message}`);
    return {
      httpStatus: 200,
      contentType,
      json: opened.value.json as Record<string, unknown>,
      text: opened.value.text,
    };
  }
  const text = bytes.toString('utf8');
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { httpStatus: res.status, contentType, json, text };
}

/** A raw POST (no envelope), e.g. for refresh and client-generate. */
export async function rawPost(
  baseUrl: string,
  path: string,
  body: string | Uint8Array,
  headers: Record<string, string> = {},
): Promise<{ httpStatus: number; contentType: string | null; bytes: Buffer; text: string }> {
  const res = await fetch(baseUrl + path, { method: 'POST', headers, body });
  const bytes = Buffer.from(await res.arrayBuffer());
  return {
    httpStatus: res.status,
    contentType: res.headers.get('content-type'),
    bytes,
    text: bytes.toString('utf8'),
  };
}

/**
 * Adds an API key straight to the store (as admin would) and returns its credentials. Operators see
 * it after their next snapshot refresh (`op.system.snapshots.refresh()`).
 */
export async function addTestClient(
  store: Store,
  siteId: number,
  roles: string[],
): Promise<{ key: string; secret: string }> {
  const keyId = `UID2-C-L-${siteId}-${randomBytes(6).toString('hex').slice(0, 6)}`;
  const key = `${keyId}.${randomBytes(28).toString('base64')}`;
  const secret = randomBytes(32);
  const salt = randomBytes(32);
  await store.upsertClientKey({
    keyId,
    keyHash: createHash('sha512')
      .update(Buffer.concat([salt, Buffer.from(key)]))
      .digest('base64'),
    keySalt: salt.toString('base64'),
    secret,
    name: `test client ${keyId}`,
    contact: 'test',
    siteId,
    roles,
    disabled: false,
    serviceId: 0,
    created: Math.floor(Date.now() / 1000),
  });
  return { key, secret: secret.toString('base64') };
}
