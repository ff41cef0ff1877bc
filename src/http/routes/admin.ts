import { eq } from 'drizzle-orm';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { DedupRuleCache } from '../../alert/dedup-rules.js';
import type { IngestDeadLetters } from '../../pipeline/dead-letters.js';
import type { IngestLog } from '../../pipeline/ingest-log.js';
import type { Db } from '../../store/db.js';
import { dedupRules } from '../../store/schema.js';
import type { App } from '../app.js';
import { ApiError } from '../errors.js';
import { ErrorBody } from '../schemas.js';

export interface AdminDeps {
  authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  db: Db;
  rules: DedupRuleCache;
  deadLetters: IngestDeadLetters;
  ingestLog: IngestLog;
}

const FieldList = Type.Array(Type.String({ minLength: 1, maxLength: 200, pattern: '^[\\w.-]+$' }), { maxItems: 50 });

const RuleInput = Type.Object(
  {
    tenant: Type.String({ minLength: 1, maxLength: 200 }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    providerType: Type.String({ minLength: 1, maxLength: 100 }),
    providerId: Type.Optional(Type.Union([Type.String({ maxLength: 255 }), Type.Null()])),
    fingerprintFields: Type.Optional(FieldList),
    ignoreFields: Type.Optional(FieldList),
    fullDeduplication: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const Rule = Type.Object({
  id: Type.String(),
  tenant: Type.String(),
  name: Type.String(),
  description: Type.String(),
  providerType: Type.String(),
  providerId: Type.Union([Type.String(), Type.Null()]),
  fingerprintFields: Type.Array(Type.String()),
  ignoreFields: Type.Array(Type.String()),
  fullDeduplication: Type.Boolean(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

const DeadLetter = Type.Object({
  id: Type.String(),
  shard: Type.Integer(),
  error: Type.String(),
  failedAt: Type.String(),
  alerts: Type.Integer(),
  job: Type.Object({ requestId: Type.String(), tenant: Type.String(), providerType: Type.String() }),
});

const IdParam = Type.Object({ id: Type.String({ format: 'uuid' }) });
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

type RuleRow = typeof dedupRules.$inferSelect;
const toRule = (row: RuleRow) => ({
  ...row,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

/** Admin API: dedup rules CRUD and the ingest dead-letter queue. Admin keys only. */
export function registerAdminRoutes(app: App, deps: AdminDeps): void {
  const base = { onRequest: deps.authenticate };
  const tags = ['admin'];
  const security = [{ apiKey: [] as string[] }];

  app.get(
    '/api/v1/admin/dedup-rules',
    {
      ...base,
      schema: {
        tags,
        security,
        summary: 'List dedup rules',
        response: { 200: Type.Object({ rules: Type.Array(Rule) }), ...errors },
      },
    },
    async () => ({ rules: (await deps.db.select().from(dedupRules).orderBy(dedupRules.createdAt)).map(toRule) }),
  );

  app.post(
    '/api/v1/admin/dedup-rules',
    {
      ...base,
      schema: { tags, security, summary: 'Create a dedup rule', body: RuleInput, response: { 201: Rule, ...errors } },
    },
    async (request, reply) => {
      const input = request.body;
      const rows = await deps.db
        .insert(dedupRules)
        .values({ ...input, providerId: input.providerId ?? null })
        .onConflictDoNothing()
        .returning();
      if (rows.length === 0)
        throw new ApiError(
          'conflict',
          `a rule for ${input.tenant}/${input.providerType}/${input.providerId ?? '*'} exists`,
        );
      await deps.rules.refresh();
      return reply.status(201).send(toRule(rows[0] as RuleRow));
    },
  );

  app.put(
    '/api/v1/admin/dedup-rules/:id',
    {
      ...base,
      schema: {
        tags,
        security,
        summary: 'Replace a dedup rule',
        params: IdParam,
        body: RuleInput,
        response: { 200: Rule, ...errors },
      },
    },
    async (request) => {
      const { id } = request.params;
      const input = request.body;
      const rows = await deps.db
        .update(dedupRules)
        .set({
          ...input,
          providerId: input.providerId ?? null,
          description: input.description ?? '',
          fingerprintFields: input.fingerprintFields ?? [],
          ignoreFields: input.ignoreFields ?? [],
          fullDeduplication: input.fullDeduplication ?? true,
          updatedAt: new Date(),
        })
        .where(eq(dedupRules.id, id))
        .returning();
      if (rows.length === 0) throw new ApiError('not_found', `no dedup rule ${id}`);
      await deps.rules.refresh();
      return toRule(rows[0] as RuleRow);
    },
  );

  app.delete(
    '/api/v1/admin/dedup-rules/:id',
    {
      ...base,
      schema: {
        tags,
        security,
        summary: 'Delete a dedup rule',
        params: IdParam,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const rows = await deps.db.delete(dedupRules).where(eq(dedupRules.id, id)).returning({ id: dedupRules.id });
      if (rows.length === 0) throw new ApiError('not_found', `no dedup rule ${id}`);
      await deps.rules.refresh();
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/v1/admin/dlq/ingest',
    {
      ...base,
      schema: {
        tags,
        security,
        summary: 'Ingest jobs that failed permanently',
        querystring: Type.Object({
          tenant: Type.Optional(Type.String()),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
        }),
        response: { 200: Type.Object({ total: Type.Integer(), entries: Type.Array(DeadLetter) }), ...errors },
      },
    },
    async (request) => {
      const { tenant, limit } = request.query;
      const entries = await deps.deadLetters.list(tenant ?? null, 0, limit ?? 100);
      return { total: await deps.deadLetters.count(), entries };
    },
  );

  app.post(
    '/api/v1/admin/dlq/ingest/replay',
    {
      ...base,
      schema: {
        tags,
        security,
        summary: 'Put the oldest dead-lettered ingest jobs back on their queues',
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })) }),
        response: { 202: Type.Object({ replayed: Type.Integer() }), ...errors },
      },
    },
    async (request, reply) => {
      const { limit } = request.query;
      return reply.status(202).send({ replayed: await deps.deadLetters.replayOldest(limit ?? 1000, deps.ingestLog) });
    },
  );

  app.post(
    '/api/v1/admin/dlq/ingest/:id/replay',
    {
      ...base,
      schema: {
        tags,
        security,
        summary: 'Put a dead-lettered ingest job back on its queue',
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) }),
        response: { 202: Type.Object({ replayed: Type.String() }), ...errors },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      if (!(await deps.deadLetters.replay(id, null, deps.ingestLog)))
        throw new ApiError('not_found', `no dead letter ${id}`);
      return reply.status(202).send({ replayed: id });
    },
  );
}
