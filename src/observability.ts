import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { App } from './http/app.js';
import { DEFAULT_ADMIN_UI_DIR, registerAdminPage } from './http/routes/admin-page.js';
import { registerQueueHealthRoute } from './http/routes/queue-health.js';
import { AdminSnapshots } from './observe/admin-snapshot.js';
import {
  archiveSource,
  publishDeadLetterCounter,
  publishDeadLetterSource,
  targetSource,
} from './observe/admin-sources.js';
import { ClusterStats } from './observe/cluster-stats.js';
import { healthThresholds } from './observe/queue-health.js';
import { QueueSampler } from './observe/queue-sampler.js';
import { INGEST_DLQ } from './pipeline/dead-letters.js';
import type { TargetHealth } from './publish/health.js';
import { PUBLISH_QUEUE } from './publish/publish-queue.js';
import type { TargetCatalog } from './publish/target-catalog.js';
import type { Services } from './services.js';

export interface ObservabilityDeps {
  services: Services;
  config: Config;
  sampler: QueueSampler;
  /** Admin-key hook. */
  authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  /** The publish catalog and target health, when this gateway serves publishing. */
  publish?: { catalog: TargetCatalog; health: TargetHealth };
}

/** Chart history the page can draw on connect is its own; the server keeps rates for six minutes. */
const STATS_RETENTION_MS = 6 * 60_000;

/**
 * The gateway's one queue sampler, not yet started: it counts the publish queue and the ingest dead
 * letters beside the ingest log, and the publish dead letters in PostgreSQL.
 */
export function createQueueSampler(services: Services, config: Config, log: Logger): QueueSampler {
  return new QueueSampler(
    services.redis,
    config.SHARDS,
    {
      prefix: config.QUEUE_PREFIX,
      intervalMs: config.QUEUE_SAMPLE_INTERVAL_MS,
      workerLivenessMs: config.HEALTH_WORKER_LIVENESS_SECONDS * 1000,
      thresholds: healthThresholds(config),
    },
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

/** The gateway's observation routes over its sampler: /admin/queues/health and the admin page. */
export async function registerObservability(app: App, deps: ObservabilityDeps): Promise<void> {
  const { services, config } = deps;
  const thresholds = healthThresholds(config);
  const latestSample = () => deps.sampler.latest();
  registerQueueHealthRoute(app, { authenticate: deps.authenticate, latestSample, thresholds });

  const stats = new ClusterStats(services.redis, {
    prefix: config.QUEUE_PREFIX,
    shareIntervalMs: config.STATS_SHARE_INTERVAL_MS,
    retentionMs: STATS_RETENTION_MS,
  });
  const snapshots = new AdminSnapshots(stats, latestSample, thresholds, {
    targets: deps.publish && targetSource(deps.publish.catalog, deps.publish.health),
    publishDeadLetters: deps.publish && publishDeadLetterSource(services.database),
    archive: archiveSource(services.database, config.ARCHIVE_AFTER_DAYS),
  });
  await registerAdminPage(app, {
    authenticate: deps.authenticate,
    snapshot: () => snapshots.build(),
    uiDir: config.ADMIN_UI_DIR ?? DEFAULT_ADMIN_UI_DIR,
  });
}
