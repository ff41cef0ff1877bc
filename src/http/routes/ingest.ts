import rateLimit from '@fastify/rate-limit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { DedupRuleCache } from '../../alert/dedup-rules.js';
import { sanitizeText } from '../../alert/sanitize.js';
import { normalizeRequest, type TimeWindow } from '../../ingest/normalize-request.js';
import type { RawPolicy } from '../../ingest/raw-policy.js';
import type { SnsConfirmer } from '../../ingest/sns-confirmer.js';
import * as metrics from '../../metrics.js';
import type { IngestLog } from '../../pipeline/ingest-log.js';
import type { ProviderRegistry, RegisteredProvider } from '../../providers/registry.js';
import type { Backpressure } from '../../queue/backpressure.js';
import type { RateLimits } from '../../ratelimit/limits.js';
import type { TokenBucketStore } from '../../ratelimit/token-bucket-store.js';
import type { App } from '../app.js';
import { principalOf } from '../authenticate.js';
import { ApiError, dependencyUnavailable } from '../errors.js';
import type { JsonLimits } from '../json-body.js';
import { installSignatureVerification, type SignatureVerificationOptions } from '../signature-verification.js';
import { registerAlertmanagerApiRoutes } from './alertmanager-api.js';
import { ingestRequestBody, registerIngestBodyParsers } from './ingest-body.js';
import { INGEST_SECURITY, IngestQuery, ingestErrorResponses } from './ingest-schemas.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Provider of an ingestion route whose path does not name one (else Keep's format). */
    ingestProvider?: string;
  }
}

export interface IngestDeps {
  registry: ProviderRegistry;
  ingestLog: IngestLog;
  backpressure: Backpressure;
  rules: DedupRuleCache;
  rawPolicy: RawPolicy;
  limits: RateLimits;
  bucketStore: new () => TokenBucketStore;
  sns: SnsConfirmer;
  authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
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
  await app.register(async (scope) => {
    registerIngestBodyParsers(scope, deps.jsonLimits);
    installSignatureVerification(scope, deps.signatures);
    await scope.register(rateLimit, {
      global: false,
      hook: 'preParsing',
      store: deps.bucketStore,
      enableDraftSpec: true,
      // With Redis down the enqueue fails next and answers 503; a 500 from the limiter would hide that.
      skipOnError: true,
      keyGenerator: (request) => `${principalOf(request).keyId}:${providerTypeOf(request)}`,
      max: (request) => deps.limits.bucketFor(principalOf(request).tenant, providerTypeOf(request)).capacity,
      timeWindow: (request) => {
        const bucket = deps.limits.bucketFor(principalOf(request).tenant, providerTypeOf(request));
        return (bucket.capacity / bucket.refillPerSecond) * 1000;
      },
      onExceeded: (request) =>
        metrics.rejectedRequests.inc({ provider: providerTypeOf(request), reason: 'rate_limited' }),
      errorResponseBuilder: (request, context) =>
        new ApiError(
          'rate_limited',
          `rate limit for provider "${providerTypeOf(request)}" exceeded: ${context.max} requests per bucket; retry in ${context.after}`,
          {
            provider: providerTypeOf(request),
            limit: context.max,
            retryAfterSeconds: Math.ceil(context.ttl / 1000),
          },
        ),
    });

    for (const prefix of ['', '/api/v1']) {
      const routeOptions = (summary: string, payload: string, params?: ReturnType<typeof Type.Object>) => ({
        onRequest: deps.authenticate,
        config: { rateLimit: {} },
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
      authenticate: deps.authenticate,
      accept: (request, toPayload) => acceptAlerts(request, deps, toPayload),
    });
  });
}

function providerTypeOf(request: FastifyRequest): string {
  return (
    (request.params as { provider_type?: string }).provider_type ?? request.routeOptions.config.ingestProvider ?? 'keep'
  );
}

async function ingest(request: FastifyRequest, reply: FastifyReply, deps: IngestDeps) {
  const { accepted, skipped } = await acceptAlerts(request, deps);
  return reply.status(202).send({ task_name: request.id, requestId: request.id, accepted, skipped });
}

/** What an ingestion request came to once it is durably enqueued. */
export interface IngestOutcome {
  accepted: number;
  skipped: string[];
}

/** Turns a route's (sanitized) body into its provider's payload; receives the request's receive time. */
export type ToPayload = (body: unknown, now: Date) => unknown;

/**
 * The one ingestion path of every ingestion route: provider scope of the key, sanitizing, the
 * provider's validation and mapping, backpressure, and the enqueue it resolves after.
 */
async function acceptAlerts(
  request: FastifyRequest,
  deps: IngestDeps,
  toPayload: ToPayload = (body) => body,
): Promise<IngestOutcome> {
  const principal = principalOf(request);
  const providerType = providerTypeOf(request);
  const provider = resolveProvider(deps.registry, providerType);
  if (principal.providers && !principal.providers.includes(provider.adapter.type)) {
    throw new ApiError('forbidden', `this API key may not post "${provider.adapter.type}" alerts`, {
      allowed: principal.providers,
    });
  }
  if (request.body === undefined || request.body === null)
    throw new ApiError('invalid_json', 'the request body is empty');
  const query = request.query as { provider_id?: string; provider_name?: string; fingerprint?: string };
  const providerId = query.provider_id ?? query.provider_name ?? null;
  // PostgreSQL cannot store NUL or lone surrogates, and Keep strips them too. Cleaning the whole
  // payload (not the alerts) also cleans what adapters derive from it and the raw payload kept.
  const body = request.bodyNeedsSanitizing === false ? request.body : sanitizeText(request.body);
  const now = new Date();
  const result = normalizeRequest(provider, toPayload(body, now), {
    tenant: principal.tenant,
    requestId: request.id,
    now,
    providerId,
    fingerprintOverride: query.fingerprint ?? null,
    rule: deps.rules.ruleFor(principal.tenant, provider.adapter.type, providerId),
    maxAlerts: deps.maxAlertsPerRequest,
    timeWindow: deps.timeWindow,
  });
  if (result.kind === 'confirm-subscription') {
    const outcome = await deps.sns.handle(principal.tenant, result.subscribeUrl, result.topicArn);
    return { accepted: 0, skipped: [outcome] };
  }
  if (result.alerts.length > 0) {
    const admission = deps.backpressure.admit(result.alerts.some((alert) => alert.severity === 'critical'));
    if (!admission.ok) {
      metrics.rejectedRequests.inc({ provider: provider.adapter.type, reason: 'backpressure' });
      throw new ApiError(
        'backpressure',
        `ingestion is shedding load (${admission.reason === 'queue_depth' ? 'queue too deep' : 'queue too old'}); retry in ${admission.retryAfterSeconds}s`,
        { reason: admission.reason, retryAfterSeconds: admission.retryAfterSeconds },
        { 'retry-after': String(admission.retryAfterSeconds) },
      );
    }
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

function resolveProvider(registry: ProviderRegistry, providerType: string): RegisteredProvider {
  const provider = registry.get(providerType);
  if (!provider) {
    throw new ApiError('unknown_provider', `Provider ${providerType} not found`, { supported: registry.types() });
  }
  return provider;
}
