import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

const BASE_HEADERS = [
  'X-UID2-Client-Version',
  'Access-Control-Request-Method',
  'Access-Control-Allow-Credentials',
  'Access-Control-Allow-Origin',
  'Access-Control-Allow-Headers',
  'Content-Type',
].join(', ');
const WITH_AUTHORIZATION = `${BASE_HEADERS}, Authorization`;

/** Paths whose preflight allows the Authorization header (reference: only token/validate). */
const AUTHORIZATION_PATHS = new Set(['/v2/token/validate']);

/**
 * The reference's CORS policy (api.md §13): every Origin is reflected (with `Vary: Origin`), on every
 * response including errors; preflights get 204 with the allowed methods and headers before any
 * authentication runs; `Authorization` is allowed only for /v2/token/validate.
 */
export function registerCors(app: FastifyInstance): void {
  app.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const origin = request.headers.origin;
    if (typeof origin === 'string' && origin !== '') {
      reply.header('access-control-allow-origin', origin);
      reply.header('vary', 'Origin');
    }
    done();
  });
  app.options('/*', async (request, reply) => {
    if (request.headers['access-control-request-method'] === undefined) return reply.code(404).send();
    const path = request.url.split('?')[0] ?? '';
    return reply
      .code(204)
      .header('access-control-allow-methods', 'GET, POST, OPTIONS')
      .header(
        'access-control-allow-headers',
        AUTHORIZATION_PATHS.has(path) ? WITH_AUTHORIZATION : BASE_HEADERS,
      )
      .send();
  });
}
