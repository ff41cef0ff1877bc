import { type Job, Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { Alert } from '../alert/alert.js';
import type { Config } from '../config.js';
import type { SilenceStore } from '../lifecycle/silence-store.js';
import type { CommitOutput } from '../pipeline/committed-batch.js';
import { messageIdOf, type PublishQueue } from '../publish/publish-queue.js';
import { createWorkerRedis } from '../redis.js';
import type { Services } from '../services.js';
import { EscalationCatalog } from './escalation-catalog.js';
import { loadEscalationFile } from './escalation-policy.js';
import { ESCALATION_QUEUE, type EscalationJob, EscalationQueue } from './escalation-queue.js';
import { createEscalationScheduler } from './escalation-scheduler.js';
import { createEscalationStep, type SendToTargets, sendingId } from './escalation-step.js';

export interface EscalationService {
  catalog: EscalationCatalog;
  queue: EscalationQueue;
  /** Give to startWorker: schedules the steps of committed firing alerts. */
  output: CommitOutput;
  stop(): Promise<void>;
}

/**
 * Sends through the publish module's per-target delivery jobs (the DLQ replay path): each target
 * gets the publish worker's retries, rate limits, circuit breaker and dead-lettering. Job ids derive
 * from the sending key, so a repeated sending adds nothing.
 */
export function sendThroughPublishQueue(queue: Pick<PublishQueue, 'addDelivery'>): SendToTargets {
  return async (targets, alerts: Alert[], key) => {
    const batchId = sendingId(key);
    await Promise.all(
      targets.map((target) =>
        queue.addDelivery(
          {
            batchId,
            target,
            alerts,
            messageId: messageIdOf(batchId, target),
            attemptsBefore: 0,
            firstAttemptAt: Date.now(),
          },
          0,
          `escalation.${batchId}.${target}`,
        ),
      ),
    );
  };
}

/**
 * Starts escalation in a worker process: the policy catalog (ESCALATION_FILE + admin API), the
 * commit listener that schedules delayed step jobs, and the consumer that runs them when due.
 * Delayed jobs live in Redis, so they outlast restarts of any process.
 */
export async function startEscalation(
  services: Services,
  log: Logger,
  deps: { config?: Config; silences: SilenceStore; publishQueue: Pick<PublishQueue, 'addDelivery'> },
): Promise<EscalationService> {
  const config = deps.config ?? services.config;
  const files = config.ESCALATION_FILE ? loadEscalationFile(config.ESCALATION_FILE) : [];
  const catalog = new EscalationCatalog(services.database.db, files, config.ESCALATION_REFRESH_MS);
  await catalog.start();
  const producer = createWorkerRedis(config, 'escalation-queue');
  const queue = new EscalationQueue(producer, config.QUEUE_PREFIX);
  const escalate = createEscalationStep({
    sql: services.database.sql,
    catalog,
    silences: deps.silences,
    send: sendThroughPublishQueue(deps.publishQueue),
  });
  const connection = createWorkerRedis(config, 'escalation-worker');
  const worker = new Worker<EscalationJob>(ESCALATION_QUEUE, (job: Job<EscalationJob>) => escalate(job.data), {
    connection,
    prefix: config.QUEUE_PREFIX,
    concurrency: 8,
  });
  worker.on('error', (error) => log.warn({ err: error }, 'escalation worker error'));
  worker.on('failed', (job, error) => log.warn({ err: error, jobId: job?.id }, 'escalation step failed; retrying'));

  let stopped: Promise<void> | undefined;
  return {
    catalog,
    queue,
    output: createEscalationScheduler({ catalog, queue }),
    stop: () => {
      stopped ??= (async () => {
        catalog.stop();
        const results: PromiseSettledResult<unknown>[] = await Promise.allSettled([worker.close(), queue.close()]);
        results.push(...(await Promise.allSettled([connection.quit(), producer.quit()])));
        for (const result of results)
          if (result.status === 'rejected') log.warn({ err: result.reason }, 'escalation stop step failed');
      })();
      return stopped;
    },
  };
}
