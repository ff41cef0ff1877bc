import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import type { DedupRuleCache } from '../../alert/dedup-rules.js';
import { sanitizeText } from '../../alert/sanitize.js';
import { normalizeRequest, type TimeWindow } from '../../ingest/normalize-request.js';
import type { RawPolicy } from '../../ingest/raw-policy.js';
import type { SnsConfirmer } from '../../ingest/sns-confirmer.js';
import * as metrics from '../../metrics.js';
import type { IngestLog } from '../../pipeline/ingest-log.js';
import type { App } from '../app.js';
import { principalOf } from '../authenticate.js';
import { ApiError, dependencyUnavailable, rejectionError } from '../errors.js';
import type { JsonLimits } from '../json-body.js';
import { installSignatureVerification, type SignatureVerificationOptions } from '../signature-verification.js';
import { registerAlertmanagerApiRoutes } from './alertmanager-api.js';
import { type AdmissionDeps, admissionHooks, backpressureRefusal, ingestProviderOf } from './ingest-admission.js';
import { ingestRequestBody, registerIngestBodyParsers } from './ingest-body.js';
import {
  INGEST_SECURITY,
  type IngestOutcome,
  IngestQuery,
  type IngestRequest,
  ingestErrorResponses,
  type ToPayload,
} from './ingest-schemas.js';

export interface IngestDeps extends AdmissionDeps {
  ingestLog: IngestLog;
  rules: DedupRuleCache;
  rawPolicy: RawPolicy;
  sns: SnsConfirmer;
  maxAlertsPerRequest: number;
  jsonLimits: JsonLimits;
  timeWindow: TimeWindow;
  /** Standard Webhooks verification for keys with a signing secret. */
  signatures: SignatureVerificationOptions;
}

const Accepted = Type.Object(
  {
    task_name: Type.String({ description: "Keep's field: the request id." }),
    requestId: Type.String(),
    accepted: Type.Integer({ description: 'Alerts durably enqueued.' }),
    skipped: Type.Array(Type.String(), { description: 'Payload items deliberately ignored, with the reason.' }),
  },
  { description: 'Every alert of the payload is held in Redis (accepted), or was deliberately skipped.' },
);

/**
 * Keep-compatible ingestion: POST /alerts/event[/{provider_type}], also under /api/v1, and
 * Alertmanager's alert API (POST /api/v{1,2}/alerts) for Prometheus.
 */
export async function registerIngestRoutes(app: App, deps: IngestDeps): Promise<void> {
  await app.register(async (scope: App) => {
    registerIngestBodyParsers(scope, deps.jsonLimits);
    // Signed keys' bodies are read and verified after every cheaper refusal (onRequest hooks).
    installSignatureVerification(scope, deps.signatures);
    const onRequest = await admissionHooks(scope, deps);
    for (const prefix of ['', '/api/v1']) {
      const routeOptions = (summary: string, payload: string, params?: ReturnType<typeof Type.Object>) => ({
        onRequest,
        schema: {
          tags: ['ingest'],
          summary,
          security: INGEST_SECURITY,
          querystring: IngestQuery,
          ...(params ? { params } : {}),
          body: ingestRequestBody(payload),
          response: { 202: Accepted, ...ingestErrorResponses },
        },
      });
      scope.post(
        `${prefix}/alerts/event`,
        routeOptions('Ingest alerts in Keep format (object or array)', 'One alert in Keep format, or an array of them'),
        (request, reply) => ingest(request, reply, deps),
      );
      scope.post(
        `${prefix}/alerts/event/:provider_type`,
        routeOptions(
          'Ingest a provider webhook payload',
          "The provider's native webhook payload (GET /api/v1/providers links each one's documentation)",
          Type.Object({ provider_type: Type.String() }),
        ),
        (request, reply) => ingest(request, reply, deps),
      );
    }
    registerAlertmanagerApiRoutes(scope, {
      onRequest,
      accept: (request, toPayload) => acceptAlerts(request, deps, toPayload),
    });
  });
}

async function ingest(request: IngestRequest, reply: FastifyReply, deps: IngestDeps) {
  const { accepted, skipped } = await acceptAlerts(request, deps);
  return reply.status(202).send({ task_name: request.id, requestId: request.id, accepted, skipped });
}

/** The body is the provider's payload as it is. */
const bodyAsPayload: ToPayload = (body) => ({ kind: 'payload', payload: body });

/**
 * The one ingestion path of every ingestion route, after the admission hooks: sanitizing, the
 * provider's validation and mapping, backpressure for what may be critical, and the append it
 * resolves after.
 */
async function acceptAlerts(
  request: IngestRequest,
  deps: IngestDeps,
  toPayload: ToPayload = bodyAsPayload,
): Promise<IngestOutcome> {
  const principal = principalOf(request);
  const provider = ingestProviderOf(request);
  if (request.body === undefined || request.body === null)
    throw new ApiError('invalid_json', 'the request body is empty');
  const query = request.query;
  const providerId = query.provider_id ?? query.provider_name ?? null;
  // PostgreSQL cannot store NUL or lone surrogates, and Keep strips them too. Cleaning the whole
  // payload (not the alerts) also cleans what adapters derive from it and the raw payload kept.
  const body = request.bodyNeedsSanitizing === false ? request.body : sanitizeText(request.body);
  const now = new Date();
  const converted = toPayload(body, now);
  if (converted.kind === 'reject') throw rejectionError(converted);
  const result = normalizeRequest(provider, converted.payload, {
    tenant: principal.tenant,
    requestId: request.id,
    now,
    providerId,
    fingerprintOverride: query.fingerprint ?? null,
    rule: deps.rules.ruleFor(principal.tenant, provider.adapter.type, providerId),
    maxAlerts: deps.maxAlertsPerRequest,
    timeWindow: deps.timeWindow,
  });
  if (result.kind === 'reject') throw rejectionError(result);
  if (result.kind === 'confirm-subscription') {
    const outcome = await deps.sns.handle(principal.tenant, result.subscribeUrl, result.topicArn);
    return { accepted: 0, skipped: [outcome] };
  }
  if (result.alerts.length > 0) {
    // Shedding may have begun since the admission hooks, which let through what might be critical.
    const admission = deps.backpressure.admit(result.alerts.some((alert) => alert.severity === 'critical'));
    if (!admission.ok) throw backpressureRefusal(provider.adapter.type, admission);
    try {
      await deps.ingestLog.append({
        requestId: request.id,
        tenant: principal.tenant,
        providerType: provider.adapter.type,
        providerId,
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
  return { accepted: result.alerts.length, skipped: result.skipped };
}
