import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

/** The Prometheus listener: GET /metrics. */
export async function createMetricsServer(registry: Registry): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  app.get('/metrics', async (_request, reply) =>
    reply.header('content-type', registry.contentType).send(await registry.metrics()),
  );
  return app;
}
