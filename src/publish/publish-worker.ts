import { DelayedError, type Job, MetricsTime, UnrecoverableError } from 'bullmq';
import type { Logger } from 'pino';
import { type Component, startComponent } from '../component.js';
import { startQueueWorker } from '../queue-worker.js';
import type { RedisClient } from '../redis.js';
import { backoffDelay, type RetryPolicy } from './outcome.js';
import { type BatchJob, type DeliverJob, PUBLISH_QUEUE, type PublishJob } from './publish-queue.js';
import type { PublishPipeline } from './publisher.js';

/** Thrown by a delivery job that should run again after `delayMs` (BullMQ's backoff reads it). */
class RetryLater extends Error {
  constructor(
    readonly delayMs: number,
    message: string,
  ) {
    super(message);
    this.name = 'RetryLater';
  }
}

/** The publish consumer's settings (the `publish.worker` config section). */
export interface PublishWorkerOptions {
  /** Publish jobs processed in parallel per process. */
  concurrency: number;
  /** publish_log rows older than this are deleted. */
  logRetentionHours: number;
  /** Publish dead letters older than this are deleted. */
  deadLetterRetentionDays: number;
}

export interface PublishWorkerDeps {
  pipeline: PublishPipeline;
  /** The consumer's own blocking connection, closed at stop. */
  connection: RedisClient;
  /** Namespace of the queue (QUEUE_PREFIX). */
  prefix: string;
  retry: RetryPolicy;
  log: Logger;
}

const UPKEEP_MS = 60_000;

/**
 * The `publish` queue consumer (batch fan-outs and per-target retries) and the retention upkeep.
 * Outcomes map to BullMQ once, here: a retry throws RetryLater (backoff from the decision), a wait
 * that is not the target's fault moves the job to delayed without spending an attempt, giving up
 * is an UnrecoverableError. Stop lets the jobs in flight finish.
 */
export function startPublishWorker(deps: PublishWorkerDeps, options: PublishWorkerOptions): Promise<Component> {
  const { pipeline, log } = deps;
  const processBatch = async (job: Job<BatchJob>) => {
    const result = await pipeline.fanOut(job.data, { rerun: job.attemptsStarted > 1 });
    return { total: result.total, succeeded: result.succeeded, failed: result.failed, skipped: result.skipped };
  };

  const processDelivery = async (job: Job<DeliverJob>, token: string | undefined) => {
    const data = job.data;
    const attemptsMade = data.attemptsBefore + job.attemptsMade + 1;
    const target = pipeline.catalog.get(data.target);
    if (!target?.enabled) {
      const why = target ? 'target disabled' : 'target removed';
      await pipeline.deadLetters.add([
        {
          batchId: data.batchId,
          target: data.target,
          targetType: target?.type ?? 'webhook',
          alerts: data.alerts,
          errorClass: 'permanent',
          reason: target ? 'disabled' : 'removed',
          error: `${why} while a retry was pending`,
          attempts: attemptsMade - 1,
        },
      ]);
      return 'dead-lettered';
    }
    const outcome = await pipeline.deliver(target, data.alerts, { batchId: data.batchId, messageId: data.messageId });
    const { line, next } = await pipeline.settler.settle(
      target,
      { batchId: data.batchId, attemptsMade, firstAttemptAt: data.firstAttemptAt },
      outcome,
    );
    await pipeline.publishLog
      ?.updateTarget(data.batchId, line)
      .catch((error: unknown) => log.warn({ err: error, batchId: data.batchId }, 'could not update publish_log'));
    if (next.action === 'retry') {
      if (next.alerts.length !== data.alerts.length) await job.updateData({ ...data, alerts: next.alerts });
      if (next.spendsAttempt) throw new RetryLater(next.delayMs, line.error ?? 'delivery failed');
      // Throttled or circuit open: wait without spending an attempt (docs.bullmq.io, "Stop retrying
      // jobs": attemptsMade is not increased for DelayedError).
      await job.moveToDelayed(Date.now() + next.delayMs, token);
      throw new DelayedError();
    }
    await pipeline.marks
      .set(data.batchId, new Map([[target.name, line.ok ? 'delivered' : 'dead-lettered']]))
      .catch(() => {});
    if (next.action === 'give-up') throw new UnrecoverableError(next.failure.message);
    return line.ok ? 'delivered' : 'dead-lettered';
  };

  return startComponent(async (scope) => {
    scope.own(
      await startQueueWorker<PublishJob>(
        'publish worker',
        PUBLISH_QUEUE,
        (job, token) =>
          job.name === 'batch' ? processBatch(job as Job<BatchJob>) : processDelivery(job as Job<DeliverJob>, token),
        {
          connection: deps.connection,
          prefix: deps.prefix,
          concurrency: options.concurrency,
          // BullMQ's completion counter: the queue-health sampler derives publish throughput from it.
          metrics: { maxDataPoints: MetricsTime.ONE_HOUR },
          settings: {
            backoffStrategy: (attemptsMade, _type, error) =>
              error instanceof RetryLater ? error.delayMs : backoffDelay(attemptsMade, deps.retry),
          },
        },
        log,
      ),
    );
    const upkeep = setInterval(() => {
      Promise.all([
        pipeline.publishLog?.prune(options.logRetentionHours),
        pipeline.deadLetters.prune(options.deadLetterRetentionDays),
      ]).catch((error: unknown) => log.warn({ err: error }, 'publish retention upkeep failed'));
    }, UPKEEP_MS);
    upkeep.unref();
    scope.onStop(() => clearInterval(upkeep));
    return {};
  });
}
