/**
 * The configuration grouped by the component that takes it: each section is that component's
 * options type, so the composition passes `config.worker.batch` where it would map keys by hand.
 * The environment variables themselves, their validation and their docs stay in config.ts.
 */

import type { Static } from 'typebox';
import type { DedupOptions } from './alert/dedup.js';
import type { ArchiverOptions } from './archive/archiver.js';
import type { ConfigSchema } from './config.js';
import type { BackpressureOptions } from './ingest/backpressure.js';
import type { TimeWindow } from './ingest/normalize-request.js';
import type { BatchLoopOptions } from './pipeline/batch-loop.js';
import type { WorkerUpkeepOptions } from './pipeline/upkeep.js';
import type { TargetHealthOptions } from './publish/health.js';
import type { RetryPolicy } from './publish/outcome.js';
import type { PublishWorkerOptions } from './publish/publish-worker.js';
import type { DeliveryOptions } from './publish/publisher.js';
import type { TargetCatalogOptions } from './publish/target-catalog.js';
import type { HubOptions } from './realtime/hub.js';
import type { EscalationCatalogOptions } from './rules/escalation-catalog.js';
import type { SearchOptions } from './search/create-search.js';

type Env = Readonly<Static<typeof ConfigSchema>>;

export interface ConfigSections {
  ingest: {
    backpressure: BackpressureOptions;
    timeWindow: TimeWindow;
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
}

/** Groups the validated variables into sections; every derived value (units, shares) is computed here once. */
export function sectionsOf(env: Env): ConfigSections {
  return {
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
      batch: { size: env.BATCH_SIZE, maxSize: env.BATCH_MAX_SIZE, maxWaitMs: env.BATCH_MAX_WAIT_MS },
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
  };
}
