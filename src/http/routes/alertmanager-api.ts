import type { onRequestHookHandler } from 'fastify';
import { type TSchema, Type } from 'typebox';
import { prometheusAdapter } from '../../providers/prometheus.js';
import { toWebhookAlerts } from '../../providers/prometheus-postable.js';
import type { App } from '../app.js';
import {
  INGEST_SECURITY,
  type IngestOutcome,
  IngestQuery,
  type IngestRequest,
  ingestErrorResponses,
  type ToPayload,
} from './ingest-schemas.js';

export interface AlertmanagerApiOptions {
  /** The ingestion scope's admission hooks (provider, key, scope, rate limit, backpressure). */
  onRequest: onRequestHookHandler[];
  /** The ingestion path shared with the webhook routes (validation, rate limit, backpressure, enqueue). */
  accept: (request: IngestRequest, toPayload: ToPayload) => Promise<IngestOutcome>;
}

const DESCRIPTION = `Alertmanager's alert API, so Prometheus's \`alerting.alertmanagers\` can point at Alertgate:
a JSON array of \`{labels, annotations?, startsAt?, endsAt?, generatorURL?}\`. Mapped and fingerprinted
like the \`prometheus\` webhook (fingerprint = Alertmanager's, over the labels); an \`endsAt\` in the
past resolves the alert. Answers 200 once the alerts are durably queued.`;

/** Documented as `null`, sent as nothing at all: Alertmanager's v2 answer has no body. */
const NoBody = Type.Unsafe<void>(Type.Null({ description: 'No body.' }));

/**
 * `POST /api/v2/alerts` and `POST /api/v1/alerts`, answered as Alertmanager answers them. Registered
 * inside the ingestion scope, so the body parsers, signature checks and rate limits are the same.
 */
export function registerAlertmanagerApiRoutes(scope: App, options: AlertmanagerApiOptions): void {
  const routeOptions = <Success extends TSchema>(summary: string, success: Success) => ({
    onRequest: options.onRequest,
    config: { rateLimit: {}, ingestProviderType: prometheusAdapter.type },
    schema: {
      tags: ['ingest'],
      summary,
      description: DESCRIPTION,
      security: INGEST_SECURITY,
      querystring: IngestQuery,
      response: { 200: success, ...ingestErrorResponses },
    },
  });
  scope.post(
    '/api/v2/alerts',
    routeOptions('Post alerts as to Alertmanager API v2 (empty answer)', NoBody),
    async (request, reply) => {
      await options.accept(request, toWebhookAlerts);
      return reply.status(200).send();
    },
  );
  scope.post(
    '/api/v1/alerts',
    routeOptions('Post alerts as to Alertmanager API v1', Type.Object({ status: Type.Literal('success') })),
    async (request, reply) => {
      await options.accept(request, toWebhookAlerts);
      return reply.status(200).send({ status: 'success' });
    },
  );
}
