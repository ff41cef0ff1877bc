/** The gateway role: builds every component the HTTP gateway uses once, then registers the routes. */
import type { Logger } from 'pino';
import { DedupRuleCache } from '../alert/dedup-rules.js';
import { ApiKeyStore } from '../auth/api-keys.js';
import { type Component, startComponent } from '../component.js';
import type { Config } from '../config.js';
import { type App, createApp } from '../http/app.js';
import { DEFAULT_ADMIN_UI_DIR } from '../http/routes/admin-page.js';
import { registerGatewayRoutes } from '../http/routes/index.js';
import { Backpressure } from '../ingest/backpressure.js';
import { RawPolicy } from '../ingest/raw-policy.js';
import { SnsConfirmer } from '../ingest/sns-confirmer.js';
import { createLifecycleAnnouncer } from '../lifecycle/announce.js';
import { LifecycleStore } from '../lifecycle/lifecycle-store.js';
import { SilenceStore } from '../lifecycle/silence-store.js';
import { AdminSnapshots } from '../observe/admin-snapshot.js';
import {
  archiveSource,
  publishDeadLetterCounter,
  publishDeadLetterSource,
  targetSource,
} from '../observe/admin-sources.js';
import { ClusterStats } from '../observe/cluster-stats.js';
import { QueueSampler } from '../observe/queue-sampler.js';
import { loadSelfAlertRules } from '../observe/self-alert-rules.js';
import { SelfAlerts } from '../observe/self-alerts.js';
import { INGEST_DLQ, IngestDeadLetters } from '../pipeline/dead-letters.js';
import { IngestLog } from '../pipeline/ingest-log.js';
import { PROVIDER_ADAPTERS } from '../providers/catalog.js';
import { ProviderRegistry } from '../providers/registry.js';
import { PublishDeadLetters } from '../publish/dead-letters.js';
import { TargetHealth } from '../publish/health.js';
import { PublishLog } from '../publish/publish-log.js';
import { PUBLISH_QUEUE, PublishQueue } from '../publish/publish-queue.js';
import { TargetCatalog } from '../publish/target-catalog.js';
import { RateLimits } from '../ratelimit/limits.js';
import { QuotaLeases } from '../ratelimit/quota-leases.js';
import { SharedBuckets } from '../ratelimit/shared-buckets.js';
import { RealtimeEventLog } from '../realtime/event-log.js';
import { StreamHub } from '../realtime/hub.js';
import { RealtimeRelay } from '../realtime/relay.js';
import { createWorkerRedis } from '../redis.js';
import { EscalationCatalog } from '../rules/escalation-catalog.js';
import { createSearch } from '../search/create-search.js';
import { assertSchemaCurrent } from '../store/db.js';
import type { Services } from './services.js';

export interface Gateway extends Component {
  app: App;
  ingestLog: IngestLog;
  backpressure: Backpressure;
  /** Background sample of every queue and the live workers (backpressure, health, admin page, self-alerts). */
  sampler: QueueSampler;
}

/** Reconnect delay suggested to EventSource clients. */
const SSE_RETRY_MS = 3000;

/**
 * The gateway's one queue sampler, not yet started: it counts the publish queue and the ingest dead
 * letters beside the ingest log, and the publish dead letters in PostgreSQL.
 */
export function createQueueSampler(services: Services, config: Config, log: Logger): QueueSampler {
  return new QueueSampler(
    services.redis,
    config.SHARDS,
    { prefix: config.QUEUE_PREFIX, ...config.observe.sampler },
    log,
    {
      jobQueues: [
        { name: PUBLISH_QUEUE, kind: 'publish' },
        { name: INGEST_DLQ, kind: 'dead-letter' },
      ],
      countPublishDeadLetters: publishDeadLetterCounter(services.database),
    },
  );
}

/**
 * Builds the HTTP gateway with every route; the caller decides whether to listen. Stop closes the
 * server first (in-flight requests finish, streams end), then everything built before it.
 */
export function buildGateway(services: Services, log: Logger, config: Config = services.config): Promise<Gateway> {
  const { database, redis } = services;
  const prefix = config.QUEUE_PREFIX;
  return startComponent(async (scope) => {
    const keys = new ApiKeyStore(database.db, config.auth.keyCacheMs);
    const rules = new DedupRuleCache(database.db);
    await rules.start();
    scope.onStop(() => rules.stop());
    const ingestLog = new IngestLog(redis, prefix, config.SHARDS, (tenant, providerType, providerId) =>
      rules.ruleFor(tenant, providerType, providerId),
    );
    const deadLetters = new IngestDeadLetters(redis, prefix);
    scope.onStop(() => deadLetters.close());
    const backpressure = new Backpressure(config.ingest.backpressure);
    const leases = new QuotaLeases(new SharedBuckets(redis, `${prefix}:bucket:`));
    scope.onStop(() => leases.close());

    const targets = new TargetCatalog(database.db, config.publish.targets);
    await targets.start();
    scope.onStop(() => targets.stop());
    const targetHealth = new TargetHealth(redis, prefix, config.publish.health);
    const publishQueue = new PublishQueue(redis, prefix);
    scope.onStop(() => publishQueue.close());
    const policies = new EscalationCatalog(database.db, config.escalation.policies);
    await policies.start();
    scope.onStop(() => policies.stop());

    const events = new RealtimeEventLog(redis, prefix, config.realtime.replayEvents);
    const hub = new StreamHub(config.realtime.hub);
    const relay = new RealtimeRelay(createWorkerRedis(config, `realtime-relay-${process.pid}`), events, hub, log);
    await relay.start();
    scope.onStop(() => relay.stop());

    const thresholds = config.observe.health;
    const sampler = createQueueSampler(services, config, log);
    sampler.onSample((sample) => backpressure.observe(sample));
    await sampler.start();
    scope.onStop(() => sampler.stop());
    const latestSample = () => sampler.latest();
    const snapshots = new AdminSnapshots(
      new ClusterStats(redis, { prefix, ...config.observe.clusterStats }),
      latestSample,
      thresholds,
      {
        targets: targetSource(targets, targetHealth),
        publishDeadLetters: publishDeadLetterSource(database),
        archive: archiveSource(database, config.archive.archiver.afterDays),
      },
    );

    const app = await createApp(config.http.app, log);
    scope.onStop(() => app.close());
    const providers = new ProviderRegistry(PROVIDER_ADAPTERS);
    const lifecycle = new LifecycleStore(database.sql);
    await registerGatewayRoutes(app, {
      keys,
      checks: services.checks,
      providers,
      ingest: {
        registry: providers,
        ingestLog,
        backpressure,
        rules,
        rawPolicy: new RawPolicy(config.ingest.rawStorage),
        limits: RateLimits.load(config.ingest.rateLimits, (name) => providers.get(name)?.adapter.type),
        leases,
        sns: new SnsConfirmer(redis, prefix, app.log),
        maxAlertsPerRequest: config.ingest.maxAlertsPerRequest,
        jsonLimits: config.http.app.json,
        timeWindow: config.ingest.timeWindow,
        signatures: { redis, prefix, ...config.ingest.signatures },
      },
      search: { search: createSearch(services, config.search, log) },
      lifecycle: { store: lifecycle, announce: createLifecycleAnnouncer(events, lifecycle, log) },
      streams: { hub, events, retryMs: SSE_RETRY_MS },
      admin: { db: database.db, rules, deadLetters, ingestLog },
      archiveLog: { database },
      targets: { catalog: targets, health: targetHealth },
      publishAdmin: {
        deadLetters: new PublishDeadLetters(database.db),
        publishLog: new PublishLog(database.sql, log),
        queue: publishQueue,
      },
      silences: { silences: new SilenceStore(database.db) },
      escalationPolicies: { catalog: policies },
      queueHealth: { latestSample, thresholds },
      adminPage: { snapshot: () => snapshots.build(), uiDir: config.http.adminUiDir ?? DEFAULT_ADMIN_UI_DIR },
    });
    await app.ready();
    return { app, ingestLog, backpressure, sampler };
  });
}

/**
 * Evaluates self-alerts over the gateway's queue sample. Every gateway runs the evaluator; a Redis
 * lease lets one at a time evaluate.
 */
export function startSelfAlerts(
  services: Services,
  log: Logger,
  gateway: Pick<Gateway, 'ingestLog' | 'sampler'>,
  config: Config = services.config,
): SelfAlerts {
  const { staleAfterMs } = config.observe.health;
  // A stale sample (Redis away) judges nothing: firing alerts stay as they are until it is fresh.
  const latestSample = () => {
    const sample = gateway.sampler.latest();
    return sample && Date.now() - sample.at <= staleAfterMs ? sample : undefined;
  };
  const selfAlerts = new SelfAlerts(
    { redis: services.redis, ingestLog: gateway.ingestLog, latestSample, log },
    {
      prefix: config.QUEUE_PREFIX,
      ...config.observe.selfAlerts,
      rules: loadSelfAlertRules(config.observe.selfAlertRules),
    },
  );
  selfAlerts.start();
  return selfAlerts;
}

/** `alertgate serve`: the gateway listening on HOST:PORT, with the self-alert evaluator. */
export function startGatewayRole(services: Services, log: Logger): Promise<Component & { gateway: Gateway }> {
  const { config } = services;
  return startComponent(async (scope) => {
    await assertSchemaCurrent(services.database.sql);
    const gateway = scope.own(await buildGateway(services, log));
    await gateway.app.listen(config.http.listen);
    const selfAlerts = startSelfAlerts(services, log, gateway);
    scope.onStop(() => selfAlerts.stop());
    return { gateway };
  });
}
