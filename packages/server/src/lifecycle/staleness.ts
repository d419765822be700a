import type { FastifyReply } from 'fastify';
import type { OperatorContext } from '../operator/context.js';
import { sendJson } from '../operator/responses.js';

export const STALE_MESSAGE = 'operator data is stale';

/**
 * Whether the operator must stop serving: its store has been unreachable (the last refresh failed)
 * for longer than `max_snapshot_staleness_seconds`. Until then it serves from its last snapshot. The
 * same condition makes `/ops/healthcheck` answer 503. Two field reads: cheap enough for hot paths.
 */
export function isSnapshotStale(ctx: Pick<OperatorContext, 'snapshots' | 'settings'>): boolean {
  const { snapshots } = ctx;
  return (
    snapshots.lastError !== undefined &&
    Date.now() - snapshots.lastSuccessMs > ctx.settings.max_snapshot_staleness_seconds * 1000
  );
}

/** 503 `{"status":"unknown","message":"operator data is stale"}`. */
export function sendStale(reply: FastifyReply): FastifyReply {
  return sendJson(reply, 503, { status: 'unknown', message: STALE_MESSAGE });
}
