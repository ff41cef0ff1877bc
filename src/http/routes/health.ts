import { Type } from 'typebox';
import { type DependencyCheck, probeDependencies } from '../../observe/dependency-probes.js';
import type { App } from '../app.js';

const DependencyStatus = Type.Object({
  status: Type.Union([Type.Literal('up'), Type.Literal('down')]),
  required: Type.Boolean(),
  latencyMs: Type.Number(),
  error: Type.Optional(Type.String()),
});

const Readiness = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('not_ready')]),
  dependencies: Type.Record(Type.String(), DependencyStatus),
});

/** GET /healthz (process up) and GET /readyz (every required dependency reachable). */
export function registerHealthRoutes(app: App, checks: readonly DependencyCheck[]): void {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['health'],
        summary: 'Liveness: the process is up',
        response: { 200: Type.Object({ status: Type.Literal('ok'), uptimeSeconds: Type.Number() }) },
      },
    },
    async () => ({ status: 'ok' as const, uptimeSeconds: Math.round(process.uptime()) }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['health'],
        summary: 'Readiness: PostgreSQL, Redis and Elasticsearch reachable',
        response: { 200: Readiness, 503: Readiness },
      },
    },
    async (_request, reply) => {
      const { ready, dependencies } = await probeDependencies(checks, 3000);
      return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', dependencies });
    },
  );
}
