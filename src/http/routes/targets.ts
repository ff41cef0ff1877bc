import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Static, Type } from 'typebox';
import type { TargetHealth } from '../../publish/health.js';
import type { Target } from '../../publish/model.js';
import { CatalogError, publicTarget, type TargetCatalog } from '../../publish/target-catalog.js';
import { TargetSchema } from '../../publish/target-schema.js';
import type { App } from '../app.js';
import { ApiError } from '../errors.js';
import { ErrorBody } from '../schemas.js';

export interface TargetRouteDeps {
  authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  catalog: TargetCatalog;
  health: TargetHealth;
}

const TargetView = Type.Object({
  name: Type.String(),
  type: Type.String(),
  enabled: Type.Boolean(),
  routes: Type.Array(Type.Record(Type.String(), Type.Unknown())),
  timeoutMs: Type.Optional(Type.Integer()),
  rateLimit: Type.Optional(Type.Object({ perSecond: Type.Number(), burst: Type.Integer() })),
  /** Secrets replaced by `***` (URLs keep their origin). */
  settings: Type.Record(Type.String(), Type.Unknown()),
  source: Type.Union([Type.Literal('file'), Type.Literal('api')]),
  health: Type.Object({ consecutiveFailures: Type.Integer(), healthy: Type.Boolean() }),
});

const NameParam = Type.Object({ name: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$' }) });
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody };

function toApiError(error: unknown): unknown {
  if (!(error instanceof CatalogError)) return error;
  return new ApiError(error.code, error.message, error.problems.length ? { problems: error.problems } : undefined);
}

/** Publish targets: list, read, create, replace, delete. Admin keys only; secrets never leave. */
export function registerTargetRoutes(app: App, deps: TargetRouteDeps): void {
  const base = { onRequest: deps.authenticate };
  const tags = ['targets'];
  const security = [{ apiKey: [] as string[] }];
  const view = async (targets: Target[]): Promise<Static<typeof TargetView>[]> => {
    const health = await deps.health.view(targets.map((target) => target.name));
    return targets.map((target) => ({
      ...publicTarget(target),
      routes: target.routes as Record<string, unknown>[],
      health: health.get(target.name) ?? { consecutiveFailures: 0, healthy: true },
    }));
  };
  const viewOne = async (target: Target) => (await view([target]))[0] as Static<typeof TargetView>;
  const guarded = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      throw toApiError(error);
    }
  };

  app.get(
    '/api/v1/targets',
    {
      ...base,
      schema: {
        tags,
        security,
        summary: 'List publish targets',
        response: { 200: Type.Object({ targets: Type.Array(TargetView) }), ...errors },
      },
    },
    async () => {
      await deps.catalog.refresh();
      return { targets: await view(deps.catalog.list()) };
    },
  );

  app.get(
    '/api/v1/targets/:name',
    {
      ...base,
      schema: {
        tags,
        security,
        summary: 'One publish target',
        params: NameParam,
        response: { 200: TargetView, ...errors },
      },
    },
    async (request) => {
      const { name } = request.params;
      await deps.catalog.refresh();
      const target = deps.catalog.get(name);
      if (!target) throw new ApiError('not_found', `no target "${name}"`);
      return viewOne(target);
    },
  );

  app.post(
    '/api/v1/targets',
    {
      ...base,
      schema: {
        tags,
        security,
        summary: 'Create a publish target',
        body: TargetSchema,
        response: { 201: TargetView, ...errors },
      },
    },
    async (request, reply) => {
      const created = await guarded(() => deps.catalog.create(request.body));
      return reply.status(201).send(await viewOne(created));
    },
  );

  app.put(
    '/api/v1/targets/:name',
    {
      ...base,
      schema: {
        tags,
        security,
        summary: 'Replace a publish target (secrets left out or sent back redacted are kept)',
        params: NameParam,
        body: TargetSchema,
        response: { 200: TargetView, ...errors },
      },
    },
    async (request) => {
      const { name } = request.params;
      const input = request.body;
      if (input.name !== name) throw new ApiError('bad_request', `body name "${input.name}" differs from "${name}"`);
      return viewOne(await guarded(() => deps.catalog.replace(name, input)));
    },
  );

  app.delete(
    '/api/v1/targets/:name',
    {
      ...base,
      schema: {
        tags,
        security,
        summary: 'Delete a publish target',
        params: NameParam,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      await guarded(() => deps.catalog.remove(name));
      return reply.status(204).send(null);
    },
  );
}
