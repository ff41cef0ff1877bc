import { type JobsOptions, Queue } from 'bullmq';
import type { Alert } from '../alert/alert.js';
import * as metrics from '../metrics.js';
import type { CommitOutput } from '../pipeline/committed-batch.js';
import type { RedisClient } from '../redis.js';
import { targetWants } from './routing.js';
import type { TargetCatalog } from './target-catalog.js';

export const PUBLISH_QUEUE = 'publish';

/** Fan a committed batch out to its routed targets. */
export interface BatchJob {
  batchId: string;
  alerts: Alert[];
}

/** Deliver (again) one batch's alerts to one target: a retry, a deferral or a dead-letter replay. */
export interface DeliverJob {
  batchId: string;
  target: string;
  alerts: Alert[];
  messageId: string;
  /** Attempts made before this job existed (1 for a fan-out retry, 0 for a replay). */
  attemptsBefore: number;
  /** Epoch ms of the first attempt; bounds the retry window. */
  firstAttemptAt: number;
}

export type PublishJob = BatchJob | DeliverJob;

/** The Standard Webhooks message id of a (batch, target) delivery, the same on every retry. */
export function messageIdOf(batchId: string, target: string): string {
  return `msg_${batchId}_${target}`;
}

const retention: Pick<JobsOptions, 'removeOnComplete' | 'removeOnFail'> = {
  removeOnComplete: { age: 300, count: 10_000 },
  removeOnFail: { age: 7 * 86_400 },
};

/** Producer side of the `publish` queue. */
export class PublishQueue {
  readonly queue: Queue<PublishJob>;

  constructor(connection: RedisClient, prefix: string) {
    this.queue = new Queue<PublishJob>(PUBLISH_QUEUE, { connection, prefix });
  }

  /** Resolves once Redis holds the job; the batch id is its job id, so adding twice is harmless. */
  async addBatch(job: BatchJob): Promise<void> {
    await this.queue.add('batch', job, {
      ...retention,
      jobId: job.batchId,
      // A batch job only fails on unexpected errors (Redis or PostgreSQL away); its marks keep reruns from re-sending.
      attempts: 20,
      backoff: { type: 'exponential', delay: 1000 },
    });
  }

  /** Schedules a delivery; `jobId` makes a second schedule of the same retry a no-op. */
  async addDelivery(job: DeliverJob, delayMs: number, jobId: string): Promise<void> {
    await this.queue.add('deliver', job, {
      ...retention,
      jobId,
      delay: Math.max(0, Math.round(delayMs)),
      // The attempt budget and the retry window are enforced by decide(); BullMQ just keeps retrying.
      attempts: Number.MAX_SAFE_INTEGER,
      backoff: { type: 'publish' },
    });
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}

/**
 * The after-commit output that publishes: one durable publish job per committed batch (only the
 * alerts some enabled target routes), whose job id is the batch's outbox id, so a re-run after a
 * crash adds nothing twice. A failed or slow enqueue (bounded by `timeoutMs`) throws, and the
 * outbox retries it.
 */
export function createPublishOutput(queue: PublishQueue, catalog: TargetCatalog, timeoutMs = 10_000): CommitOutput {
  return {
    name: 'publish',
    async run(batch) {
      const targets = catalog.list().filter((target) => target.enabled);
      if (targets.length === 0 || batch.alerts.length === 0) return;
      const alerts = batch.alerts
        .map((item) => item.alert)
        .filter((alert) => targets.some((t) => targetWants(t, alert)));
      if (alerts.length === 0) return;
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          queue.addBatch({ batchId: batch.id, alerts }),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`enqueue took longer than ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
      } catch (error) {
        metrics.publishEnqueueFailures.inc();
        throw error;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
