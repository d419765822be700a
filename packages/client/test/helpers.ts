// Shared test helpers for the SDK tests: expected raw UIDs from the live operator's snapshot, a fetch
// wrapper that records requests and can inject failures, and a tiny key-container server.
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  currentRawUid,
  firstLevelHash,
  hashIdentityInput,
  type IdentityInputKind,
  openRequestEnvelope,
  sealResponseEnvelope,
} from '@uid2-ts/core';
import type { TestOperator } from '../../server/test/helpers/operator.js';

export type Creds = { key: string; secret: string };

/** `{ baseUrl, apiKey, secretKey }` for a fixture client. */
export function clientOptions(op: TestOperator | string, creds: Creds) {
  return {
    baseUrl: typeof op === 'string' ? op : op.baseUrl,
    apiKey: creds.key,
    secretKey: creds.secret,
  };
}

/** The raw UID2 the operator derives for an identity (current salt), computed from its snapshot. */
export function expectedRawUid(op: TestOperator, kind: IdentityInputKind, value: string): string {
  const snapshot = op.system.snapshots.current;
  const id = hashIdentityInput(kind, value);
  if (!id) throw new Error('invalid identity');
  const flh = firstLevelHash(id.hashB64, snapshot.salts.firstLevelSalt);
  const raw = currentRawUid(flh, snapshot.salts.bucketOf(flh), id.type, {
    scope: 'UID2',
    identityV3: false,
    environment: 'prod',
  });
  if (!raw) throw new Error('no raw UID');
  return raw;
}

export interface RecordedRequest {
  readonly url: string;
  readonly headers: Headers;
  readonly contentType: string | null;
}

/**
 * A fetch that records every request and answers the first `failures` requests itself with
 * `failStatus` (e.g. 429/503) before passing requests through to the real fetch.
 */
export function recordingFetch(
  options: { failures?: number; failStatus?: number; retryAfter?: string } = {},
) {
  const requests: RecordedRequest[] = [];
  let failuresLeft = options.failures ?? 0;
  const fn: typeof fetch = async (input, init) => {
    const headers = new Headers(init?.headers);
    requests.push({ url: String(input), headers, contentType: headers.get('content-type') });
    if (failuresLeft > 0) {
      failuresLeft--;
      const h: Record<string, string> = { 'content-type': 'application/json' };
      if (options.retryAfter !== undefined) h['retry-after'] = options.retryAfter;
      return new Response(JSON.stringify({ status: 'unknown', message: 'try later' }), {
        status: options.failStatus ?? 503,
        headers: h,
      });
    }
    return fetch(input, init);
  };
  return { fetch: fn, requests };
}

interface VectorFile {
  categories: Record<string, Array<{ input: Record<string, unknown>; expected: Record<string, unknown> }>>;
}
export const vectors = JSON.parse(
  readFileSync(new URL('../../core/test/fixtures/vectors.json', import.meta.url), 'utf8'),
) as VectorFile;

/** The SDK test key material shared by the Java/.NET/Python SDK tests. */
export const SDK_KEYS = (() => {
  const e = vectors.categories['sdk_shared_keys_and_encodings']?.[0]?.expected as {
    master_key: { id: number; secret_b64: string };
    site_key: { id: number; secret_b64: string };
    SITE_ID: number;
    client_secret_b64: string;
  };
  return e;
})();

/**
 * A stand-in operator that only serves a key container: any POST is opened as a v2 envelope with
 * `secret` and answered `{"status":"success","body": <body>}` sealed for the request's nonce.
 */
export class KeyFixtureServer {
  body: Record<string, unknown>;
  hits = 0;
  readonly #server: Server;
  readonly #secret: Buffer;
  #url = '';

  constructor(secretB64: string, body: Record<string, unknown>) {
    this.body = body;
    this.#secret = Buffer.from(secretB64, 'base64');
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.hits++;
        const opened = openRequestEnvelope(Buffer.concat(chunks), {
          secret: this.#secret,
          nowMs: Date.now(),
          binary: req.headers['content-type'] === 'application/octet-stream',
        });
        if (!opened.ok) {
          res.writeHead(400, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ status: 'client_error', message: opened.error.message }));
          return;
        }
        const sealed = sealResponseEnvelope(
          JSON.stringify({ status: 'success', body: this.body }),
          opened.value.nonce,
          this.#secret,
        );
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(sealed.toString('base64'));
      });
    });
  }

  get url(): string {
    return this.#url;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.#url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
