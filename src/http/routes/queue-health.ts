import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { assessQueueHealth, type HealthThresholds } from '../../observe/queue-health.js';
import type { QueueSample } from '../../observe/queue-sample.js';
import type { App } from '../app.js';
import { ErrorBody } from '../schemas.js';

export interface QueueHealthDeps {
  authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  latestSample: () => QueueSample | undefined;
  thresholds: HealthThresholds;
}

const Count = Type.Integer({ minimum: 0 });

const QueueView = Type.Object({
  name: Type.String(),
  kind: Type.Union([Type.Literal('ingest'), Type.Literal('publish'), Type.Literal('dead-letter')]),
  shard: Type.Union([Type.Integer(), Type.Null()]),
  waiting: Count,
  active: Count,
  delayed: Count,
  failed: Count,
  completed: Count,
  waitingByPriority: Type.Union([Type.Record(Type.String(), Count), Type.Null()]),
  oldestWaitingSeconds: Type.Number(),
  throughput: Type.Union([
    Type.Object({ perSecond1m: Type.Number(), perSecond5m: Type.Number(), windowSeconds: Type.Integer() }),
    Type.Null(),
  ]),
});

const HealthBody = Type.Object({
  status: Type.Union([Type.Literal('healthy'), Type.Literal('degraded'), Type.Literal('unhealthy')]),
  reasons: Type.Array(Type.Object({ status: Type.String(), check: Type.String(), message: Type.String() })),
  sampledAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  thresholds: Type.Object({
    depthDegraded: Type.Integer(),
    depthUnhealthy: Type.Integer(),
    ageDegradedSeconds: Type.Integer(),
    ageUnhealthySeconds: Type.Integer(),
  }),
  queues: Type.Array(QueueView),
  deadLetters: Type.Object({
    ingest: Type.Integer(),
    publish: Type.Union([Type.Object({ size: Type.Integer(), oldestSeconds: Type.Number() }), Type.Null()]),
  }),
  workers: Type.Array(
    Type.Object({
      id: Type.String(),
      lastSeenSecondsAgo: Type.Number(),
      shards: Type.Array(Type.Integer()),
      host: Type.Union([Type.String(), Type.Null()]),
      pid: Type.Union([Type.Integer(), Type.Null()]),
    }),
  ),
  unownedShards: Type.Array(Type.Integer()),
});

/**
 * GET /admin/queues/health: every queue's counts, oldest waiting age and throughput, the live
 * workers and their shards, and an overall status from the HEALTH_* thresholds; 503 when
 * unhealthy so it can serve as a probe. Reads the background sample, never Redis.
 */
export function registerQueueHealthRoute(app: App, deps: QueueHealthDeps): void {
  app.get(
    '/admin/queues/health',
    {
      onRequest: deps.authenticate,
      schema: {
        tags: ['admin'],
        security: [{ apiKey: [] as string[] }],
        summary: 'Queue health: counts, age, throughput, workers and an overall status',
        response: { 200: HealthBody, 503: HealthBody, 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (_request, reply) => {
      const sample = deps.latestSample();
      const { status, reasons } = assessQueueHealth(sample, deps.thresholds);
      const { staleAfterMs: _, ...thresholds } = deps.thresholds;
      return reply
        .status(status === 'unhealthy' ? 503 : 200)
        .header('cache-control', 'no-store')
        .send({
          status,
          reasons,
          sampledAt: sample ? new Date(sample.at).toISOString() : null,
          thresholds,
          queues: sample?.queues ?? [],
          deadLetters: {
            ingest: sample?.queues.find((queue) => queue.kind === 'dead-letter')?.waiting ?? 0,
            publish: sample?.publishDeadLetters ?? null,
          },
          workers: sample?.workers ?? [],
          unownedShards: sample?.unownedShards ?? [],
        });
    },
  );
}
