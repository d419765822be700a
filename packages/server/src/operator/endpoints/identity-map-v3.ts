import type { FastifyInstance } from 'fastify';
import type { OperatorContext } from '../context.js';
import { badRequest, registerEnvelopeRoute, success } from '../envelope-route.js';
import { type MapEnvironment, mapV3List } from '../identity-map/map-identities.js';
import { parseV3MapRequest } from '../identity-map/requests.js';

/**
 * POST /v3/identity/map (MAPPER; `handleIdentityMapV3`, api.md §6.2): any of the four lists, mixed;
 * the body always has all four arrays, index-aligned with the request. Strict input like the
 * reference's Jackson binding (so `link_id` is an unknown key → 400 `Incorrect request format`).
 */
export function identityMapV3(app: FastifyInstance, ctx: OperatorContext): void {
  registerEnvelopeRoute(app, ctx, {
    path: '/v3/identity/map',
    roles: ['MAPPER'],
    name: 'identity_map_v3',
    handle: ({ payload, nowMs, snapshot }) => {
      const input = parseV3MapRequest(payload, ctx.settings.phone_support);
      if (!input.ok) return badRequest(input.message);
      const env: MapEnvironment = {
        snapshot,
        optOuts: ctx.snapshots.optOuts,
        rawUid: ctx.rawUidOptions,
        nowMs,
      };
      const { lists } = input;
      return success({
        email: mapV3List('email', lists.email, env),
        email_hash: mapV3List('email_hash', lists.email_hash, env),
        phone: mapV3List('phone', lists.phone, env),
        phone_hash: mapV3List('phone_hash', lists.phone_hash, env),
      });
    },
  });
}
