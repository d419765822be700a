import type { FastifyInstance } from 'fastify';
import { isSnapshotStale } from '../../lifecycle/staleness.js';
import type { OperatorContext } from '../context.js';

/**
 * GET /ops/healthcheck: 200 `OK` when the operator can serve; 503 with the reason when its snapshot
 * is older than `max_snapshot_staleness_seconds` because the store cannot be read.
 */
export function healthcheck(app: FastifyInstance, ctx: OperatorContext): void {
  app.get('/ops/healthcheck', async (_request, reply) => {
    if (isSnapshotStale(ctx)) {
      const ageS = Math.round((Date.now() - ctx.snapshots.lastSuccessMs) / 1000);
      return reply
        .code(503)
        .header('content-type', 'text/plain')
        .send(`store unreachable for ${ageS} s: ${ctx.snapshots.lastError?.message ?? 'unknown error'}`);
    }
    return reply.code(200).header('content-type', 'text/plain').send('OK');
  });
}
