import { Buffer } from 'node:buffer';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  fromBase64,
  OCTET_STREAM_CONTENT_TYPE,
  openResponseEnvelope,
  sealRequestEnvelope,
  TEXT_PLAIN_CONTENT_TYPE,
} from '@uid2-ts/core';
import { CLIENT_VERSION } from '../version.js';
import { Uid2Error } from './errors.js';

/** Retry policy for transient failures (HTTP 429 and 5xx, timeouts, network errors). */
export interface RetryOptions {
  /** Retries after the first attempt (default 3; 0 disables retrying). */
  readonly maxRetries?: number;
  /** First backoff delay in ms (default 250); doubles on each retry, with jitter. */
  readonly baseDelayMs?: number;
  /** Cap on one backoff delay, also applied to `Retry-After` (default 10,000 ms). */
  readonly maxDelayMs?: number;
}

/** Options shared by every client: where the operator is and the participant's credentials. */
export interface Uid2ClientOptions {
  /** Operator base URL, e.g. `https://prod.uidapi.com` or `http://127.0.0.1:8080`. */
  readonly baseUrl: string;
  /** The API key (sent as `Authorization: Bearer <apiKey>`). */
  readonly apiKey: string;
  /** The client secret: base64 of a 32-byte AES key (encrypts the v2 envelopes). */
  readonly secretKey: string;
  /** Timeout of one HTTP attempt, request and response body included (default 30,000 ms). */
  readonly timeoutMs?: number;
  /** Retry policy; see {@link RetryOptions}. */
  readonly retry?: RetryOptions;
  /** A `fetch` implementation to use instead of the global one (tests, proxies, instrumentation). */
  readonly fetch?: typeof fetch;
}

/** A decrypted operator answer: `{"status": …, "body": …, "message": …}`. */
export interface OperatorResponse {
  readonly status: string;
  readonly body: unknown;
  readonly message: string | undefined;
}

/** One HTTP request body as built for one attempt, with per-attempt state (e.g. the envelope nonce). */
interface AttemptBody<S> {
  readonly body: string | Uint8Array;
  readonly contentType: string;
  readonly state: S;
}

/** The raw answer of the last attempt. */
export interface RawAnswer<S> {
  readonly httpStatus: number;
  readonly contentType: string | null;
  readonly bytes: Buffer;
  readonly state: S;
  readonly attempts: number;
}

const RETRYABLE_HTTP = new Set([429, 500, 502, 503, 504]);
const DEFAULT_TIMEOUT_MS = 30_000;
/** The longest timeout `AbortSignal.timeout` accepts (2^32 − 1 ms, about 49.7 days). */
const MAX_TIMEOUT_MS = 4_294_967_295;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses an error body (`{"status":…,"message":…}`) leniently; plain-text bodies give the text as message. */
function describeErrorBody(bytes: Buffer): { status?: string; message?: string } {
  const text = bytes.toString('utf8');
  try {
    const json: unknown = JSON.parse(text);
    if (isObject(json)) {
      const out: { status?: string; message?: string } = {};
      if (typeof json['status'] === 'string') out.status = json['status'];
      if (typeof json['message'] === 'string') out.message = json['message'];
      return out;
    }
  } catch {
    // not JSON (e.g. 413 "Request Entity Too Large")
  }
  return text.length > 0 ? { message: text.slice(0, 500) } : {};
}

/** Turns a decrypted response JSON into an {@link OperatorResponse}, or undefined if it has no status. */
export function toOperatorResponse(json: unknown): OperatorResponse | undefined {
  if (!isObject(json) || typeof json['status'] !== 'string') return undefined;
  const message = json['message'];
  return {
    status: json['status'],
    body: json['body'],
    message: typeof message === 'string' ? message : undefined,
  };
}

/**
 * Shared HTTP layer of every client: bearer auth, `X-UID2-Client-Version`, per-attempt timeout
 * (`AbortSignal.timeout`), retries with exponential backoff and jitter on 429/5xx/timeouts/network
 * errors (honouring `Retry-After`), and the v2 envelope (sealed afresh for every attempt, so each
 * retry has a new timestamp and nonce; the response nonce is checked like the official SDKs do).
 */
export class OperatorTransport {
  readonly baseUrl: string;
  readonly #apiKey: string;
  readonly #secret: Buffer;
  readonly #timeoutMs: number;
  readonly #maxRetries: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #fetch: typeof fetch;

  constructor(options: Uid2ClientOptions) {
    if (typeof options.baseUrl !== 'string' || !/^https?:\/\//i.test(options.baseUrl)) {
      throw new TypeError('baseUrl must be an http(s) URL');
    }
    if (typeof options.apiKey !== 'string' || options.apiKey.length === 0) {
      throw new TypeError('apiKey is required');
    }
    // API keys are printable ASCII without spaces. Anything else could not go into the Authorization
    // header (fetch would refuse it on every attempt), and is usually a key copied with a newline.
    if (!/^[\x21-\x7e]+$/.test(options.apiKey)) {
      throw new TypeError(
        'apiKey may contain only printable ASCII characters and no spaces (check for a trailing newline or quotes)',
      );
    }
    const secret = typeof options.secretKey === 'string' ? fromBase64(options.secretKey) : undefined;
    if (secret === undefined || (secret.length !== 32 && secret.length !== 24 && secret.length !== 16)) {
      throw new TypeError('secretKey must be the base64 of a 32-byte key');
    }
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!(Number.isFinite(timeoutMs) && timeoutMs > 0 && timeoutMs <= MAX_TIMEOUT_MS)) {
      throw new RangeError(`timeoutMs must be a number of milliseconds in (0, ${MAX_TIMEOUT_MS}]`);
    }
    for (const name of ['maxRetries', 'baseDelayMs', 'maxDelayMs'] as const) {
      const value = options.retry?.[name];
      if (value !== undefined && !(Number.isFinite(value) && value >= 0)) {
        throw new RangeError(`retry.${name} must be a finite number ≥ 0`);
      }
    }
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#apiKey = options.apiKey;
    this.#secret = secret;
    this.#timeoutMs = timeoutMs;
    this.#maxRetries = Math.max(0, Math.floor(options.retry?.maxRetries ?? 3));
    this.#baseDelayMs = Math.max(0, options.retry?.baseDelayMs ?? 250);
    this.#maxDelayMs = Math.max(0, options.retry?.maxDelayMs ?? 10_000);
    this.#fetch = options.fetch ?? globalThis.fetch;
  }

  #backoffMs(retry: number, retryAfter: string | null): number {
    if (retryAfter !== null) {
      const seconds = Number(retryAfter);
      if (Number.isFinite(seconds) && seconds >= 0) return Math.min(this.#maxDelayMs, seconds * 1000);
    }
    const exp = Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** retry);
    return exp / 2 + Math.random() * (exp / 2);
  }

  /**
   * POSTs to `path`, building the body anew for each attempt, and returns the last answer. Throws
   * {@link Uid2Error} (`timeout`/`network`) when no attempt got an answer; non-2xx answers that are
   * not retried (or whose retries ran out) are returned for the caller to interpret.
   */
  async post<S>(path: string, build: () => AttemptBody<S>): Promise<RawAnswer<S>> {
    const url = this.baseUrl + path;
    for (let attempt = 0; ; attempt++) {
      const { body, contentType, state } = build();
      let res: Response;
      let bytes: Buffer;
      try {
        res = await this.#fetch(url, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${this.#apiKey}`,
            'content-type': contentType,
            'x-uid2-client-version': `uid2-client-node-${CLIENT_VERSION}`,
          },
          body,
          signal: AbortSignal.timeout(this.#timeoutMs),
        });
        bytes = Buffer.from(await res.arrayBuffer());
      } catch (cause) {
        const timedOut =
          cause instanceof Error && (cause.name === 'TimeoutError' || cause.name === 'AbortError');
        if (attempt < this.#maxRetries) {
          await sleep(this.#backoffMs(attempt, null));
          continue;
        }
        throw new Uid2Error({
          code: timedOut ? 'timeout' : 'network',
          message: timedOut
            ? `${path}: no answer within ${this.#timeoutMs} ms`
            : `${path}: request failed: ${cause instanceof Error ? cause.message : String(cause)}`,
          path,
          attempts: attempt + 1,
          cause,
        });
      }
      if (RETRYABLE_HTTP.has(res.status) && attempt < this.#maxRetries) {
        await sleep(this.#backoffMs(attempt, res.headers.get('retry-after')));
        continue;
      }
      return {
        httpStatus: res.status,
        contentType: res.headers.get('content-type'),
        bytes,
        state,
        attempts: attempt + 1,
      };
    }
  }

  /** Throws the {@link Uid2Error} for a non-200 answer, carrying the operator's status and message. */
  httpError(path: string, answer: RawAnswer<unknown>): Uid2Error {
    const { status, message } = describeErrorBody(answer.bytes);
    return new Uid2Error({
      code: 'http',
      message: `${path}: HTTP ${answer.httpStatus}${status ? ` ${status}` : ''}${message ? `: ${message}` : ''}`,
      path,
      httpStatus: answer.httpStatus,
      status,
      operatorMessage: message,
      attempts: answer.attempts,
    });
  }

  /**
   * Calls an enveloped endpoint: seals `payload` (an object, `""`/undefined for an empty request),
   * POSTs it (binary `application/octet-stream` when `binary`, else base64 text), opens the 200
   * answer and checks the nonce. Non-200 answers throw {@link Uid2Error} with the operator's
   * status and message.
   */
  async postEnvelope(
    path: string,
    payload: object | string | undefined,
    binary = false,
  ): Promise<OperatorResponse> {
    const answer = await this.post(path, () => {
      const sealed = sealRequestEnvelope(payload, this.#secret);
      return binary
        ? { body: sealed.envelope, contentType: OCTET_STREAM_CONTENT_TYPE, state: sealed.nonce }
        : {
            body: sealed.envelope.toString('base64'),
            contentType: TEXT_PLAIN_CONTENT_TYPE,
            state: sealed.nonce,
          };
    });
    if (answer.httpStatus !== 200) throw this.httpError(path, answer);
    const isBinary = answer.contentType?.trim().toLowerCase() === OCTET_STREAM_CONTENT_TYPE;
    const opened = openResponseEnvelope(
      isBinary ? answer.bytes : answer.bytes.toString('latin1').trim(),
      this.#secret,
      answer.state,
    );
    if (!opened.ok) {
      throw new Uid2Error({
        code: 'invalid_response',
        message: `${path}: ${opened.error.message}`,
        path,
        httpStatus: 200,
        attempts: answer.attempts,
      });
    }
    const response = toOperatorResponse(opened.value.json);
    if (response === undefined) {
      throw new Uid2Error({
        code: 'invalid_response',
        message: `${path}: response JSON has no status`,
        path,
        httpStatus: 200,
        attempts: answer.attempts,
      });
    }
    return response;
  }

  /** The error for a decrypted answer whose status the caller does not accept. */
  unexpectedStatus(path: string, response: OperatorResponse): Uid2Error {
    return new Uid2Error({
      code: 'unexpected_status',
      message: `${path}: unexpected status "${response.status}"${response.message ? `: ${response.message}` : ''}`,
      path,
      httpStatus: 200,
      status: response.status,
      operatorMessage: response.message,
    });
  }
}

/** Runs `tasks` with at most `limit` in flight; rejects with the first failure (others still settle). */
export async function runBounded<T>(tasks: ReadonlyArray<() => Promise<T>>, limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  let failed = false;
  let firstError: unknown;
  const worker = async (): Promise<void> => {
    while (!failed && next < tasks.length) {
      const i = next++;
      try {
        results[i] = await (tasks[i] as () => Promise<T>)();
      } catch (e) {
        if (!failed) {
          failed = true;
          firstError = e;
        }
      }
    }
  };
  const n = Math.max(1, Math.min(Math.floor(limit), tasks.length));
  await Promise.all(Array.from({ length: n }, worker));
  if (failed) throw firstError;
  return results;
}

/** Splits `items` into chunks of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
