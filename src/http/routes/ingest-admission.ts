import rateLimit from '@fastify/rate-limit';
import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import type { Admission, Backpressure } from '../../ingest/backpressure.js';
import * as metrics from '../../metrics.js';
import type { ProviderRegistry, RegisteredProvider } from '../../providers/registry.js';
import { leasedStore } from '../../ratelimit/leased-store.js';
import type { RateLimits } from '../../ratelimit/limits.js';
import type { QuotaLeases } from '../../ratelimit/quota-leases.js';
import type { App } from '../app.js';
import { principalOf } from '../authenticate.js';
import { ApiError } from '../errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The ingest route's provider, resolved from the path before anything else. */
    ingestProvider?: RegisteredProvider;
  }
  interface FastifyContextConfig {
    /** Provider of an ingestion route whose path does not name one (else Keep's format). */
    ingestProviderType?: string;
  }
}

export interface AdmissionDeps {
  registry: ProviderRegistry;
  authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  limits: RateLimits;
  leases: QuotaLeases;
  backpressure: Backpressure;
}

/**
 * The refusals an ingest request can get before its body is read, cheapest first: unknown provider
 * (404), key (401), key scope (403), rate limit (429), backpressure (429). Returns the onRequest
 * hooks in that order; `scope` gets the rate-limit plugin.
 */
export async function admissionHooks(scope: App, deps: AdmissionDeps): Promise<onRequestHookHandler[]> {
  await scope.register(rateLimit, {
    global: false,
    store: leasedStore(deps.leases),
    enableDraftSpec: true,
    // With Redis down the enqueue fails next and answers 503; a 500 from the limiter would hide that.
    skipOnError: true,
  });
  const bucketOf = (request: FastifyRequest) =>
    deps.limits.bucketFor(principalOf(request).tenant, ingestProviderOf(request).adapter.type);
  const rateLimited = scope.rateLimit({
    // Keyed by adapter type, never by the name in the path: an alias shares its type's bucket.
    keyGenerator: (request) => `${principalOf(request).keyId}:${ingestProviderOf(request).adapter.type}`,
    max: (request) => bucketOf(request).capacity,
    timeWindow: (request) => {
      const bucket = bucketOf(request);
      return (bucket.capacity / bucket.refillPerSecond) * 1000;
    },
    onExceeded: (request) =>
      metrics.rejectedRequests.inc({ provider: ingestProviderOf(request).adapter.type, reason: 'rate_limited' }),
    errorResponseBuilder: (request, context) => {
      const provider = ingestProviderOf(request).adapter.type;
      return new ApiError(
        'rate_limited',
        `rate limit for provider "${provider}" exceeded: ${context.max} requests per bucket; retry in ${context.after}`,
        { provider, limit: context.max, retryAfterSeconds: Math.ceil(context.ttl / 1000) },
      );
    },
  });
  return [
    knownProvider(deps.registry),
    deps.authenticate,
    keyScope,
    rateLimited as onRequestHookHandler,
    shedBeforeReading(deps.backpressure),
  ];
}

/** The provider resolved by the admission hooks. */
export function ingestProviderOf(request: FastifyRequest): RegisteredProvider {
  if (!request.ingestProvider) throw new Error('ingest route without its provider hook');
  return request.ingestProvider;
}

/** The refusal of a request that backpressure does not admit, counted. */
export function backpressureRefusal(providerType: string, admission: Extract<Admission, { ok: false }>): ApiError {
  metrics.rejectedRequests.inc({ provider: providerType, reason: 'backpressure' });
  return new ApiError(
    'backpressure',
    `ingestion is shedding load (${admission.reason === 'queue_depth' ? 'queue too deep' : 'queue too old'}); retry in ${admission.retryAfterSeconds}s`,
    { reason: admission.reason, retryAfterSeconds: admission.retryAfterSeconds },
    { 'retry-after': String(admission.retryAfterSeconds) },
  );
}

function knownProvider(registry: ProviderRegistry): onRequestHookHandler {
  return (request, _reply, done) => {
    // Shared by the routes with and without `:provider_type` and run before validation, so the
    // params are the router's untyped ones: the path names the provider, or the route's config does.
    const { provider_type: named } = request.params as { provider_type?: string };
    const name = named ?? request.routeOptions.config.ingestProviderType ?? 'keep';
    const provider = registry.get(name);
    if (!provider)
      throw new ApiError('unknown_provider', `Provider ${name} not found`, { supported: registry.types() });
    request.ingestProvider = provider;
    done();
  };
}

const keyScope: onRequestHookHandler = (request, _reply, done) => {
  const allowed = principalOf(request).providers;
  const type = ingestProviderOf(request).adapter.type;
  if (allowed && !allowed.includes(type)) {
    throw new ApiError('forbidden', `this API key may not post "${type}" alerts`, { allowed });
  }
  done();
};

/**
 * Refuses while shedding unless critical alerts are still admitted (queue under
 * BACKPRESSURE_CRITICAL_HARD_LIMIT). Then only the alerts can tell, so the body is read and the
 * handler decides by the normalized severities: no sender has to declare a severity.
 */
function shedBeforeReading(backpressure: Backpressure): onRequestHookHandler {
  return (request, _reply, done) => {
    const admission = backpressure.admit(true);
    if (!admission.ok) throw backpressureRefusal(ingestProviderOf(request).adapter.type, admission);
    done();
  };
}
