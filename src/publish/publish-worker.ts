import { DelayedError, type Job, MetricsTime, UnrecoverableError, Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { CommitOutput } from '../pipeline/committed-batch.js';
import { createWorkerRedis } from '../redis.js';
import type { Services } from '../services.js';
import { backoffDelay } from './outcome.js';
import {
  type BatchJob,
  createPublishOutput,
  type DeliverJob,
  PUBLISH_QUEUE,
  type PublishJob,
  PublishQueue,
} from './publish-queue.js';
import { buildPublishPipeline, type PublishPipeline } from './publisher.js';

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

export interface Publisher {
  /** Give to startWorker: enqueues each committed batch's publish job. */
  output: CommitOutput;
  pipeline: PublishPipeline;
  queue: PublishQueue;
  stop(): Promise<void>;
}

const UPKEEP_MS = 60_000;

/**
 * Starts the publish side of a worker process: the target catalog, the `publish` queue consumer
 * (batch fan-outs and per-target retries) and the retention upkeep. Outcomes map to BullMQ once,
 * here: a retry throws RetryLater (backoff from the decision), a wait that is not the target's
 * fault moves the job to delayed without spending an attempt, giving up is an UnrecoverableError.
 */
export async function startPublisher(
  services: Services,
  log: Logger,
  options: { config?: Config; random?: () => number } = {},
): Promise<Publisher> {
  const config = options.config ?? services.config;
  const producer = createWorkerRedis(config, 'publish-queue');
  const queue = new PublishQueue(producer, config.QUEUE_PREFIX);
  const pipeline = await buildPublishPipeline(services.database, services.redis, config, log, {
    scheduleRetry: (job, delayMs, jobId) => queue.addDelivery(job, delayMs, jobId),
    random: options.random,
  });
  const policy = {
    maxAttempts: config.PUBLISH_MAX_ATTEMPTS,
    backoffBaseMs: config.PUBLISH_BACKOFF_BASE_MS,
    backoffMaxMs: config.PUBLISH_BACKOFF_MAX_MS,
    retryWindowMs: config.PUBLISH_RETRY_WINDOW_MS,
  };

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

  const connection = createWorkerRedis(config, 'publish-worker');
  const worker = new Worker<PublishJob>(
    PUBLISH_QUEUE,
    (job, token) =>
      job.name === 'batch' ? processBatch(job as Job<BatchJob>) : processDelivery(job as Job<DeliverJob>, token),
    {
      connection,
      prefix: config.QUEUE_PREFIX,
      concurrency: config.PUBLISH_JOB_CONCURRENCY,
      // BullMQ's completion counter: the queue-health sampler derives publish throughput from it.
      metrics: { maxDataPoints: MetricsTime.ONE_HOUR },
      settings: {
        backoffStrategy: (attemptsMade, _type, error) =>
          error instanceof RetryLater ? error.delayMs : backoffDelay(attemptsMade, policy),
      },
    },
  );
  worker.on('error', (error) => log.warn({ err: error }, 'publish worker error'));

  const upkeep = setInterval(() => {
    Promise.all([
      pipeline.publishLog?.prune(config.PUBLISH_LOG_RETENTION_HOURS),
      pipeline.deadLetters.prune(config.PUBLISH_DLQ_RETENTION_DAYS),
    ]).catch((error: unknown) => log.warn({ err: error }, 'publish retention upkeep failed'));
  }, UPKEEP_MS);
  upkeep.unref();

  let stopped: Promise<void> | undefined;
  return {
    output: createPublishOutput(queue, pipeline.catalog),
    pipeline,
    queue,
    stop: () => {
      stopped ??= (async () => {
        clearInterval(upkeep);
        // Every step runs even if one fails: in-flight jobs first, then the pipeline, then connections.
        const results: PromiseSettledResult<unknown>[] = await Promise.allSettled([worker.close()]);
        results.push(...(await Promise.allSettled([pipeline.close(), queue.close()])));
        results.push(...(await Promise.allSettled([connection.quit(), producer.quit()])));
        for (const result of results)
          if (result.status === 'rejected') log.warn({ err: result.reason }, 'publisher stop step failed');
      })();
      return stopped;
    },
  };
}
