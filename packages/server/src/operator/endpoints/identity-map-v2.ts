import type { FastifyInstance } from 'fastify';
import type { OperatorContext } from '../context.js';
import { badRequest, registerEnvelopeRoute, success } from '../envelope-route.js';
import { mapV2 } from '../identity-map/map-identities.js';
import { parseV2MapRequest } from '../identity-map/requests.js';

/**
 * POST /v2/identity/map (MAPPER; `handleIdentityMapV2`, api.md §6.1): one non-empty list among
 * email, email_hash, phone, phone_hash → `mapped` / `unmapped`. `link_id` is ignored: our API keys
 * have no service, and the reference only checks links for keys that do.
 */
export function identityMapV2(app: FastifyInstance, ctx: OperatorContext): void {
  registerEnvelopeRoute(app, ctx, {
    path: '/v2/identity/map',
    roles: ['MAPPER'],
    name: 'identity_map_v2',
    handle: ({ payload, nowMs, snapshot }) => {
      const input = parseV2MapRequest(payload, ctx.settings.phone_support);
      if (!input.ok) return badRequest(input.message);
      return success(
        mapV2(input.kind, input.values, {
          snapshot,
          optOuts: ctx.snapshots.optOuts,
          rawUid: ctx.rawUidOptions,
          nowMs,
        }),
      );
    },
  });
}
