import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { DedupRuleCache } from '../../alert/dedup-rules.js';
import { sanitizeText } from '../../alert/sanitize.js';
import { normalizeRequest, type TimeWindow } from '../../ingest/normalize-request.js';
import type { RawPolicy } from '../../ingest/raw-policy.js';
import type { SnsConfirmer } from '../../ingest/sns-confirmer.js';
import * as metrics from '../../metrics.js';
import type { IngestQueues } from '../../queue/ingest-queues.js';
import type { App } from '../app.js';
import { principalOf } from '../authenticate.js';
import { ApiError, dependencyUnavailable } from '../errors.js';
import type { JsonLimits } from '../json-body.js';
import { ErrorBody } from '../schemas.js';
import { installSignatureVerification, type SignatureVerificationOptions } from '../signature-verification.js';
import { type AdmissionDeps, admissionHooks, backpressureRefusal, ingestProviderOf } from './ingest-admission.js';
import { registerIngestBodyParsers } from './ingest-body.js';

export interface IngestDeps extends AdmissionDeps {
  queues: IngestQueues;
  rules: DedupRuleCache;
  rawPolicy: RawPolicy;
  sns: SnsConfirmer;
  maxAlertsPerRequest: number;
  jsonLimits: JsonLimits;
  timeWindow: TimeWindow;
  /** Standard Webhooks verification for keys with a signing secret. */
  signatures: SignatureVerificationOptions;
}

const IngestQuery = Type.Object({
  provider_id: Type.Optional(Type.String({ maxLength: 255, description: 'Provider instance the alerts belong to.' })),
  provider_name: Type.Optional(
    Type.String({ maxLength: 255, description: 'Used as provider_id when that is absent.' }),
  ),
  fingerprint: Type.Optional(
    Type.String({ minLength: 1, maxLength: 255, description: 'Overrides every fingerprint.' }),
  ),
  api_key: Type.Optional(Type.String({ description: 'API key, when no header can be set.' })),
});

const Accepted = Type.Object({
  task_name: Type.String({ description: "Keep's field: the request id." }),
  requestId: Type.String(),
  accepted: Type.Integer({ description: 'Alerts durably enqueued.' }),
  skipped: Type.Array(Type.String(), { description: 'Payload items deliberately ignored, with the reason.' }),
});

const SECURITY: { [scheme: string]: string[] }[] = [{ apiKey: [] }, { bearer: [] }, { basic: [] }];

const errorResponses = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  413: ErrorBody,
  415: ErrorBody,
  422: ErrorBody,
  429: ErrorBody,
  503: ErrorBody,
};

/** Keep-compatible ingestion: POST /alerts/event[/{provider_type}], also under /api/v1. */
export async function registerIngestRoutes(app: App, deps: IngestDeps): Promise<void> {
  await app.register(async (scope) => {
    registerIngestBodyParsers(scope, deps.jsonLimits);
    // Signed keys' bodies are read and verified after every cheaper refusal (onRequest hooks).
    installSignatureVerification(scope, deps.signatures);
    const onRequest = await admissionHooks(scope, deps);
    for (const prefix of ['', '/api/v1']) {
      const routeOptions = (summary: string, params?: ReturnType<typeof Type.Object>) => ({
        onRequest,
        schema: {
          tags: ['ingest'],
          summary,
          security: SECURITY,
          querystring: IngestQuery,
          ...(params ? { params } : {}),
          response: { 202: Accepted, ...errorResponses },
        },
      });
      scope.post(
        `${prefix}/alerts/event`,
        routeOptions('Ingest alerts in Keep format (object or array)'),
        (request, reply) => ingest(request, reply, deps),
      );
      scope.post(
        `${prefix}/alerts/event/:provider_type`,
        routeOptions('Ingest a provider webhook payload', Type.Object({ provider_type: Type.String() })),
        (request, reply) => ingest(request, reply, deps),
      );
    }
  });
}

async function ingest(request: FastifyRequest, reply: FastifyReply, deps: IngestDeps) {
  const principal = principalOf(request);
  const provider = ingestProviderOf(request);
  if (request.body === undefined || request.body === null)
    throw new ApiError('invalid_json', 'the request body is empty');
  const query = request.query as { provider_id?: string; provider_name?: string; fingerprint?: string };
  const providerId = query.provider_id ?? query.provider_name ?? null;
  // PostgreSQL cannot store NUL or lone surrogates, and Keep strips them too. Cleaning the whole
  // payload (not the alerts) also cleans what adapters derive from it and the raw payload kept.
  const body = request.bodyNeedsSanitizing === false ? request.body : sanitizeText(request.body);
  const result = normalizeRequest(provider, body, {
    tenant: principal.tenant,
    requestId: request.id,
    now: new Date(),
    providerId,
    fingerprintOverride: query.fingerprint ?? null,
    rule: deps.rules.ruleFor(principal.tenant, provider.adapter.type, providerId),
    maxAlerts: deps.maxAlertsPerRequest,
    timeWindow: deps.timeWindow,
  });
  if (result.kind === 'confirm-subscription') {
    const outcome = await deps.sns.handle(principal.tenant, result.subscribeUrl, result.topicArn);
    return reply.status(202).send({ task_name: request.id, requestId: request.id, accepted: 0, skipped: [outcome] });
  }
  if (result.alerts.length > 0) {
    // Shedding may have begun since the admission hooks, which let through what might be critical.
    const admission = deps.backpressure.admit(result.alerts.some((alert) => alert.severity === 'critical'));
    if (!admission.ok) throw backpressureRefusal(provider.adapter.type, admission);
    try {
      await deps.queues.enqueue({
        requestId: request.id,
        tenant: principal.tenant,
        providerType: provider.adapter.type,
        alerts: result.alerts,
        raw: deps.rawPolicy.select(provider.adapter.type, body),
      });
    } catch (error) {
      request.log.error({ err: error }, 'enqueue failed');
      throw dependencyUnavailable('the queue is unavailable; nothing was accepted, retry later');
    }
  }
  metrics.acceptedAlerts.inc({ provider: provider.adapter.type }, result.alerts.length);
  metrics.acceptedBytes.inc({ provider: provider.adapter.type }, Number(request.headers['content-length'] ?? 0));
  return reply
    .status(202)
    .send({ task_name: request.id, requestId: request.id, accepted: result.alerts.length, skipped: result.skipped });
}
