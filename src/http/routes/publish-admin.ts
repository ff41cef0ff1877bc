import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Alert } from '../../alert/alert.js';
import type { DeadLetterRow, PublishDeadLetters } from '../../publish/dead-letters.js';
import type { PublishLog } from '../../publish/publish-log.js';
import { messageIdOf, type PublishQueue } from '../../publish/publish-queue.js';
import type { App } from '../app.js';
import { instantParameter } from '../date-parameters.js';
import { ApiError } from '../errors.js';
import { ErrorBody } from '../schemas.js';

export interface PublishAdminDeps {
  authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  deadLetters: PublishDeadLetters;
  publishLog: PublishLog;
  queue: PublishQueue;
}

const DeadLetterView = Type.Object({
  id: Type.String(),
  batchId: Type.String(),
  target: Type.String(),
  targetType: Type.String(),
  alerts: Type.Integer(),
  fingerprints: Type.Array(Type.String()),
  errorClass: Type.String(),
  reason: Type.String(),
  error: Type.String(),
  statusCode: Type.Union([Type.Integer(), Type.Null()]),
  responseBody: Type.Union([Type.String(), Type.Null()]),
  attempts: Type.Integer(),
  failedAt: Type.String(),
});

const ResultLine = Type.Object({
  target: Type.String(),
  type: Type.String(),
  ok: Type.Boolean(),
  statusCode: Type.Optional(Type.Integer()),
  error: Type.Optional(Type.String()),
  errorClass: Type.Optional(Type.String()),
  skipReason: Type.Optional(Type.String()),
  durationMs: Type.Integer(),
  attempts: Type.Integer(),
  retrying: Type.Optional(Type.Boolean()),
  superseded: Type.Optional(
    Type.Integer({ description: 'Storm mode: alerts not sent because a newer state of their fingerprint was.' }),
  ),
});

const LogEntry = Type.Object({
  batchId: Type.String(),
  tenants: Type.Array(Type.String()),
  alerts: Type.Integer(),
  total: Type.Integer(),
  succeeded: Type.Integer(),
  failed: Type.Integer(),
  skipped: Type.Integer(),
  partial: Type.Boolean(),
  durationMs: Type.Integer(),
  results: Type.Array(ResultLine),
  createdAt: Type.String(),
});

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

function toView(row: DeadLetterRow) {
  const alerts = row.alerts as unknown as Alert[];
  return {
    ...row,
    alerts: alerts.length,
    fingerprints: [...new Set(alerts.map((alert) => alert.fingerprint))].slice(0, 100),
    failedAt: row.failedAt.toISOString(),
  };
}

/** Publish dead-letter queue (list, replay one, replay a target's backlog) and publish_log. Admin keys only. */
export function registerPublishAdminRoutes(app: App, deps: PublishAdminDeps): void {
  const base = { onRequest: deps.authenticate };
  const tags = ['admin'];
  const security = [{ apiKey: [] as string[] }];

  /** A replay is a fresh delivery job: full attempt budget, new retry window, same message id. */
  const replay = async (row: DeadLetterRow) => {
    await deps.queue.addDelivery(
      {
        batchId: row.batchId,
        target: row.target,
        alerts: row.alerts as unknown as Alert[],
        messageId: messageIdOf(row.batchId, row.target),
        attemptsBefore: 0,
        firstAttemptAt: Date.now(),
      },
      0,
      `replay.${row.id}`,
    );
  };

  app.get(
    '/api/v1/admin/publish/dlq',
    {
      ...base,
      schema: {
        tags,
        security,
        summary: 'Deliveries that failed for good, newest first',
        querystring: Type.Object({
          target: Type.Optional(Type.String()),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
          offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
        }),
        response: { 200: Type.Object({ total: Type.Integer(), entries: Type.Array(DeadLetterView) }), ...errors },
      },
    },
    async (request) => {
      const query = request.query;
      const { total, entries } = await deps.deadLetters.list({
        target: query.target,
        limit: query.limit ?? 100,
        offset: query.offset ?? 0,
      });
      return { total, entries: entries.map(toView) };
    },
  );

  app.post(
    '/api/v1/admin/publish/dlq/:id/replay',
    {
      ...base,
      schema: {
        tags,
        security,
        summary: 'Deliver one dead letter again',
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        response: { 202: Type.Object({ replayed: Type.Integer() }), ...errors },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const row = await deps.deadLetters.get(id);
      if (!row) throw new ApiError('not_found', `no dead letter ${id}`);
      await replay(row);
      await deps.deadLetters.remove([row.id]);
      return reply.status(202).send({ replayed: 1 });
    },
  );

  app.post(
    '/api/v1/admin/publish/dlq/replay',
    {
      ...base,
      schema: {
        tags,
        security,
        summary: "Deliver a target's whole dead-letter backlog again",
        querystring: Type.Object({ target: Type.String({ minLength: 1 }) }),
        response: { 202: Type.Object({ replayed: Type.Integer() }), ...errors },
      },
    },
    async (request, reply) => {
      const { target } = request.query;
      // Only what was dead-lettered before now: replays that fail again are not replayed twice.
      const before = new Date();
      let replayed = 0;
      for (;;) {
        const rows = await deps.deadLetters.oldestFor(target, 500, before);
        if (rows.length === 0) break;
        for (const row of rows) await replay(row);
        replayed += await deps.deadLetters.remove(rows.map((row) => row.id));
      }
      return reply.status(202).send({ replayed });
    },
  );

  app.get(
    '/api/v1/admin/publish/log',
    {
      ...base,
      schema: {
        tags,
        security,
        summary: 'Fan-out results per batch, newest first',
        querystring: Type.Object({
          target: Type.Optional(Type.String()),
          partial: Type.Optional(Type.Boolean()),
          before: Type.Optional(
            Type.String({ maxLength: 64, description: 'ISO-8601 date-time with offset, from year 0001 to 9999.' }),
          ),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
        }),
        response: { 200: Type.Object({ entries: Type.Array(LogEntry) }), ...errors },
      },
    },
    async (request) => {
      const query = request.query;
      const entries = await deps.publishLog.list({
        limit: query.limit ?? 100,
        target: query.target,
        partial: query.partial,
        before: query.before ? instantParameter('before', query.before) : undefined,
      });
      return { entries };
    },
  );

  app.get(
    '/api/v1/admin/publish/log/:batchId',
    {
      ...base,
      schema: {
        tags,
        security,
        summary: "One batch's fan-out result",
        params: Type.Object({ batchId: Type.String({ format: 'uuid' }) }),
        response: { 200: LogEntry, ...errors },
      },
    },
    async (request) => {
      const { batchId } = request.params;
      const entry = await deps.publishLog.get(batchId);
      if (!entry) throw new ApiError('not_found', `no publish_log entry for batch ${batchId}`);
      return entry;
    },
  );
}
