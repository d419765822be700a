import type { FastifyInstance } from 'fastify';
import type { OperatorContext } from '../context.js';
import { badRequest, registerEnvelopeRoute, successAscii } from '../envelope-route.js';
import { appendMapV3List, type MapEnvironment, V3_ENTRY_SIZE_HINT } from '../identity-map/map-identities.js';
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
      const count =
        lists.email.length + lists.email_hash.length + lists.phone.length + lists.phone_hash.length;
      return successAscii(count * V3_ENTRY_SIZE_HINT + 64, (out) => {
        out.append('{"email":');
        appendMapV3List(out, 'email', lists.email, env);
        out.append(',"email_hash":');
        appendMapV3List(out, 'email_hash', lists.email_hash, env);
        out.append(',"phone":');
        appendMapV3List(out, 'phone', lists.phone, env);
        out.append(',"phone_hash":');
        appendMapV3List(out, 'phone_hash', lists.phone_hash, env);
        out.append('}');
      });
    },
  });
}
