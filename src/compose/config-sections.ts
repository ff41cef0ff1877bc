/**
 * The configuration grouped by the component that takes it: each section is that component's
 * options type, so the composition passes `config.worker.batch` where it would map keys by hand.
 * The environment variables themselves, their validation and their docs stay in config-schema.ts.
 */

import type { DedupOptions } from '../alert/dedup.js';
import type { ArchiverOptions } from '../archive/archiver.js';
import type { Settings } from '../config-schema.js';
import type { AppOptions } from '../http/app.js';
import type { SignatureVerificationOptions } from '../http/signature-verification.js';
import type { BackpressureOptions } from '../ingest/backpressure.js';
import type { TimeWindow } from '../ingest/normalize-request.js';
import type { RawStorageOptions } from '../ingest/raw-policy.js';
import type { ClusterStatsOptions } from '../observe/cluster-stats.js';
import type { ProcessStatsOptions } from '../observe/process-stats.js';
import type { HealthThresholds } from '../observe/queue-health.js';
import type { QueueSamplerOptions } from '../observe/queue-sampler.js';
import type { SelfAlertRuleSource } from '../observe/self-alert-rules.js';
import type { SelfAlertsOptions } from '../observe/self-alerts.js';
import type { BatchLoopOptions } from '../pipeline/batch-loop.js';
import type { WorkerUpkeepOptions } from '../pipeline/upkeep.js';
import type { TargetHealthOptions } from '../publish/health.js';
import type { RetryPolicy } from '../publish/outcome.js';
import type { PublishWorkerOptions } from '../publish/publish-worker.js';
import type { DeliveryOptions } from '../publish/publisher.js';
import type { TargetCatalogOptions } from '../publish/target-catalog.js';
import type { RateLimitOptions } from '../ratelimit/limits.js';
import type { HubOptions } from '../realtime/hub.js';
import type { EscalationCatalogOptions } from '../rules/escalation-catalog.js';
import type { SearchOptions } from '../search/create-search.js';
import type { ProcessCounts } from '../supervisor/process-plan.js';
import type { SupervisorOptions } from '../supervisor/supervisor.js';

export interface ConfigSections {
  http: {
    /** Where the gateway listens. */
    listen: { host: string; port: number };
    app: AppOptions;
    /** Directory of the built admin page; absent: the one of this installation. */
    adminUiDir: string | undefined;
  };
  auth: {
    /** How long a verified API key is trusted without a database read, in ms. */
    keyCacheMs: number;
  };
  ingest: {
    backpressure: BackpressureOptions;
    timeWindow: TimeWindow;
    rateLimits: RateLimitOptions;
    rawStorage: RawStorageOptions;
    /** Most alerts one request may carry. */
    maxAlertsPerRequest: number;
    /** Signed ingestion; the Redis connection and key prefix are the process's. */
    signatures: Pick<SignatureVerificationOptions, 'toleranceSeconds'>;
  };
  observe: {
    health: HealthThresholds;
    sampler: Omit<QueueSamplerOptions, 'prefix'>;
    /** Sharing this process's counters; the role is the process's. */
    statsSharing: Pick<ProcessStatsOptions, 'intervalMs'>;
    clusterStats: Omit<ClusterStatsOptions, 'prefix'>;
    selfAlerts: Omit<SelfAlertsOptions, 'prefix' | 'rules'>;
    selfAlertRules: SelfAlertRuleSource;
  };
  publish: {
    targets: TargetCatalogOptions;
    health: TargetHealthOptions;
    retry: RetryPolicy;
    delivery: DeliveryOptions;
    worker: PublishWorkerOptions;
  };
  worker: {
    batch: BatchLoopOptions['batch'];
    dedup: DedupOptions;
    upkeep: WorkerUpkeepOptions;
  };
  realtime: {
    /** Events kept for `Last-Event-ID` resume (stream MAXLEN). */
    replayEvents: number;
    hub: HubOptions;
  };
  escalation: {
    policies: EscalationCatalogOptions;
  };
  search: SearchOptions;
  archive: {
    archiver: ArchiverOptions;
    /** Runs start at every wall-clock multiple of this, in ms. */
    intervalMs: number;
  };
  supervisor: {
    processes: ProcessCounts;
    drain: SupervisorOptions;
  };
}

/** Chart history the admin page can draw on connect; the server keeps rates this long. */
const STATS_RETENTION_MS = 6 * 60_000;

/** Groups the validated variables into sections; every derived value (units, shares) is computed here once. */
export function sectionsOf(env: Settings): ConfigSections {
  const health: HealthThresholds = {
    depthDegraded: env.HEALTH_QUEUE_DEPTH_DEGRADED,
    depthUnhealthy: env.HEALTH_QUEUE_DEPTH_UNHEALTHY,
    ageDegradedSeconds: env.HEALTH_QUEUE_AGE_DEGRADED_SECONDS,
    ageUnhealthySeconds: env.HEALTH_QUEUE_AGE_UNHEALTHY_SECONDS,
    staleAfterMs: Math.max(5000, 5 * env.QUEUE_SAMPLE_INTERVAL_MS),
  };
  return {
    http: {
      listen: { host: env.HOST, port: env.PORT },
      app: {
        bodyLimitBytes: env.BODY_LIMIT_BYTES,
        json: { maxDepth: env.JSON_MAX_DEPTH, maxArrayLength: env.JSON_MAX_ARRAY_LENGTH, maxKeys: env.JSON_MAX_KEYS },
        requestTimeoutMs: env.REQUEST_TIMEOUT_MS,
        headersTimeoutMs: env.HEADERS_TIMEOUT_MS,
        connectionIdleTimeoutMs: env.CONNECTION_IDLE_TIMEOUT_MS,
        keepAliveTimeoutMs: env.KEEP_ALIVE_TIMEOUT_MS,
        maxConnections: env.MAX_CONNECTIONS,
        logRequests: env.LOG_REQUESTS,
      },
      adminUiDir: env.ADMIN_UI_DIR,
    },
    auth: { keyCacheMs: env.API_KEY_CACHE_MS },
    ingest: {
      backpressure: {
        highWatermark: env.BACKPRESSURE_HIGH_WATERMARK,
        lowWatermark: env.BACKPRESSURE_LOW_WATERMARK,
        maxAgeMs: env.BACKPRESSURE_MAX_AGE_SECONDS * 1000,
        criticalHardLimit: env.BACKPRESSURE_CRITICAL_HARD_LIMIT,
      },
      timeWindow: {
        maxPastMs: env.ALERT_TIME_MAX_PAST_DAYS * 86_400_000,
        maxFutureMs: env.ALERT_TIME_MAX_FUTURE_MINUTES * 60_000,
      },
      rateLimits: {
        default: { capacity: env.RATE_LIMIT_CAPACITY, refillPerSecond: env.RATE_LIMIT_REFILL_PER_SECOND },
        file: env.RATE_LIMITS_FILE,
      },
      rawStorage: { default: env.RAW_STORE, providers: env.RAW_STORE_PROVIDERS },
      maxAlertsPerRequest: env.MAX_ALERTS_PER_REQUEST,
      signatures: { toleranceSeconds: env.WEBHOOK_SIGNATURE_TOLERANCE_SECONDS },
    },
    observe: {
      health,
      sampler: {
        intervalMs: env.QUEUE_SAMPLE_INTERVAL_MS,
        workerLivenessMs: env.HEALTH_WORKER_LIVENESS_SECONDS * 1000,
        thresholds: health,
      },
      statsSharing: { intervalMs: env.STATS_SHARE_INTERVAL_MS },
      clusterStats: { shareIntervalMs: env.STATS_SHARE_INTERVAL_MS, retentionMs: STATS_RETENTION_MS },
      selfAlerts: {
        tenant: env.SELF_ALERT_TENANT,
        intervalMs: env.SELF_ALERT_INTERVAL_SECONDS * 1000,
        shareIntervalMs: env.STATS_SHARE_INTERVAL_MS,
      },
      selfAlertRules: {
        file: env.SELF_ALERT_RULES_FILE,
        defaults: {
          maxJobs: env.HEALTH_QUEUE_DEPTH_DEGRADED,
          maxAgeSeconds: env.HEALTH_QUEUE_AGE_DEGRADED_SECONDS,
          maxPerSecond: env.RATE_LIMIT_REFILL_PER_SECOND,
        },
      },
    },
    publish: {
      targets: { file: env.TARGETS_FILE, refreshMs: env.PUBLISH_TARGETS_REFRESH_MS },
      health: { unhealthyAfter: env.PUBLISH_UNHEALTHY_AFTER, probeIntervalMs: env.PUBLISH_HEALTH_PROBE_MS },
      retry: {
        maxAttempts: env.PUBLISH_MAX_ATTEMPTS,
        backoffBaseMs: env.PUBLISH_BACKOFF_BASE_MS,
        backoffMaxMs: env.PUBLISH_BACKOFF_MAX_MS,
        retryWindowMs: env.PUBLISH_RETRY_WINDOW_MS,
      },
      delivery: {
        concurrency: env.PUBLISH_CONCURRENCY,
        timeoutMs: env.PUBLISH_TIMEOUT_MS,
        stalledLimit: env.PUBLISH_STALLED_LIMIT,
        circuit: { threshold: env.PUBLISH_CIRCUIT_THRESHOLD, halfOpenAfterMs: env.PUBLISH_CIRCUIT_HALF_OPEN_MS },
      },
      worker: {
        concurrency: env.PUBLISH_JOB_CONCURRENCY,
        logRetentionHours: env.PUBLISH_LOG_RETENTION_HOURS,
        deadLetterRetentionDays: env.PUBLISH_DLQ_RETENTION_DAYS,
      },
    },
    worker: {
      batch: {
        size: env.BATCH_SIZE,
        maxSize: env.BATCH_MAX_SIZE,
        maxWaitMs: env.BATCH_MAX_WAIT_MS,
        concurrency: env.BATCH_CONCURRENCY,
      },
      dedup: {
        bloomCapacity: env.BLOOM_CAPACITY,
        bloomErrorRate: env.BLOOM_ERROR_RATE,
        // DEDUP_CACHE_SIZE is per worker; each owned shard keeps its own LRU.
        cacheSize: Math.ceil(env.DEDUP_CACHE_SIZE / env.SHARDS),
      },
      upkeep: { partitionDaysAhead: env.PARTITION_DAYS_AHEAD, lastAlertTtlDays: env.LAST_ALERT_TTL_DAYS },
    },
    realtime: {
      replayEvents: env.REALTIME_REPLAY_EVENTS,
      hub: {
        bufferBytes: env.REALTIME_CLIENT_BUFFER_BYTES,
        heartbeatMs: env.REALTIME_HEARTBEAT_MS,
        maxClients: env.REALTIME_MAX_CLIENTS,
      },
    },
    escalation: {
      policies: { file: env.ESCALATION_FILE, refreshMs: env.ESCALATION_REFRESH_MS },
    },
    search: {
      cursorSecret: env.SEARCH_CURSOR_SECRET,
      postgresTimeoutMs: env.SEARCH_POSTGRES_TIMEOUT_MS,
      elasticsearchTimeoutMs: env.SEARCH_ELASTICSEARCH_TIMEOUT_MS,
      totalLimit: env.SEARCH_TOTAL_LIMIT,
      archiveIndexPrefix: env.ARCHIVE_INDEX_PREFIX,
    },
    archive: {
      archiver: {
        prefix: env.ARCHIVE_INDEX_PREFIX,
        afterDays: env.ARCHIVE_AFTER_DAYS,
        deleteAfterDays: env.ARCHIVE_DELETE_AFTER_DAYS,
        raw: env.ARCHIVE_RAW,
        shards: env.ARCHIVE_INDEX_SHARDS,
        replicas: env.ARCHIVE_INDEX_REPLICAS,
        bulk: {
          flushBytes: env.ARCHIVE_BULK_BYTES,
          concurrency: env.ARCHIVE_BULK_CONCURRENCY,
          retries: 6,
          initialBackoffMs: 500,
          maxBackoffMs: 30_000,
        },
        cursorRows: 2000,
      },
      intervalMs: env.ARCHIVE_INTERVAL_MINUTES * 60_000,
    },
    supervisor: {
      processes: { gateways: env.GATEWAY_PROCESSES, workers: env.WORKER_PROCESSES },
      drain: { graceMs: env.SHUTDOWN_GRACE_MS },
    },
  };
}
