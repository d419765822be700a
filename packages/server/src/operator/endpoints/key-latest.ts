import type { FastifyInstance } from 'fastify';
import { FALLBACK_SITE_ID } from '../../snapshot/keys.js';
import type { OperatorContext } from '../context.js';
import { registerEnvelopeRoute } from '../envelope-route.js';
import { KeyBodyCache } from '../keys/key-bodies.js';

/**
 * POST /v2/key/latest (ID_READER; legacy `handleKeysRequestV2`, api.md §7.3): a bare array of the
 * accessible keys, each with its keyset's `site_id`. Callers whose site id is not above 2
 * (`SiteUtil.isValidSiteId`) get 401 `invalid_client`, after the envelope has been opened, as in
 * the reference. The request JSON is ignored; bodies are cached per snapshot and caller.
 */
export function keyLatest(app: FastifyInstance, ctx: OperatorContext): void {
  const bodies = new KeyBodyCache('latest', ctx.settings);
  registerEnvelopeRoute(app, ctx, {
    path: '/v2/key/latest',
    roles: ['ID_READER'],
    name: 'key_latest',
    handle: ({ client, nowMs, snapshot }) => {
      if (client.siteId <= FALLBACK_SITE_ID) {
        return {
          kind: 'error',
          httpStatus: 401,
          status: 'invalid_client',
          message: `Unexpected client site id ${client.siteId}`,
        };
      }
      return bodies.respond(snapshot, client, nowMs);
    },
  });
}
