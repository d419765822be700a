import type { FastifyInstance } from 'fastify';
import type { OperatorContext } from '../context.js';
import { registerEnvelopeRoute } from '../envelope-route.js';
import { KeyBodyCache } from '../keys/key-bodies.js';

/**
 * POST /v2/key/bidstream (ID_READER; `handleKeysBidstream`, api.md §7.2): the bidstream lifetime
 * (+10 s), scope, clock skew, the accessible keys without `keyset_id` and `site_data` when CSTG is
 * on. The request JSON is ignored; bodies are cached per snapshot and caller.
 */
export function keyBidstream(app: FastifyInstance, ctx: OperatorContext): void {
  const bodies = new KeyBodyCache('bidstream', ctx.settings);
  registerEnvelopeRoute(app, ctx, {
    path: '/v2/key/bidstream',
    roles: ['ID_READER'],
    name: 'key_bidstream',
    handle: ({ client, nowMs, snapshot }) => bodies.respond(snapshot, client, nowMs),
  });
}
