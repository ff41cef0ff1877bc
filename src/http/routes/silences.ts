import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Static, Type } from 'typebox';
import { matcherProblem } from '../../lifecycle/silence-match.js';
import { type Silence, type SilenceStore, stateOf } from '../../lifecycle/silence-store.js';
import type { App } from '../app.js';
import { instantParameter } from '../date-parameters.js';
import { ApiError } from '../errors.js';
import { ErrorBody } from '../schemas.js';

export interface SilenceRouteDeps {
  /** Admin-key authentication. */
  authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  silences: SilenceStore;
}

const MatcherBody = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      maxLength: 255,
      description: 'Label name (or alertname, severity, service, …).',
    }),
    value: Type.String({ maxLength: 1024 }),
    isRegex: Type.Optional(Type.Boolean({ default: false, description: 'Anchored regular expression.' })),
    isEqual: Type.Optional(Type.Boolean({ default: true, description: 'false negates (!= or !~).' })),
  },
  { additionalProperties: false },
);

const DATE_TIME = 'ISO-8601 date-time with offset, from year 0001 to 9999.';

const SilenceInput = Type.Object(
  {
    tenant: Type.String({ minLength: 1, maxLength: 200 }),
    matchers: Type.Array(MatcherBody, { minItems: 1, maxItems: 50 }),
    startsAt: Type.Optional(Type.String({ maxLength: 64, description: `${DATE_TIME} Default: now.` })),
    endsAt: Type.String({ maxLength: 64, description: DATE_TIME }),
    createdBy: Type.String({ minLength: 1, maxLength: 200 }),
    comment: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);

const SilenceView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  tenant: Type.String(),
  matchers: Type.Array(
    Type.Object({ name: Type.String(), value: Type.String(), isRegex: Type.Boolean(), isEqual: Type.Boolean() }),
  ),
  startsAt: Type.String({ format: 'date-time' }),
  endsAt: Type.String({ format: 'date-time' }),
  createdBy: Type.String(),
  comment: Type.String(),
  status: Type.Object({ state: Type.Enum(['pending', 'active', 'expired']) }),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

const IdParam = Type.Object({ id: Type.String({ format: 'uuid' }) });
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

function view(silence: Silence): Static<typeof SilenceView> {
  return {
    id: silence.id,
    tenant: silence.tenant,
    matchers: silence.matchers,
    startsAt: silence.startsAt.toISOString(),
    endsAt: silence.endsAt.toISOString(),
    createdBy: silence.createdBy,
    comment: silence.comment,
    status: { state: stateOf(silence) },
    createdAt: silence.createdAt.toISOString(),
    updatedAt: silence.updatedAt.toISOString(),
  };
}

/**
 * Silences (maintenance windows), as in Alertmanager: while active, a tenant's alerts matching every
 * matcher are stored and streamed but not published. Admin keys only. DELETE expires (the record stays).
 */
export function registerSilenceRoutes(app: App, deps: SilenceRouteDeps): void {
  const base = { onRequest: deps.authenticate };
  const tags = ['silences'];
  const security = [{ apiKey: [] as string[] }];

  app.get(
    '/api/v1/admin/silences',
    {
      ...base,
      schema: {
        tags,
        security,
        summary: 'List silences, newest first',
        querystring: Type.Object(
          {
            tenant: Type.Optional(Type.String({ minLength: 1 })),
            state: Type.Optional(Type.Enum(['pending', 'active', 'expired'])),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ silences: Type.Array(SilenceView) }), ...errors },
      },
    },
    async (request) => {
      const query = request.query;
      const rows = await deps.silences.list({ ...query, limit: query.limit ?? 100 });
      return { silences: rows.map(view) };
    },
  );

  app.get(
    '/api/v1/admin/silences/:id',
    {
      ...base,
      schema: { tags, security, summary: 'One silence', params: IdParam, response: { 200: SilenceView, ...errors } },
    },
    async (request) => {
      const { id } = request.params;
      const silence = await deps.silences.get(id);
      if (!silence) throw new ApiError('not_found', `no silence ${id}`);
      return view(silence);
    },
  );

  app.post(
    '/api/v1/admin/silences',
    {
      ...base,
      schema: {
        tags,
        security,
        summary: 'Create a silence',
        body: SilenceInput,
        response: { 201: SilenceView, ...errors },
      },
    },
    async (request, reply) => {
      const input = request.body;
      const matchers = input.matchers.map((matcher) => ({
        name: matcher.name,
        value: matcher.value,
        isRegex: matcher.isRegex ?? false,
        isEqual: matcher.isEqual ?? true,
      }));
      const problems = matchers.map(matcherProblem).filter((problem) => problem !== null);
      if (problems.length > 0) throw new ApiError('bad_request', problems.join('; '), { problems });
      const startsAt = input.startsAt ? instantParameter('startsAt', input.startsAt) : new Date();
      const endsAt = instantParameter('endsAt', input.endsAt);
      if (endsAt <= startsAt) throw new ApiError('bad_request', 'endsAt must be after startsAt');
      if (endsAt <= new Date()) throw new ApiError('bad_request', 'endsAt is in the past');
      const silence = await deps.silences.create({
        tenant: input.tenant,
        matchers,
        startsAt,
        endsAt,
        createdBy: input.createdBy,
        comment: input.comment ?? '',
      });
      return reply.status(201).send(view(silence));
    },
  );

  app.delete(
    '/api/v1/admin/silences/:id',
    {
      ...base,
      schema: {
        tags,
        security,
        summary: 'Expire a silence now',
        params: IdParam,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      if (!(await deps.silences.expire(id))) throw new ApiError('not_found', `no silence ${id}`);
      return reply.status(204).send(null);
    },
  );
}
