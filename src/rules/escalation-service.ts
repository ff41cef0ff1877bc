import type { Job } from 'bullmq';
import type { Logger } from 'pino';
import type { Alert } from '../alert/alert.js';
import { type Component, startComponent } from '../component.js';
import type { SilenceStore } from '../lifecycle/silence-store.js';
import type { CommitOutput } from '../pipeline/committed-batch.js';
import { messageIdOf, type PublishQueue } from '../publish/publish-queue.js';
import { startQueueWorker } from '../queue-worker.js';
import type { RedisClient } from '../redis.js';
import type { Sql } from '../store/db.js';
import type { EscalationCatalog } from './escalation-catalog.js';
import { ESCALATION_QUEUE, type EscalationJob, type EscalationQueue } from './escalation-queue.js';
import { createEscalationScheduler } from './escalation-scheduler.js';
import { createEscalationStep, type SendToTargets, sendingId } from './escalation-step.js';

export interface EscalationService extends Component {
  /** An after-commit output: schedules the steps of committed firing alerts. */
  output: CommitOutput;
}

export interface EscalationDeps {
  sql: Sql;
  catalog: EscalationCatalog;
  /** Where the step jobs are scheduled. */
  queue: EscalationQueue;
  silences: SilenceStore;
  publishQueue: Pick<PublishQueue, 'addDelivery'>;
  /** The step consumer's own blocking connection, closed at stop. */
  connection: RedisClient;
  /** Namespace of the queue (QUEUE_PREFIX). */
  prefix: string;
  log: Logger;
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
 * Escalation in a worker process: the commit output that schedules delayed step jobs, and the
 * consumer that runs them when due. Delayed jobs live in Redis, so they outlast restarts of any
 * process.
 */
export function startEscalation(deps: EscalationDeps): Promise<EscalationService> {
  const { catalog, queue, log } = deps;
  const escalate = createEscalationStep({
    sql: deps.sql,
    catalog,
    silences: deps.silences,
    send: sendThroughPublishQueue(deps.publishQueue),
  });
  return startComponent(async (scope) => {
    const { worker } = scope.own(
      await startQueueWorker<EscalationJob>(
        'escalation worker',
        ESCALATION_QUEUE,
        (job: Job<EscalationJob>) => escalate(job.data),
        { connection: deps.connection, prefix: deps.prefix, concurrency: 8 },
        log,
      ),
    );
    worker.on('failed', (job, error) => log.warn({ err: error, jobId: job?.id }, 'escalation step failed; retrying'));
    return { output: createEscalationScheduler({ catalog, queue }) };
  });
}
