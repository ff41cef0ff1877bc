import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Static, Type } from 'typebox';
import { SEVERITIES } from '../../alert/alert.js';
import { type EscalationCatalog, PolicyCatalogError } from '../../rules/escalation-catalog.js';
import { type EscalationPolicy, EscalationPolicySchema, policyInput } from '../../rules/escalation-policy.js';
import type { App } from '../app.js';
import { ApiError } from '../errors.js';
import { ErrorBody } from '../schemas.js';

export interface EscalationPolicyRouteDeps {
  /** Admin-key authentication. */
  authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  catalog: EscalationCatalog;
}

const PolicyView = Type.Object({
  name: Type.String(),
  enabled: Type.Boolean(),
  minSeverity: Type.Enum([...SEVERITIES]),
  tenants: Type.Optional(Type.Array(Type.String())),
  providers: Type.Optional(Type.Array(Type.String())),
  labels: Type.Optional(Type.Record(Type.String(), Type.String())),
  steps: Type.Array(
    Type.Object({
      after: Type.Integer({ description: 'Milliseconds after the start of the firing episode.' }),
      targets: Type.Array(Type.String()),
    }),
  ),
  source: Type.Enum(['file', 'api']),
});

const NameParam = Type.Object({ name: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$' }) });
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody };

const view = (policy: EscalationPolicy) =>
  ({ ...policyInput(policy), source: policy.source }) as Static<typeof PolicyView>;

async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof PolicyCatalogError)) throw error;
    throw new ApiError(error.code, error.message, error.problems.length > 0 ? { problems: error.problems } : undefined);
  }
}

/**
 * Escalation policies: list, read, create, replace, delete (admin keys). Policies from
 * ESCALATION_FILE are listed with `source: file` and cannot be changed here. Workers pick changes
 * up within ESCALATION_REFRESH_MS; steps already scheduled use the policy as it is when they fall due.
 */
export function registerEscalationPolicyRoutes(app: App, deps: EscalationPolicyRouteDeps): void {
  const base = { onRequest: deps.authenticate };
  const tags = ['escalation'];
  const security = [{ apiKey: [] as string[] }];
  const path = '/api/v1/admin/escalation-policies';

  app.get(
    path,
    {
      ...base,
      schema: {
        tags,
        security,
        summary: 'List escalation policies',
        response: { 200: Type.Object({ policies: Type.Array(PolicyView) }), ...errors },
      },
    },
    async () => {
      await deps.catalog.refresh();
      return { policies: deps.catalog.list().map(view) };
    },
  );

  app.get(
    `${path}/:name`,
    {
      ...base,
      schema: {
        tags,
        security,
        summary: 'One escalation policy',
        params: NameParam,
        response: { 200: PolicyView, ...errors },
      },
    },
    async (request) => {
      const { name } = request.params;
      await deps.catalog.refresh();
      const policy = deps.catalog.get(name);
      if (!policy) throw new ApiError('not_found', `no policy "${name}"`);
      return view(policy);
    },
  );

  app.post(
    path,
    {
      ...base,
      schema: {
        tags,
        security,
        summary: 'Create an escalation policy',
        body: EscalationPolicySchema,
        response: { 201: PolicyView, ...errors },
      },
    },
    async (request, reply) => {
      const created = await guarded(() => deps.catalog.create(request.body));
      return reply.status(201).send(view(created));
    },
  );

  app.put(
    `${path}/:name`,
    {
      ...base,
      schema: {
        tags,
        security,
        summary: 'Replace an escalation policy',
        params: NameParam,
        body: EscalationPolicySchema,
        response: { 200: PolicyView, ...errors },
      },
    },
    async (request) => {
      const { name } = request.params;
      const input = request.body;
      if (input.name !== name) throw new ApiError('bad_request', `body name "${input.name}" differs from "${name}"`);
      return view(await guarded(() => deps.catalog.replace(name, input)));
    },
  );

  app.delete(
    `${path}/:name`,
    {
      ...base,
      schema: {
        tags,
        security,
        summary: 'Delete an escalation policy',
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
