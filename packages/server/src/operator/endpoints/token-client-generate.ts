import { Buffer } from 'node:buffer';
import {
  CSTG_UNKNOWN_ERROR_MESSAGE,
  type CstgError,
  decryptCstgRequest,
  encryptCstgResponse,
  firstLevelHash,
  parseCstgRequestBody,
} from '@uid2-ts/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isSnapshotStale, sendStale } from '../../lifecycle/staleness.js';
import { NoActiveKeyError } from '../../snapshot/keys.js';
import { isOptedOut } from '../../snapshot/snapshot.js';
import type { OperatorContext } from '../context.js';
import { isAppNameAllowed, isOriginAllowed } from '../cstg/origin.js';
import { clientError, NO_ACTIVE_KEY_MESSAGE, sendJson, serverError, tooManyRequests } from '../responses.js';
import { issueIdentity, PRIVACY_CLIENT_SIDE } from '../token-service.js';

const EMPTY = Buffer.alloc(0);

function cstgFailure(request: FastifyRequest, reply: FastifyReply, error: CstgError): FastifyReply {
  if (error.detail) request.log.debug({ code: error.code, detail: error.detail }, 'cstg request refused');
  return sendJson(reply, error.httpStatus, { status: error.status, message: error.message });
}

/**
 * POST /v2/token/client-generate (no API key; registered only with `client_side_token_generate`):
 * the reference's `handleClientSideTokenGenerateImpl` (api.md §5.4). Checks in its order: JSON body,
 * subscription id (400 `bad subscription_id`), disabled key pair (401), origin or app name (403),
 * then the core's decryption checks 5–12; opted-out identities get an encrypted `{"status":"optout"}`,
 * others a token response with privacy bits 3 for the key pair's site. 200 bodies are
 * base64(IV ‖ AES-GCM(ECDH shared key, JSON) ‖ tag); errors are plain JSON. Requests naming a known
 * subscription id are rate limited per id (429), which the reference leaves to its edge.
 */
export function tokenClientGenerate(app: FastifyInstance, ctx: OperatorContext): void {
  if (!ctx.settings.client_side_token_generate) return;
  app.post('/v2/token/client-generate', async (request, reply) => {
    if (isSnapshotStale(ctx)) return sendStale(reply);
    const snapshot = ctx.snapshots.current;
    const parsed = parseCstgRequestBody((request.body as Buffer | undefined) ?? EMPTY);
    if (!parsed.ok) return cstgFailure(request, reply, parsed.error);
    const body = parsed.value;

    const keypair =
      body.subscription_id === undefined ? undefined : snapshot.keypairs.get(body.subscription_id);
    if (keypair === undefined) return clientError(reply, 'bad subscription_id');
    const nowMs = ctx.now();
    const wait = ctx.subscriptionLimiter.take(keypair.subscriptionId, nowMs);
    if (wait > 0) return tooManyRequests(reply, wait);
    if (keypair.disabled) return sendJson(reply, 401, { status: 'unauthorized', message: 'Unauthorized' });

    if (ctx.settings.client_side_token_generate_domain_name_check_enabled) {
      const site = snapshot.sites.get(keypair.siteId);
      if (body.app_name !== undefined) {
        if (!isAppNameAllowed(body.app_name, site?.appSet)) {
          return sendJson(reply, 403, { status: 'invalid_app_name', message: 'unexpected app name' });
        }
      } else if (!isOriginAllowed(request.headers.origin, site?.domainSet)) {
        return sendJson(reply, 403, { status: 'invalid_http_origin', message: 'unexpected http origin' });
      }
    }

    const decrypted = decryptCstgRequest(body, keypair.privateKey, {
      phoneSupport: ctx.settings.phone_support,
    });
    if (!decrypted.ok) return cstgFailure(request, reply, decrypted.error);
    const { identityType, hashB64, sharedKey } = decrypted.value;

    const flh = firstLevelHash(hashB64, snapshot.salts.firstLevelSalt);
    let response: object;
    if (isOptedOut(snapshot, ctx.snapshots.optOuts, identityType, flh, 'generate')) {
      response = { status: 'optout' };
    } else {
      try {
        const tokens = issueIdentity(
          ctx,
          snapshot,
          {
            siteId: keypair.siteId,
            type: identityType,
            firstLevelHash: flh,
            privacyBits: PRIVACY_CLIENT_SIDE,
            establishedMs: nowMs,
          },
          nowMs,
        );
        // Key order as the reference's HashMap serializes it.
        response = { body: tokens, status: 'success' };
      } catch (error) {
        request.log.error({ err: error }, 'client-generate failed');
        return serverError(
          reply,
          error instanceof NoActiveKeyError ? NO_ACTIVE_KEY_MESSAGE : CSTG_UNKNOWN_ERROR_MESSAGE,
        );
      }
      ctx.metrics.tokensGenerated.inc({ kind: 'client_generate' });
    }
    return reply
      .code(200)
      .header('content-type', 'text/plain')
      .send(encryptCstgResponse(sharedKey, response));
  });
}
