import type { FastifyError, FastifyInstance } from 'fastify';
import type { OperatorContext } from './context.js';
import { registerCors } from './cors.js';
import { healthcheck } from './endpoints/healthcheck.js';
import { identityBuckets } from './endpoints/identity-buckets.js';
import { identityMapV2 } from './endpoints/identity-map-v2.js';
import { identityMapV3 } from './endpoints/identity-map-v3.js';
import { keyBidstream } from './endpoints/key-bidstream.js';
import { keyLatest } from './endpoints/key-latest.js';
import { keySharing } from './endpoints/key-sharing.js';
import { optoutStatus } from './endpoints/optout-status.js';
import { tokenClientGenerate } from './endpoints/token-client-generate.js';
import { tokenGenerate } from './endpoints/token-generate.js';
import { tokenLogout } from './endpoints/token-logout.js';
import { tokenRefresh } from './endpoints/token-refresh.js';
import { tokenValidate } from './endpoints/token-validate.js';
import { NO_ACTIVE_KEY_MESSAGE, sendJson } from './responses.js';

/** Request bodies are capped at 1 MiB of raw HTTP body, like the reference. */
export const MAX_BODY_BYTES = 1 << 20;

/** Every operator endpoint, one module each (operator/endpoints/). */
const ENDPOINTS = [
  healthcheck,
  tokenGenerate,
  tokenRefresh,
  tokenValidate,
  tokenClientGenerate,
  tokenLogout,
  identityMapV2,
  identityMapV3,
  identityBuckets,
  optoutStatus,
  keySharing,
  keyBidstream,
  keyLatest,
] as const;

/**
 * The operator role as a Fastify plugin: raw-body parsing for every content type (bodies are never
 * form-decoded), CORS, the endpoints, and the reference's error shapes (413 plain text, 500 JSON).
 */
export async function operatorPlugin(app: FastifyInstance, ctx: OperatorContext): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES }, (_request, body, done) => {
    done(null, body);
  });
  // A missing or empty Content-Type is read as text, like the reference (Fastify would answer 415).
  app.addHook('onRequest', (request, _reply, done) => {
    const ct = request.headers['content-type'];
    if (ct === undefined || ct.trim() === '') request.headers['content-type'] = 'text/plain';
    done();
  });
  registerCors(app);
  app.addHook('onResponse', (request, reply, done) => {
    const endpoint = request.routeOptions.url ?? 'unmatched';
    ctx.metrics.recordRequest(endpoint, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || error.statusCode === 413) {
      return reply.code(413).header('content-type', 'text/plain').send('Request Entity Too Large');
    }
    if (error.name === 'NoActiveKeyError')
      return sendJson(reply, 500, { status: 'unknown', message: NO_ACTIVE_KEY_MESSAGE });
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return sendJson(reply, error.statusCode, { status: 'client_error', message: error.message });
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendJson(reply, 500, { status: 'unknown', message: 'Unknown error' });
  });
  for (const register of ENDPOINTS) register(app, ctx);
}
