import type { FastifyInstance } from 'fastify';
import * as metrics from '../metrics.js';

/**
 * Counts every answered request and its latency by method, route template and status. The route
 * template (`/alerts/event/:provider`), never the URL, keeps the label set bounded; requests that
 * matched no route share `unmatched`.
 */
export function installRequestMetrics(app: FastifyInstance): void {
  // Callback style: an async hook would cost every request a promise and a tick.
  app.addHook('onResponse', (request, reply, done) => {
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: String(reply.statusCode),
    };
    metrics.httpRequests.inc(labels);
    metrics.httpRequestSeconds.observe(labels, reply.elapsedTime / 1000);
    done();
  });
}
