import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { IngestPart, IngestQueues } from './ingest-queues.js';

/** A job that failed permanently, with why and where it came from. */
export interface DeadLetter {
  shard: number;
  job: IngestPart;
  error: string;
  failedAt: string;
}

export const INGEST_DLQ = 'dlq-ingest';

/**
 * Dead-letter queue for ingest jobs that can never commit as they are. Entries wait (no worker
 * consumes this queue) until an operator replays or deletes them.
 */
export class IngestDeadLetters {
  private readonly queue: Queue<DeadLetter>;

  constructor(connection: Redis, prefix: string) {
    this.queue = new Queue<DeadLetter>(INGEST_DLQ, { connection, prefix });
  }

  async add(entry: DeadLetter): Promise<void> {
    await this.queue.add('dead-letter', entry, { jobId: `${entry.job.requestId}-${entry.shard}` });
  }

  /** Entries of one tenant, oldest first. */
  async list(tenant: string | null, start = 0, limit = 100) {
    const jobs = await this.queue.getJobs(['waiting'], 0, -1, true);
    return jobs
      .filter((job) => tenant === null || job.data.job.tenant === tenant)
      .slice(start, start + limit)
      .map((job) => ({ id: job.id as string, ...job.data, alerts: job.data.job.alerts.length }));
  }

  async count(): Promise<number> {
    return this.queue.getWaitingCount();
  }

  /** Puts an entry back on its ingest queue; false when it does not exist (or is another tenant's). */
  async replay(id: string, tenant: string | null, queues: IngestQueues): Promise<boolean> {
    const job = await this.queue.getJob(id);
    if (!job || (tenant !== null && job.data.job.tenant !== tenant)) return false;
    await queues.enqueue({ ...job.data.job, requestId: `${job.data.job.requestId}-replay-${Date.now()}` });
    await job.remove();
    return true;
  }

  /** Replays the oldest `limit` entries (of every tenant); returns how many went back. */
  async replayOldest(limit: number, queues: IngestQueues): Promise<number> {
    let replayed = 0;
    for (const entry of await this.list(null, 0, limit)) if (await this.replay(entry.id, null, queues)) replayed++;
    return replayed;
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
