import { firstLevelHash } from '@uid2-ts/core';
import type { FastifyInstance } from 'fastify';
import { isOptedOut } from '../../snapshot/snapshot.js';
import type { OperatorContext } from '../context.js';
import { badRequest, registerEnvelopeRoute, successJson } from '../envelope-route.js';
import { exactlyOneMessage, INVALID_IDENTIFIER_MESSAGE, singleIdentity } from '../identity-input.js';
import { checkTcfConsent } from '../tcf.js';
import { issueIdentity, PRIVACY_SERVER_SIDE, tokenResponseJson } from '../token-service.js';

/** POST /v2/token/generate (GENERATOR): a new identity for an email, phone or hash (api.md §5.1). */
export function tokenGenerate(app: FastifyInstance, ctx: OperatorContext): void {
  registerEnvelopeRoute(app, ctx, {
    path: '/v2/token/generate',
    roles: ['GENERATOR'],
    name: 'token_generate',
    handle: ({ client, payload, nowMs, snapshot }) => {
      const id = singleIdentity(payload, ctx.settings.phone_support);
      if (!id.ok) {
        return badRequest(
          id.reason === 'missing'
            ? exactlyOneMessage(ctx.settings.phone_support)
            : INVALID_IDENTIFIER_MESSAGE,
        );
      }
      if (ctx.settings.identity_scope === 'EUID' && payload && 'tcf_consent_string' in payload) {
        const consent = checkTcfConsent(payload.tcf_consent_string, ctx.settings.tcf_vendor_id);
        if (consent === 'invalid') return badRequest('User consent is invalid');
        if (consent === 'insufficient') return { kind: 'status', status: 'insufficient_user_consent' };
      }
      const flh = firstLevelHash(id.identity.hashB64, snapshot.salts.firstLevelSalt);
      if (isOptedOut(snapshot, ctx.snapshots.optOuts, id.identity.type, flh, 'generate')) {
        return { kind: 'status', status: 'optout' };
      }
      ctx.metrics.tokensGenerated.inc({ kind: 'generate' });
      return successJson(
        tokenResponseJson(
          issueIdentity(
            ctx,
            snapshot,
            {
              siteId: client.siteId,
              type: id.identity.type,
              firstLevelHash: flh,
              privacyBits: PRIVACY_SERVER_SIDE,
              establishedMs: nowMs,
            },
            nowMs,
          ),
        ),
      );
    },
  });
}
