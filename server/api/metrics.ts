/**
 * GET /metrics: the product's metrics (server/stats/metrics.ts) in
 * Prometheus' text format. Registered at the root, not under /api/v1, where
 * Prometheus looks; admins and supervisors, or an API token (bearer), as a
 * Prometheus scrape job sends.
 */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Registry } from 'prom-client';
import { ProblemSchema } from './problem.js';
import { SUPERVISION } from './roles.js';

export interface MetricsDeps {
  registry: Registry;
}

export function metricsRoutes(deps: MetricsDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/metrics', {
      schema: {
        summary: 'Prometheus metrics',
        tags: ['metrics'],
        produces: [deps.registry.contentType],
        response: { 200: Type.String({ description: 'Prometheus text exposition format' }), 401: ProblemSchema, 403: ProblemSchema },
      },
      config: { roles: SUPERVISION },
    }, async (_request, reply) => {
      const text = await deps.registry.metrics();
      return reply.type(deps.registry.contentType).send(text);
    });
  };
}
