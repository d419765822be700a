import type { FastifyInstance } from 'fastify';
import { PREFETCH_CHUNK } from '../../snapshot/optout-index.js';
import type { OperatorContext } from '../context.js';
import { badRequest, registerEnvelopeRoute, success } from '../envelope-route.js';

export const INVALID_BODY_MESSAGE = 'Invalid request body';
export const MISSING_IDS_MESSAGE = 'Required Parameter Missing: advertising_ids';
export const TOO_LARGE_MESSAGE = 'Request payload is too large';
export const NOT_ARRAY_MESSAGE = 'advertising_ids must be an array';

/**
 * POST /v2/optout/status (MAPPER, SHARER or ID_READER; `handleOptoutStatus`, api.md §6.4): which of
 * the given raw UIDs (base64, exact text) have opted out, with `opted_out_since` in epoch ms. No
 * JSON → `Invalid request body`; no (or null) `advertising_ids` → `Required Parameter Missing:
 * advertising_ids`; more than `optout_status_max_request_size` → `Request payload is too large`.
 * Where the reference crashes (a non-array `advertising_ids`) this answers 400 `advertising_ids
 * must be an array`. Non-string elements are never opted out, as in the reference (which looks up
 * their text form). Test identities are not special here.
 */
export function optoutStatus(app: FastifyInstance, ctx: OperatorContext): void {
  registerEnvelopeRoute(app, ctx, {
    path: '/v2/optout/status',
    roles: ['MAPPER', 'SHARER', 'ID_READER'],
    name: 'optout_status',
    handle: ({ payload }) => {
      if (payload === undefined) return badRequest(INVALID_BODY_MESSAGE);
      const ids = payload.advertising_ids;
      if (ids === undefined || ids === null) return badRequest(MISSING_IDS_MESSAGE);
      if (!Array.isArray(ids)) return badRequest(NOT_ARRAY_MESSAGE);
      if (ids.length > ctx.settings.optout_status_max_request_size) return badRequest(TOO_LARGE_MESSAGE);
      const optOuts = ctx.snapshots.optOuts;
      const optedOut: Array<{ advertising_id: string; opted_out_since: number }> = [];
      const list = ids as unknown[];
      for (let start = 0; start < list.length; start += PREFETCH_CHUNK) {
        const end = Math.min(list.length, start + PREFETCH_CHUNK);
        optOuts.prefetchAdvertisingIds(list, start, end);
        for (let j = start; j < end; j++) {
          const id = list[j];
          if (typeof id !== 'string') continue;
          const seconds = optOuts.byAdvertisingId(id);
          if (seconds !== undefined) optedOut.push({ advertising_id: id, opted_out_since: seconds * 1000 });
        }
      }
      return success({ opted_out: optedOut });
    },
  });
}
