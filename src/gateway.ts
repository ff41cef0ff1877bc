import type { Logger } from 'pino';
import { DedupRuleCache } from './alert/dedup-rules.js';
import { ApiKeyStore } from './auth/api-keys.js';
import type { Config } from './config.js';
import { type App, createApp } from './http/app.js';
import { createAuthenticate } from './http/authenticate.js';
import { jsonLimits } from './http/json-body.js';
import { registerAdminRoutes } from './http/routes/admin.js';
import { registerArchiveLogRoute } from './http/routes/admin-archive.js';
import { registerHealthRoutes } from './http/routes/health.js';
import { registerIngestRoutes } from './http/routes/ingest.js';
import { registerMetricsRoute } from './http/routes/metrics.js';
import { registerProviderRoutes } from './http/routes/providers.js';
import { registerSearchRoutes } from './http/routes/search.js';
import { Backpressure } from './ingest/backpressure.js';
import { RawPolicy } from './ingest/raw-policy.js';
import { SnsConfirmer } from './ingest/sns-confirmer.js';
import { registerLifecycleApi } from './lifecycle/lifecycle-api.js';
import { createQueueSampler, registerObservability } from './observability.js';
import type { QueueSampler } from './observe/queue-sampler.js';
import { IngestDeadLetters } from './pipeline/dead-letters.js';
import { IngestLog } from './pipeline/ingest-log.js';
import { PROVIDER_ADAPTERS } from './providers/catalog.js';
import { ProviderRegistry } from './providers/registry.js';
import { registerPublishApi } from './publish/admin-api.js';
import { RateLimits } from './ratelimit/limits.js';
import { QuotaLeases } from './ratelimit/quota-leases.js';
import { SharedBuckets } from './ratelimit/shared-buckets.js';
import { createSearch } from './search/create-search.js';
import type { Services } from './services.js';

export interface Gateway {
  app: App;
  ingestLog: IngestLog;
  backpressure: Backpressure;
  /** Background sample of every queue and the live workers (backpressure, health, admin page, self-alerts). */
  sampler: QueueSampler;
  stop(): Promise<void>;
}

/** Builds the HTTP gateway with every route; the caller decides whether to listen. */
export async function buildGateway(
  services: Services,
  log: Logger,
  config: Config = services.config,
): Promise<Gateway> {
  const { database, redis } = services;
  const keys = new ApiKeyStore(database.db, config.API_KEY_CACHE_MS);
  const rules = new DedupRuleCache(database.db);
  const ingestLog = new IngestLog(redis, config.QUEUE_PREFIX, config.SHARDS, (tenant, providerType, providerId) =>
    rules.ruleFor(tenant, providerType, providerId),
  );
  const deadLetters = new IngestDeadLetters(redis, config.QUEUE_PREFIX);
  const backpressure = new Backpressure({
    highWatermark: config.BACKPRESSURE_HIGH_WATERMARK,
    lowWatermark: config.BACKPRESSURE_LOW_WATERMARK,
    maxAgeMs: config.BACKPRESSURE_MAX_AGE_SECONDS * 1000,
    criticalHardLimit: config.BACKPRESSURE_CRITICAL_HARD_LIMIT,
  });
  const sampler = createQueueSampler(services, config, log);
  sampler.onSample((sample) => backpressure.observe(sample));
  const leases = new QuotaLeases(new SharedBuckets(redis, `${config.QUEUE_PREFIX}:bucket:`));
  await rules.start();
  await sampler.start();

  const app = await createApp(config, log);
  const registry = new ProviderRegistry(PROVIDER_ADAPTERS);
  registerHealthRoutes(app, services.checks);
  registerMetricsRoute(app);
  registerProviderRoutes(app, registry);
  await registerIngestRoutes(app, {
    registry,
    ingestLog,
    backpressure,
    rules,
    rawPolicy: new RawPolicy(config.RAW_STORE, config.RAW_STORE_PROVIDERS),
    limits: RateLimits.fromConfig(config, (name) => registry.get(name)?.adapter.type),
    leases,
    sns: new SnsConfirmer(redis, config.QUEUE_PREFIX, app.log),
    authenticate: createAuthenticate(keys, { admin: false }),
    maxAlertsPerRequest: config.MAX_ALERTS_PER_REQUEST,
    jsonLimits: jsonLimits(config),
    timeWindow: {
      maxPastMs: config.ALERT_TIME_MAX_PAST_DAYS * 86_400_000,
      maxFutureMs: config.ALERT_TIME_MAX_FUTURE_MINUTES * 60_000,
    },
    signatures: {
      redis,
      prefix: config.QUEUE_PREFIX,
      toleranceSeconds: config.WEBHOOK_SIGNATURE_TOLERANCE_SECONDS,
    },
  });
  registerAdminRoutes(app, {
    authenticate: createAuthenticate(keys, { admin: true }),
    db: database.db,
    rules,
    deadLetters,
    ingestLog,
  });
  registerArchiveLogRoute(app, { authenticate: createAuthenticate(keys, { admin: true }), database });
  const publishApi = await registerPublishApi(app, services, config, log, createAuthenticate(keys, { admin: true }));
  registerSearchRoutes(app, {
    authenticate: createAuthenticate(keys, { admin: false }),
    search: createSearch(services, config, log),
  });
  const lifecycleApi = await registerLifecycleApi(app, services, config, log, {
    tenant: createAuthenticate(keys, { admin: false }),
    admin: createAuthenticate(keys, { admin: true }),
  });
  await registerObservability(app, {
    services,
    config,
    sampler,
    authenticate: createAuthenticate(keys, { admin: true }),
    publish: publishApi,
  });
  await app.ready();

  let stopped: Promise<void> | undefined;
  return {
    app,
    ingestLog,
    backpressure,
    sampler,
    stop: () => {
      stopped ??= (async () => {
        await app.close();
        await leases.close();
        await sampler.stop();
        rules.stop();
        await Promise.allSettled([deadLetters.close(), publishApi.close(), lifecycleApi.close()]);
      })();
      return stopped;
    },
  };
}
