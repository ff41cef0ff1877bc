import pLimit from 'p-limit';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { RedisClient } from '../redis.js';
import type { Database } from '../store/db.js';
import { Breakers } from './circuit.js';
import { PublishDeadLetters } from './dead-letters.js';
import { createDeliver } from './deliver.js';
import { DeliveryMarks } from './delivery-marks.js';
import { createFanout } from './fanout.js';
import { countsAgainstTarget, TargetHealth } from './health.js';
import type { DeliveryOutcome } from './model.js';
import { PublishLog } from './publish-log.js';
import type { DeliverJob } from './publish-queue.js';
import { TargetRateLimiter } from './rate-limiter.js';
import { createSettle } from './settle.js';
import { StormMode } from './storm.js';
import { TargetCatalog } from './target-catalog.js';
import { loadTargetsFile } from './target-schema.js';
import { HttpSender } from './targets/http.js';

type PublishConfig = Pick<
  Config,
  | 'QUEUE_PREFIX'
  | 'TARGETS_FILE'
  | 'PUBLISH_CONCURRENCY'
  | 'PUBLISH_TIMEOUT_MS'
  | 'PUBLISH_STALLED_LIMIT'
  | 'PUBLISH_MAX_ATTEMPTS'
  | 'PUBLISH_BACKOFF_BASE_MS'
  | 'PUBLISH_BACKOFF_MAX_MS'
  | 'PUBLISH_RETRY_WINDOW_MS'
  | 'PUBLISH_UNHEALTHY_AFTER'
  | 'PUBLISH_HEALTH_PROBE_MS'
  | 'PUBLISH_CIRCUIT_THRESHOLD'
  | 'PUBLISH_CIRCUIT_HALF_OPEN_MS'
  | 'PUBLISH_TARGETS_REFRESH_MS'
>;

/** Storm mode lasts this long after a target's rate limit was last exceeded. */
const STORM_QUIET_MS = 60_000;

export interface PipelineOptions {
  /** Where retry jobs go; the fan-out cannot retry without it. */
  scheduleRetry: (job: DeliverJob, delayMs: number, jobId: string) => Promise<void>;
  /** Write publish_log rows (off in benchmarks that measure the fan-out alone). */
  publishLog?: boolean;
  random?: () => number;
  now?: () => number;
}

/**
 * Everything between "a batch to publish" and "each target settled", without the queue: the
 * composition the publish worker and the benchmark share. `close` aborts in-flight requests.
 */
export async function buildPublishPipeline(
  database: Database,
  redis: RedisClient,
  config: PublishConfig,
  log: Logger,
  options: PipelineOptions,
) {
  const fileTargets = config.TARGETS_FILE ? loadTargetsFile(config.TARGETS_FILE) : [];
  const catalog = new TargetCatalog(database.db, fileTargets, config.PUBLISH_TARGETS_REFRESH_MS);
  await catalog.start();
  const stop = new AbortController();
  const http = new HttpSender();
  const health = new TargetHealth(redis, config.QUEUE_PREFIX, {
    unhealthyAfter: config.PUBLISH_UNHEALTHY_AFTER,
    probeIntervalMs: config.PUBLISH_HEALTH_PROBE_MS,
  });
  const breakers = new Breakers<DeliveryOutcome>({
    threshold: config.PUBLISH_CIRCUIT_THRESHOLD,
    halfOpenAfterMs: config.PUBLISH_CIRCUIT_HALF_OPEN_MS,
    isFailure: (outcome) => outcome.kind === 'failed' && countsAgainstTarget(outcome.failure),
  });
  const now = options.now ?? Date.now;
  const limitRequests = pLimit(config.PUBLISH_CONCURRENCY);
  const deliver = createDeliver({
    http,
    health,
    breakers,
    limiter: new TargetRateLimiter(redis, config.QUEUE_PREFIX),
    storm: new StormMode(redis, config.QUEUE_PREFIX, {
      quietMs: STORM_QUIET_MS,
      memoryMs: config.PUBLISH_RETRY_WINDOW_MS,
    }),
    limitRequests: (send) => limitRequests(send),
    defaultTimeoutMs: config.PUBLISH_TIMEOUT_MS,
    stalledLimit: config.PUBLISH_STALLED_LIMIT,
    stopSignal: stop.signal,
    now: () => new Date(now()),
    log,
  });
  const deadLetters = new PublishDeadLetters(database.db);
  const policy = {
    maxAttempts: config.PUBLISH_MAX_ATTEMPTS,
    backoffBaseMs: config.PUBLISH_BACKOFF_BASE_MS,
    backoffMaxMs: config.PUBLISH_BACKOFF_MAX_MS,
    retryWindowMs: config.PUBLISH_RETRY_WINDOW_MS,
  };
  const settler = createSettle({ deadLetters, catalog, policy, random: options.random ?? Math.random, now, log });
  const marks = new DeliveryMarks(redis, config.QUEUE_PREFIX);
  const publishLog = options.publishLog === false ? null : new PublishLog(database.sql, log);
  const fanOut = createFanout({
    catalog,
    health,
    deliver,
    settler,
    marks,
    scheduleRetry: options.scheduleRetry,
    publishLog,
    now,
    log,
  });
  return {
    catalog,
    health,
    breakers,
    deliver,
    settler,
    marks,
    deadLetters,
    publishLog,
    fanOut,
    async close(): Promise<void> {
      catalog.stop();
      stop.abort(new DOMException('publisher stopped', 'AbortError'));
      await Promise.allSettled([http.close(), publishLog?.drain()]);
    },
  };
}

export type PublishPipeline = Awaited<ReturnType<typeof buildPublishPipeline>>;
