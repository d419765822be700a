import type { FastifyInstance } from 'fastify';
import type { OperatorContext } from '../context.js';

/**
 * GET /ops/healthcheck: 200 `OK` when the operator can serve; 503 with the reason when its snapshot
 * is older than `max_snapshot_staleness_seconds` because the store cannot be read.
 */
export function healthcheck(app: FastifyInstance, ctx: OperatorContext): void {
  app.get('/ops/healthcheck', async (_request, reply) => {
    const ageS = (Date.now() - ctx.snapshots.lastSuccessMs) / 1000;
    const error = ctx.snapshots.lastError;
    if (error && ageS > ctx.settings.max_snapshot_staleness_seconds) {
      return reply
        .code(503)
        .header('content-type', 'text/plain')
        .send(`store unreachable for ${Math.round(ageS)} s: ${error.message}`);
    }
    return reply.code(200).header('content-type', 'text/plain').send('OK');
  });
}
