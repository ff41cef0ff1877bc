import type { FastifyInstance } from 'fastify';
import * as metrics from '../metrics.js';

type Children = {
  requests: ReturnType<typeof metrics.httpRequests.labels>;
  seconds: ReturnType<typeof metrics.httpRequestSeconds.labels>;
};

/**
 * Counts every answered request and its latency by method, route template and status. The route
 * template (`/alerts/event/:provider`), never the URL, keeps the label set bounded; requests that
 * matched no route share `unmatched`. Each label set's metric children are made once, so a request
 * skips the label validation of building them.
 */
export function installRequestMetrics(app: FastifyInstance): void {
  const children = new Map<string, Children>();
  // Callback style: an async hook would cost every request a promise and a tick.
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const key = `${request.method} ${reply.statusCode} ${route}`;
    let child = children.get(key);
    if (!child) {
      const labels = { method: request.method, route, status: String(reply.statusCode) };
      child = { requests: metrics.httpRequests.labels(labels), seconds: metrics.httpRequestSeconds.labels(labels) };
      children.set(key, child);
    }
    child.requests.inc();
    child.seconds.observe(reply.elapsedTime / 1000);
    done();
  });
}
