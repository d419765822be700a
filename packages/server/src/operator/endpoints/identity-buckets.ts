import type { FastifyInstance } from 'fastify';
import type { OperatorContext } from '../context.js';
import { badRequest, registerEnvelopeRoute, success } from '../envelope-route.js';
import { bucketIds } from '../identity-map/bucket-ids.js';
import { formatLastUpdated, parseSinceTimestamp } from '../identity-map/timestamp.js';

export const MISSING_SINCE_MESSAGE = 'missing parameter since_timestamp';
export const INVALID_DATE_MESSAGE = 'invalid date, must conform to ISO 8601';

/**
 * POST /v2/identity/buckets (MAPPER; `handleBucketsV2`, api.md §6.3): every salt bucket whose
 * last rotation is at or after `since_timestamp` (ISO local date-time read as UTC; a `Z` or
 * `±HH:MM` suffix is also accepted, see identity-map/timestamp.ts), as `{bucket_id,
 * last_updated}` in bucket order. A missing or null timestamp (or no JSON) → `missing parameter
 * since_timestamp`; anything else that is not such a text, numbers included → `invalid date, must
 * conform to ISO 8601`.
 */
export function identityBuckets(app: FastifyInstance, ctx: OperatorContext): void {
  registerEnvelopeRoute(app, ctx, {
    path: '/v2/identity/buckets',
    roles: ['MAPPER'],
    name: 'identity_buckets',
    handle: ({ payload, snapshot }) => {
      const since = payload?.since_timestamp;
      if (since === undefined || since === null) return badRequest(MISSING_SINCE_MESSAGE);
      const sinceMs = typeof since === 'string' ? parseSinceTimestamp(since) : undefined;
      if (sinceMs === undefined) return badRequest(INVALID_DATE_MESSAGE);
      const idOf = bucketIds(snapshot.salts);
      const body: Array<{ bucket_id: string; last_updated: string }> = [];
      for (const bucket of snapshot.salts.buckets) {
        if (bucket.lastUpdatedMs >= sinceMs) {
          body.push({ bucket_id: idOf(bucket.id), last_updated: formatLastUpdated(bucket.lastUpdatedMs) });
        }
      }
      return success(body);
    },
  });
}
