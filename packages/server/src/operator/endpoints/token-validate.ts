import {
  currentRawUid,
  decodeAdvertisingToken,
  firstLevelHash,
  operatorViewOfTokenIdentity,
} from '@uid2-ts/core';
import type { FastifyInstance } from 'fastify';
import type { OperatorContext } from '../context.js';
import { badRequest, registerEnvelopeRoute, success } from '../envelope-route.js';
import { exactlyOneMessage, INVALID_IDENTIFIER_MESSAGE, singleIdentity } from '../identity-input.js';

/**
 * POST /v2/token/validate (GENERATOR): does `token` carry the raw UID of the given identity?
 * Mirrors `handleTokenValidateV2` / `UIDOperatorService.validateAdvertisingToken` (api.md §5.2):
 * identity rules and messages as generate; the raw UID from the bucket's current salt or key, with no
 * opt-out check; a token that does not decrypt with the operator keys (or whose raw UID disagrees
 * with its header) → 400 `Invalid token`; a token whose site key belongs to another site's keyset
 * → 400 `Unauthorised to validate token`; otherwise 200 with the bare boolean `true` or `false`.
 */
export function tokenValidate(app: FastifyInstance, ctx: OperatorContext): void {
  registerEnvelopeRoute(app, ctx, {
    path: '/v2/token/validate',
    roles: ['GENERATOR'],
    name: 'token_validate',
    handle: ({ client, payload, snapshot }) => {
      const id = singleIdentity(payload, ctx.settings.phone_support);
      if (!id.ok) {
        return badRequest(
          id.reason === 'missing'
            ? exactlyOneMessage(ctx.settings.phone_support)
            : INVALID_IDENTIFIER_MESSAGE,
        );
      }
      const flh = firstLevelHash(id.identity.hashB64, snapshot.salts.firstLevelSalt);
      const bucket = snapshot.salts.bucketOf(flh);
      const rawUid = currentRawUid(flh, bucket, id.identity.type, ctx.rawUidOptions);
      if (rawUid === undefined) {
        return {
          kind: 'error',
          httpStatus: 500,
          status: 'unknown',
          message: 'Unknown error while validating token',
        };
      }

      const token = payload?.token;
      const decoded =
        typeof token === 'string' ? decodeAdvertisingToken(token, snapshot.keys.getKey) : undefined;
      if (decoded === undefined || !decoded.ok || !operatorViewOfTokenIdentity(decoded.value).ok) {
        return badRequest('Invalid token');
      }
      const siteKey = snapshot.keys.getKey(decoded.value.siteKeyId);
      // The lookup returns the ring's KeysetKey objects; the keyset's owner is the token's site.
      const keyset =
        siteKey !== undefined && 'keysetId' in siteKey && typeof siteKey.keysetId === 'number'
          ? snapshot.keys.keyset(siteKey.keysetId)
          : undefined;
      if (keyset === undefined || keyset.siteId !== client.siteId) {
        return badRequest('Unauthorised to validate token');
      }
      // v3/v4 tokens: base64 of the raw UID bytes; v2 tokens: the embedded base64 text.
      return success(decoded.value.uid === rawUid);
    },
  });
}
