import { createHash } from 'node:crypto';
import { Queue } from 'bullmq';
import type { Alert } from '../alert/alert.js';
import { alertKey } from '../alert/alert-key.js';
import type { RedisClient } from '../redis.js';

export const ESCALATION_QUEUE = 'escalation';

/** One step of one policy for one firing episode of one fingerprint. */
export interface EscalationJob {
  policy: string;
  step: number;
  tenant: string;
  fingerprint: string;
  /** ISO-8601 start of the episode the step belongs to (a later episode has its own jobs). */
  episodeStartedAt: string;
  /** The occurrence that scheduled the step, sent if no newer one is stored when it falls due. */
  alert: Alert;
}

/**
 * The deterministic id of a step's job: scheduling the same step twice (every committed occurrence
 * of a firing alert does) adds one job, and a restart finds the job it had, never a second one.
 */
export function escalationJobId(
  job: Pick<EscalationJob, 'policy' | 'step' | 'tenant' | 'fingerprint' | 'episodeStartedAt'>,
) {
  const episode = Date.parse(job.episodeStartedAt);
  const who = createHash('sha256').update(alertKey(job.tenant, job.fingerprint)).digest('hex').slice(0, 32);
  // BullMQ refuses ':' in custom ids; policy names cannot contain it.
  return `${job.policy}.${job.step}.${who}.${episode}`;
}

/** Producer side of the `escalation` queue: delayed jobs, one per (policy, step, fingerprint, episode). */
export class EscalationQueue {
  readonly queue: Queue<EscalationJob>;

  constructor(connection: RedisClient, prefix: string) {
    this.queue = new Queue<EscalationJob>(ESCALATION_QUEUE, { connection, prefix });
  }

  /** Adds the steps not yet scheduled; each resolves once Redis holds it. */
  async schedule(steps: { job: EscalationJob; delayMs: number }[]): Promise<void> {
    if (steps.length === 0) return;
    await this.queue.addBulk(
      steps.map(({ job, delayMs }) => ({
        name: 'escalate',
        data: job,
        opts: {
          jobId: escalationJobId(job),
          delay: Math.max(0, Math.round(delayMs)),
          attempts: 10,
          backoff: { type: 'exponential', delay: 1000 },
          // A finished job lingers a day so re-scheduling the same step stays a no-op; the
          // alert_lifecycle claim keeps a later one from firing twice regardless.
          removeOnComplete: { age: 86_400 },
          removeOnFail: { age: 7 * 86_400 },
        },
      })),
    );
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}
