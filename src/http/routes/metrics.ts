import { Type } from 'typebox';
import { registry } from '../../metrics.js';
import { clusterMetricsText, underSupervisor } from '../../supervisor/child.js';
import type { App } from '../app.js';

/**
 * GET /metrics in the Prometheus text format: this process's metrics, or under `all` those of
 * every process the supervisor runs, merged by the supervisor.
 */
export function registerMetricsRoute(app: App): void {
  app.get(
    '/metrics',
    {
      schema: {
        tags: ['observability'],
        summary: 'Prometheus metrics',
        response: { 200: Type.String({ description: 'Prometheus text exposition format' }) },
      },
    },
    async (_request, reply) =>
      reply.type(registry.contentType).send(underSupervisor ? await clusterMetricsText() : await registry.metrics()),
  );
}
