import type { FastifyInstance } from 'fastify';
import type { OperatorContext } from '../context.js';
import { registerEnvelopeRoute } from '../envelope-route.js';
import { KeyBodyCache } from '../keys/key-bodies.js';

/**
 * POST /v2/key/sharing (SHARER or ID_READER; `handleKeysSharing`, api.md §7.1): the caller's site,
 * master keyset 9999999, its default keyset, `token_expiry_seconds` as a string, the sharing
 * lifetime (SHARER only), scope, clock skew, the accessible keys and `site_data` when CSTG is on.
 * The request JSON is ignored; bodies are cached per snapshot and caller.
 */
export function keySharing(app: FastifyInstance, ctx: OperatorContext): void {
  const bodies = new KeyBodyCache('sharing', ctx.settings);
  registerEnvelopeRoute(app, ctx, {
    path: '/v2/key/sharing',
    roles: ['SHARER', 'ID_READER'],
    name: 'key_sharing',
    handle: ({ client, nowMs, snapshot }) => bodies.respond(snapshot, client, nowMs),
  });
}
