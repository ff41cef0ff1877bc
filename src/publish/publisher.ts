import pLimit from 'p-limit';
import type { Logger } from 'pino';
import type { RedisClient } from '../redis.js';
import type { Database } from '../store/db.js';
import { Breakers } from './circuit.js';
import { PublishDeadLetters } from './dead-letters.js';
import { createDeliver } from './deliver.js';
import { DeliveryMarks } from './delivery-marks.js';
import { createFanout } from './fanout.js';
import { countsAgainstTarget, type TargetHealth } from './health.js';
import type { DeliveryOutcome } from './model.js';
import type { RetryPolicy } from './outcome.js';
import { PublishLog } from './publish-log.js';
import type { DeliverJob } from './publish-queue.js';
import { TargetRateLimiter } from './rate-limiter.js';
import { createSettle } from './settle.js';
import { StormMode } from './storm.js';
import type { TargetCatalog } from './target-catalog.js';
import { HttpSender } from './targets/http.js';

/** How deliveries are made (the `publish.delivery` config section). */
export interface DeliveryOptions {
  /** Target requests in flight per process, across targets. */
  concurrency: number;
  /** Per-delivery timeout when the target sets none, in ms. */
  timeoutMs: number;
  /** Stalled deliveries to one target from which its new ones are deferred. */
  stalledLimit: number;
  /** Consecutive failures that open a target's breaker; cool-down before a trial request, in ms. */
  circuit: { threshold: number; halfOpenAfterMs: number };
}

/** Storm mode lasts this long after a target's rate limit was last exceeded. */
const STORM_QUIET_MS = 60_000;

export interface PipelineDeps {
  database: Database;
  redis: RedisClient;
  /** Namespace of the shared keys (QUEUE_PREFIX). */
  prefix: string;
  catalog: TargetCatalog;
  health: TargetHealth;
  log: Logger;
}

export interface PipelineOptions {
  delivery: DeliveryOptions;
  retry: RetryPolicy;
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
export function buildPublishPipeline(deps: PipelineDeps, options: PipelineOptions) {
  const { database, redis, prefix, catalog, health, log } = deps;
  const { delivery } = options;
  const stop = new AbortController();
  const http = new HttpSender();
  const breakers = new Breakers<DeliveryOutcome>({
    threshold: delivery.circuit.threshold,
    halfOpenAfterMs: delivery.circuit.halfOpenAfterMs,
    isFailure: (outcome) => outcome.kind === 'failed' && countsAgainstTarget(outcome.failure),
  });
  const now = options.now ?? Date.now;
  const limitRequests = pLimit(delivery.concurrency);
  const deliver = createDeliver({
    http,
    health,
    breakers,
    limiter: new TargetRateLimiter(redis, prefix),
    storm: new StormMode(redis, prefix, { quietMs: STORM_QUIET_MS, memoryMs: options.retry.retryWindowMs }),
    limitRequests: (send) => limitRequests(send),
    defaultTimeoutMs: delivery.timeoutMs,
    stalledLimit: delivery.stalledLimit,
    stopSignal: stop.signal,
    now: () => new Date(now()),
    log,
  });
  const deadLetters = new PublishDeadLetters(database.db);
  const settler = createSettle({
    deadLetters,
    catalog,
    policy: options.retry,
    random: options.random ?? Math.random,
    now,
    log,
  });
  const marks = new DeliveryMarks(redis, prefix);
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
    /** Aborts in-flight requests and drains the publish log; the catalog is its owner's to stop. */
    async close(): Promise<void> {
      stop.abort(new DOMException('publisher stopped', 'AbortError'));
      await Promise.allSettled([http.close(), publishLog?.drain()]);
    },
  };
}

export type PublishPipeline = ReturnType<typeof buildPublishPipeline>;
