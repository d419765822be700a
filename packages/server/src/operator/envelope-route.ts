import type { Buffer } from 'node:buffer';
import {
  envelopeWireBody,
  isOctetStreamContentType,
  openRequestEnvelope,
  sealResponseEnvelope,
  sealResponsePlaintext,
} from '@uid2-ts/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isSnapshotStale, sendStale } from '../lifecycle/staleness.js';
import type { Client } from '../snapshot/clients.js';
import { NoActiveKeyError } from '../snapshot/keys.js';
import type { OperatorSnapshot } from '../snapshot/snapshot.js';
import type { Role } from '../store/types.js';
import { AsciiBody } from './ascii-body.js';
import { authorize } from './auth.js';
import type { OperatorContext } from './context.js';
import {
  clientError,
  NO_ACTIVE_KEY_MESSAGE,
  sendJson,
  serverError,
  tooManyRequests,
  unauthorized,
} from './responses.js';

/** What an endpoint handler gets: the authenticated client and the decrypted request. */
export interface EnvelopeRequest {
  readonly client: Client;
  /** The request JSON object; undefined when the envelope carried no JSON (16-byte plaintext). */
  readonly payload: Record<string, unknown> | undefined;
  readonly nowMs: number;
  readonly snapshot: OperatorSnapshot;
  readonly request: FastifyRequest;
}

/** What an endpoint answers. Only `success` and `status` (HTTP 200) are encrypted. */
export type EndpointResult =
  | {
      readonly kind: 'success';
      readonly body: unknown;
      /** The body already serialized (cached responses); used instead of `JSON.stringify(body)`. */
      readonly bodyJson?: string;
    }
  /** A success whose body the endpoint wrote as ASCII JSON into a plaintext built in place. */
  | { readonly kind: 'success-ascii'; readonly write: (out: AsciiBody) => void; readonly sizeHint: number }
  | { readonly kind: 'status'; readonly status: 'optout' | 'insufficient_user_consent' }
  | {
      readonly kind: 'error';
      readonly httpStatus: number;
      readonly status: string;
      readonly message?: string;
    }
  /** A plain-text error, like the reference's framework answers (e.g. 500 `Internal Server Error`). */
  | { readonly kind: 'text'; readonly httpStatus: number; readonly text: string };

export const success = (body: unknown): EndpointResult => ({ kind: 'success', body });
/** A success whose body is already JSON text (e.g. a cached key-endpoint body). */
export const successJson = (bodyJson: string): EndpointResult => ({
  kind: 'success',
  body: undefined,
  bodyJson,
});
/**
 * A success whose (large, ASCII-only) body JSON `write` appends to the response plaintext directly,
 * saving the string join, UTF-8 encoding and copy of building it as one string first.
 */
export const successAscii = (sizeHint: number, write: (out: AsciiBody) => void): EndpointResult => ({
  kind: 'success-ascii',
  write,
  sizeHint,
});
export const badRequest = (message: string): EndpointResult => ({
  kind: 'error',
  httpStatus: 400,
  status: 'client_error',
  message,
});

export interface EnvelopeRouteOptions {
  readonly path: string;
  readonly roles: readonly Role[];
  /** Metric label, e.g. `token_generate`. */
  readonly name: string;
  readonly handle: (req: EnvelopeRequest) => EndpointResult | Promise<EndpointResult>;
}

/**
 * Registers a POST endpoint that speaks the v2 envelope: API-key auth and role check first (401
 * `{"status":"unauthorized"}`), per-key rate limit, then envelope decryption with the caller's
 * secret (400 with the reference's messages), then the handler. 200 answers are sealed with the
 * caller's secret and the request nonce, as base64 text or raw bytes mirroring the request.
 */
export function registerEnvelopeRoute(
  app: FastifyInstance,
  ctx: OperatorContext,
  options: EnvelopeRouteOptions,
): void {
  app.post(options.path, async (request: FastifyRequest, reply: FastifyReply) => {
    if (isSnapshotStale(ctx)) return sendStale(reply);
    const snapshot = ctx.snapshots.current;
    const client = authorize(snapshot, request, options.roles);
    if (!client) return unauthorized(reply);
    const nowMs = ctx.now();
    const wait = ctx.apiKeyLimiter.take(client.keyId, nowMs);
    if (wait > 0) return tooManyRequests(reply, wait);
    const body = request.body as Buffer | undefined;
    const binary = isOctetStreamContentType(request.headers['content-type']);
    const opened = openRequestEnvelope(body, {
      secret: client.secret,
      nowMs,
      scope: ctx.settings.identity_scope,
      binary,
    });
    if (!opened.ok) return clientError(reply, opened.error.message);
    let result: EndpointResult;
    let asciiBody: AsciiBody | undefined;
    try {
      result = await options.handle({ client, payload: opened.value.payload, nowMs, snapshot, request });
      if (result.kind === 'success-ascii') {
        asciiBody = new AsciiBody(result.sizeHint + 32);
        asciiBody.append('{"status":"success","body":');
        result.write(asciiBody);
        asciiBody.append('}');
      }
    } catch (error) {
      if (error instanceof NoActiveKeyError) {
        request.log.error({ err: error }, 'no active key');
        return serverError(reply, NO_ACTIVE_KEY_MESSAGE);
      }
      throw error;
    }
    if (result.kind === 'text') {
      return reply.code(result.httpStatus).header('content-type', 'text/plain').send(result.text);
    }
    if (result.kind === 'error') {
      return sendJson(
        reply,
        result.httpStatus,
        result.message === undefined
          ? { status: result.status }
          : { status: result.status, message: result.message },
      );
    }
    let sealed: Buffer;
    if (asciiBody !== undefined) {
      sealed = sealResponsePlaintext(asciiBody.plaintext(), opened.value.nonce, client.secret, { nowMs });
      asciiBody.recycle();
    } else {
      sealed = sealResponseEnvelope(responseJson(result), opened.value.nonce, client.secret, { nowMs });
    }
    const wire = envelopeWireBody(sealed, opened.value.binary);
    return reply.code(200).header('content-type', wire.contentType).send(wire.body);
  });
}

/** The JSON text of an encrypted (HTTP 200) answer that is not written in place. */
function responseJson(result: EndpointResult): string {
  switch (result.kind) {
    case 'success':
      return `{"status":"success","body":${result.bodyJson ?? JSON.stringify(result.body)}}`;
    case 'status':
      return JSON.stringify({ status: result.status });
    default:
      throw new Error(`no JSON for a '${result.kind}' result`);
  }
}
