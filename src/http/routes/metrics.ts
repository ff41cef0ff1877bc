import { Type } from 'typebox';
import { registry } from '../../metrics.js';
import { ClusterMetricsUnavailable, clusterMetricsText, underSupervisor } from '../../supervisor/child.js';
import type { App } from '../app.js';
import { ApiError } from '../errors.js';

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
      reply.type(registry.contentType).send(underSupervisor ? await clusterMetrics() : await registry.metrics()),
  );
}

/** The supervisor's merge of every process's metrics; 503 when it cannot provide them. */
async function clusterMetrics(): Promise<string> {
  try {
    return await clusterMetricsText();
  } catch (error) {
    if (error instanceof ClusterMetricsUnavailable) throw new ApiError('service_unavailable', error.message);
    throw error;
  }
}
