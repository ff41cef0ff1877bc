import { Type } from 'typebox';
import { registry } from '../../metrics.js';
import type { App } from '../app.js';

/** GET /metrics in the Prometheus text format. */
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
    async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()),
  );
}
