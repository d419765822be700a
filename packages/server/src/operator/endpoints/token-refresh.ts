import type { Buffer } from 'node:buffer';
import {
  type DecodedRefreshToken,
  decodeRefreshToken,
  encryptRefreshResponse,
  isOctetStreamContentType,
  unwrapRefreshToken,
  WRAPPED_REFRESH_TOKEN_LENGTH,
} from '@uid2-ts/core';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { isSnapshotStale, sendStale } from '../../lifecycle/staleness.js';
import { NoActiveKeyError } from '../../snapshot/keys.js';
import { isOptedOut } from '../../snapshot/snapshot.js';
import { authenticateOptional } from '../auth.js';
import type { OperatorContext } from '../context.js';
import { clientError, NO_ACTIVE_KEY_MESSAGE, sendJson, serverError } from '../responses.js';
import { issueIdentity, tokenResponseJson } from '../token-service.js';

/** Tokens established before 2021-03-08T17:00:00Z are treated as opted out ("deprecated"). */
export const DEPRECATED_BEFORE_MS = Date.UTC(2021, 2, 8, 17, 0, 0);

/**
 * POST /v2/token/refresh (no API key needed; a valid one makes errors more precise). The body is
 * the 388-character refresh token itself; any other length is read as a legacy raw refresh token
 * answered in plain JSON (api.md §5.3, tokens-and-keys.md §4.4).
 */
export function tokenRefresh(app: FastifyInstance, ctx: OperatorContext): void {
  app.post('/v2/token/refresh', async (request, reply) => {
    if (isSnapshotStale(ctx)) return sendStale(reply);
    const snapshot = ctx.snapshots.current;
    const nowMs = ctx.now();
    const authenticated = authenticateOptional(snapshot, request) !== undefined;
    const text = (request.body as Buffer | undefined)?.toString('utf8') ?? '';
    const keys = snapshot.keys;

    let decoded: ReturnType<typeof decodeRefreshToken>;
    let responseKey: Buffer | undefined;
    if (text.length === WRAPPED_REFRESH_TOKEN_LENGTH) {
      const unwrapped = unwrapRefreshToken(text, keys.getKey);
      if (!unwrapped.ok) return clientError(reply, unwrapped.error.message);
      responseKey = unwrapped.value.refreshResponseKey;
      decoded = decodeRefreshToken(unwrapped.value.innerToken, keys.getKey);
    } else {
      decoded = decodeRefreshToken(text, keys.getKey);
    }

    const fail = (status: 'invalid_token' | 'expired_token', message: string): FastifyReply =>
      authenticated
        ? sendJson(reply, 400, { status, message })
        : sendJson(reply, 400, { status: 'error', message: 'Error refreshing token' });

    const respond = (json: string): FastifyReply => {
      if (!responseKey) return reply.code(200).header('content-type', 'application/json').send(json);
      const blob = encryptRefreshResponse(responseKey, json);
      return isOctetStreamContentType(request.headers['content-type'])
        ? reply.code(200).header('content-type', 'application/octet-stream').send(blob)
        : reply.code(200).header('content-type', 'text/plain').send(blob.toString('base64'));
    };

    if (!decoded.ok) return fail('invalid_token', 'Invalid Token presented');
    const token: DecodedRefreshToken = decoded.value;
    if (token.scope !== ctx.settings.identity_scope) return fail('invalid_token', 'Invalid Token presented');
    if (token.establishedMs < DEPRECATED_BEFORE_MS) return respond('{"status":"optout"}');
    if (token.expiresMs < nowMs) return fail('expired_token', 'Expired Token presented');
    if (isOptedOut(snapshot, ctx.snapshots.optOuts, token.type, token.firstLevelHash, 'refresh')) {
      return respond('{"status":"optout"}');
    }
    try {
      const body = issueIdentity(
        ctx,
        snapshot,
        {
          siteId: token.siteId,
          type: token.type,
          firstLevelHash: token.firstLevelHash,
          privacyBits: token.privacyBits,
          establishedMs: token.establishedMs,
        },
        nowMs,
      );
      ctx.metrics.tokensGenerated.inc({ kind: 'refresh' });
      return respond(`{"status":"success","body":${tokenResponseJson(body)}}`);
    } catch (error) {
      if (!(error instanceof NoActiveKeyError)) throw error;
      request.log.error({ err: error }, 'no active key');
      return authenticated
        ? serverError(reply, NO_ACTIVE_KEY_MESSAGE)
        : sendJson(reply, 400, { status: 'error', message: 'Error refreshing token' });
    }
  });
}
