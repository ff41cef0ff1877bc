import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Static, Type } from 'typebox';
import { STATUSES } from '../../alert/alert.js';
import type { LifecycleChange, LifecycleStore } from '../../lifecycle/lifecycle-store.js';
import { ACTIONS, type Action } from '../../lifecycle/transitions.js';
import * as metrics from '../../metrics.js';
import type { App } from '../app.js';
import { principalOf } from '../authenticate.js';
import { ApiError } from '../errors.js';
import { ErrorBody } from '../schemas.js';

export interface LifecycleRouteDeps {
  /** Tenant-key authentication. */
  authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  store: LifecycleStore;
  /** Streams the applied change (best effort: the change is committed either way). */
  announce: (change: LifecycleChange) => Promise<void>;
}

const SECURITY: { [scheme: string]: string[] }[] = [{ apiKey: [] }, { bearer: [] }, { basic: [] }];
const Params = Type.Object({ fingerprint: Type.String({ minLength: 1, maxLength: 255 }) });
const State = Type.Enum([...STATUSES]);

const ActionBody = Type.Object(
  {
    actor: Type.String({ minLength: 1, maxLength: 200, description: 'Who acts (a person or tool), kept in history.' }),
    note: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);

const ChangeView = Type.Object({
  fingerprint: Type.String(),
  action: Type.Enum([...ACTIONS]),
  previousState: State,
  state: State,
  actor: Type.String(),
  note: Type.Union([Type.String(), Type.Null()]),
  at: Type.String({ format: 'date-time' }),
});

const HistoryView = Type.Object({
  fingerprint: Type.String(),
  state: State,
  suppressedByOperator: Type.Boolean(),
  history: Type.Array(
    Type.Object({
      action: Type.String({ description: 'acknowledge, resolve, suppress, unsuppress, source or escalate.' }),
      from: Type.Union([State, Type.Null()]),
      to: State,
      actor: Type.String(),
      note: Type.Union([Type.String(), Type.Null()]),
      details: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
      at: Type.String({ format: 'date-time' }),
    }),
  ),
});

const SUMMARIES: Record<Action, string> = {
  acknowledge: 'Acknowledge an alert (stops its escalation)',
  resolve: 'Resolve an alert (stops its escalation)',
  suppress: 'Suppress a fingerprint: stored and streamed, not published, until unsuppressed',
  unsuppress: 'Lift an operator suppression',
};

/**
 * `POST /api/v1/alerts/{fingerprint}/{acknowledge|resolve|suppress|unsuppress}` and the lifecycle
 * history. A transition the current state does not allow answers 409 `invalid_transition` with the
 * state in `details`.
 */
export function registerLifecycleRoutes(app: App, deps: LifecycleRouteDeps): void {
  for (const action of ACTIONS) {
    app.post(
      `/api/v1/alerts/:fingerprint/${action}`,
      {
        onRequest: deps.authenticate,
        schema: {
          tags: ['lifecycle'],
          security: SECURITY,
          summary: SUMMARIES[action],
          params: Params,
          body: ActionBody,
          response: { 200: ChangeView, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody },
        },
      },
      async (request) => {
        const { fingerprint } = request.params;
        const { actor, note } = request.body;
        const result = await deps.store.transition(
          principalOf(request).tenant,
          fingerprint,
          action,
          actor,
          note ?? null,
        );
        if (result.outcome === 'not_found')
          throw new ApiError('not_found', `no alert with fingerprint "${fingerprint}"`);
        if (result.outcome === 'refused') {
          metrics.lifecycleTransitions.inc({ action, outcome: 'refused' });
          throw new ApiError('invalid_transition', `cannot ${action} an alert that is ${result.state}`, {
            state: result.state,
            action,
            allowedFrom: result.allowedFrom,
          });
        }
        metrics.lifecycleTransitions.inc({ action, outcome: 'applied' });
        const { change } = result;
        await deps.announce(change);
        return {
          fingerprint,
          action,
          previousState: change.from,
          state: change.to,
          actor: change.actor,
          note: change.note,
          at: change.at,
        };
      },
    );
  }

  app.get(
    '/api/v1/alerts/fingerprint/:fingerprint/lifecycle',
    {
      onRequest: deps.authenticate,
      schema: {
        tags: ['lifecycle'],
        security: SECURITY,
        summary: "A fingerprint's lifecycle state and history, newest first",
        params: Params,
        querystring: Type.Object(
          {
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
            api_key: Type.Optional(Type.String()),
          },
          { additionalProperties: false },
        ),
        response: { 200: HistoryView, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const { fingerprint } = request.params;
      const { limit = 100 } = request.query;
      const tenant = principalOf(request).tenant;
      const current = await deps.store.state(tenant, fingerprint);
      if (!current) throw new ApiError('not_found', `no alert with fingerprint "${fingerprint}"`);
      return {
        fingerprint,
        state: current.state,
        suppressedByOperator: current.muted,
        history: (await deps.store.history(tenant, fingerprint, limit)) as Static<typeof HistoryView>['history'],
      };
    },
  );
}
