import type { JobsOptions, Queue } from 'bullmq';
import { severityRank } from '../alert/alert.js';
import type { IngestPart, ShardJob } from './ingest-queues.js';

/** Alerts one job carries at most (a single request's part is never split), so a job stays small in Redis. */
const MAX_ALERTS_PER_JOB = 1000;

/** BullMQ priority: lower runs first; a job with a critical alert overtakes a backlog of info noise. */
function priorityOf(parts: readonly IngestPart[]): number {
  let highest = 0;
  for (const part of parts) for (const alert of part.alerts) highest = Math.max(highest, severityRank(alert.severity));
  return 6 - highest;
}

interface Waiting {
  part: IngestPart;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Adds one shard's request parts to its queue with one add in flight at a time (group commit): an
 * idle shard adds a part on the next turn of the event loop, and parts that arrive while an add is
 * in flight ride together in the next job. Redis work per request falls as load rises, and every
 * part's promise settles only once Redis holds it.
 */
export class ShardEnqueuer {
  private waiting: Waiting[] = [];
  private busy = false;

  constructor(
    private readonly queue: Queue<ShardJob>,
    private readonly shard: number,
    private readonly jobOptions: JobsOptions,
  ) {}

  add(part: IngestPart): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ part, resolve, reject });
      if (this.busy) return;
      this.busy = true;
      // Requests parsed in the same event-loop turn join the first job.
      setImmediate(() => void this.drain());
    });
  }

  private async drain(): Promise<void> {
    while (this.waiting.length > 0) {
      const group = this.takeGroup();
      const parts = group.map((entry) => entry.part);
      try {
        await this.queue.add(
          'alerts',
          { parts },
          // Each request has one part per shard, so its first part's request id names the job uniquely.
          { ...this.jobOptions, jobId: `${parts[0]?.requestId}-${this.shard}`, priority: priorityOf(parts) },
        );
        for (const entry of group) entry.resolve();
      } catch (error) {
        for (const entry of group) entry.reject(error);
      }
    }
    this.busy = false;
  }

  private takeGroup(): Waiting[] {
    let alerts = 0;
    let count = 0;
    for (const entry of this.waiting) {
      if (count > 0 && alerts + entry.part.alerts.length > MAX_ALERTS_PER_JOB) break;
      alerts += entry.part.alerts.length;
      count++;
    }
    return this.waiting.splice(0, count);
  }
}
