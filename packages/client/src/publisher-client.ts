import { Buffer } from 'node:buffer';
import {
  decryptRefreshResponse,
  fromBase64,
  OCTET_STREAM_CONTENT_TYPE,
  TEXT_PLAIN_CONTENT_TYPE,
} from '@uid2-ts/core';
import { Uid2Error } from './lib/errors.js';
import {
  type OperatorResponse,
  OperatorTransport,
  toOperatorResponse,
  type Uid2ClientOptions,
} from './lib/http.js';

/** Exactly one identity to generate a token for. Raw values are sent as given (normalized by the operator). */
export type TokenGenerateInput =
  | { readonly email: string }
  | { readonly phone: string }
  | { readonly emailHash: string }
  | { readonly phoneHash: string };

/** Extra `/v2/token/generate` request fields. */
export interface TokenGenerateOptions {
  /** TCF consent string; evaluated by EUID operators only. */
  readonly tcfConsentString?: string;
}

/** A UID2 identity as returned by generate and refresh (api.md §4). Times are epoch milliseconds. */
export interface IdentityTokens {
  readonly advertisingToken: string;
  /** The 388-character wrapped refresh token; the body of the next refresh request. */
  readonly refreshToken: string;
  /** When the advertising token expires. */
  readonly identityExpires: number;
  /** When the refresh token expires (after this the identity cannot be refreshed). */
  readonly refreshExpires: number;
  /** From when the identity should be refreshed. */
  readonly refreshFrom: number;
  /** Base64 AES key that decrypts the answer to the next refresh. */
  readonly refreshResponseKey: string;
}

/**
 * Outcome of generate/refresh: a new identity, or the user has opted out. `insufficient_user_consent`
 * comes only from EUID operators when the TCF string does not cover the required purposes.
 */
export type TokenResult =
  | { readonly status: 'success'; readonly identity: IdentityTokens }
  | { readonly status: 'optout' }
  | { readonly status: 'insufficient_user_consent' };

const GENERATE_PATH = '/v2/token/generate';
const REFRESH_PATH = '/v2/token/refresh';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a token response body (snake_case wire form) into {@link IdentityTokens}, or undefined if malformed. */
function identityFromBody(body: unknown): IdentityTokens | undefined {
  if (!isObject(body)) return undefined;
  const { advertising_token, refresh_token, identity_expires, refresh_expires, refresh_from } = body;
  const refresh_response_key = body['refresh_response_key'];
  if (
    typeof advertising_token !== 'string' ||
    typeof refresh_token !== 'string' ||
    typeof identity_expires !== 'number' ||
    typeof refresh_expires !== 'number' ||
    typeof refresh_from !== 'number' ||
    typeof refresh_response_key !== 'string'
  ) {
    return undefined;
  }
  return {
    advertisingToken: advertising_token,
    refreshToken: refresh_token,
    identityExpires: identity_expires,
    refreshExpires: refresh_expires,
    refreshFrom: refresh_from,
    refreshResponseKey: refresh_response_key,
  };
}

/**
 * Serializes an identity in the operator's snake_case form (what the browser SDK stores and
 * `/v2/token/generate` returns), e.g. to keep it in a session or hand it to the page.
 */
export function identityToJson(identity: IdentityTokens): string {
  return JSON.stringify({
    advertising_token: identity.advertisingToken,
    refresh_token: identity.refreshToken,
    identity_expires: identity.identityExpires,
    refresh_expires: identity.refreshExpires,
    refresh_from: identity.refreshFrom,
    refresh_response_key: identity.refreshResponseKey,
  });
}

/** Reads an identity written by {@link identityToJson} (or a token response `body`); undefined if invalid. */
export function identityFromJson(json: string | Record<string, unknown>): IdentityTokens | undefined {
  if (typeof json !== 'string') return identityFromBody(json);
  try {
    return identityFromBody(JSON.parse(json));
  } catch {
    return undefined;
  }
}

/** True once `refreshFrom` has been reached: the identity should be refreshed now (Java `isDueForRefresh`). */
export function isDueForRefresh(identity: IdentityTokens, nowMs: number = Date.now()): boolean {
  return nowMs >= identity.refreshFrom;
}

/** True while the refresh token is still valid (Java `isRefreshable`: `refreshExpires` is in the future). */
export function isRefreshable(identity: IdentityTokens, nowMs: number = Date.now()): boolean {
  return nowMs < identity.refreshExpires;
}

/** True once the advertising token has expired (it should not be sent to the bidstream any more). */
export function isIdentityExpired(identity: IdentityTokens, nowMs: number = Date.now()): boolean {
  return nowMs >= identity.identityExpires;
}

function wireInput(input: TokenGenerateInput): Record<string, string> {
  if ('email' in input) return { email: input.email };
  if ('phone' in input) return { phone: input.phone };
  if ('emailHash' in input) return { email_hash: input.emailHash };
  if ('phoneHash' in input) return { phone_hash: input.phoneHash };
  throw new TypeError('one of email, phone, emailHash, phoneHash is required');
}

/**
 * Server-side token generation and refresh for publishers (the reference `PublisherUid2Client`).
 * Needs a GENERATOR API key for generate; refresh works with any key.
 */
export class PublisherClient {
  readonly #transport: OperatorTransport;

  /** Creates a client for `baseUrl` with the publisher's API key and secret. */
  constructor(options: Uid2ClientOptions) {
    this.#transport = new OperatorTransport(options);
  }

  #result(path: string, response: OperatorResponse): TokenResult {
    if (response.status === 'optout') return { status: 'optout' };
    if (response.status === 'insufficient_user_consent') return { status: 'insufficient_user_consent' };
    if (response.status !== 'success') throw this.#transport.unexpectedStatus(path, response);
    const identity = identityFromBody(response.body);
    if (identity === undefined) {
      throw new Uid2Error({
        code: 'invalid_response',
        message: `${path}: token response body is missing fields`,
        path,
        httpStatus: 200,
      });
    }
    return { status: 'success', identity };
  }

  /**
   * Generates an identity for one email, phone number or hash (`POST /v2/token/generate`).
   * Resolves to `{ status: 'success', identity }` or `{ status: 'optout' }`; rejects with
   * {@link Uid2Error} for operator errors (e.g. HTTP 400 `client_error` "Invalid Identifier").
   */
  async generateToken(input: TokenGenerateInput, options: TokenGenerateOptions = {}): Promise<TokenResult> {
    const payload: Record<string, string> = wireInput(input);
    if (options.tcfConsentString !== undefined) payload['tcf_consent_string'] = options.tcfConsentString;
    return this.#result(GENERATE_PATH, await this.#transport.postEnvelope(GENERATE_PATH, payload));
  }

  /**
   * Refreshes an identity (`POST /v2/token/refresh`): posts the refresh token as the body and
   * decrypts the answer with the identity's `refreshResponseKey`. Resolves to a new identity or
   * `{ status: 'optout' }`; rejects with {@link Uid2Error} for `invalid_token` / `expired_token`
   * (HTTP 400) and other errors. Check {@link isRefreshable} first to avoid a pointless call.
   */
  async refreshToken(identity: IdentityTokens): Promise<TokenResult> {
    const path = REFRESH_PATH;
    const answer = await this.#transport.post(path, () => ({
      body: identity.refreshToken,
      contentType: TEXT_PLAIN_CONTENT_TYPE,
      state: undefined,
    }));
    if (answer.httpStatus !== 200) throw this.#transport.httpError(path, answer);
    let text: string | undefined;
    const key = fromBase64(identity.refreshResponseKey);
    if (key !== undefined && key.length === 32) {
      const isBinary = answer.contentType?.trim().toLowerCase() === OCTET_STREAM_CONTENT_TYPE;
      const blob = isBinary ? answer.bytes : fromBase64(answer.bytes.toString('latin1').trim());
      if (blob !== undefined) text = decryptRefreshResponse(key, blob);
    }
    // Legacy (non-388-character) refresh tokens get a plain JSON answer.
    if (text === undefined && answer.contentType?.toLowerCase().startsWith('application/json')) {
      text = Buffer.from(answer.bytes).toString('utf8');
    }
    let json: unknown;
    try {
      json = text === undefined ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    const response = toOperatorResponse(json);
    if (response === undefined) {
      throw new Uid2Error({
        code: 'invalid_response',
        message: `${path}: refresh response does not decrypt with the identity's refresh_response_key`,
        path,
        httpStatus: 200,
        attempts: answer.attempts,
      });
    }
    return this.#result(path, response);
  }
}
