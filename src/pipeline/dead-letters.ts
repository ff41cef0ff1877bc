import { Queue } from 'bullmq';
import type { RedisClient } from '../redis.js';
import type { IngestLog, IngestPart } from './ingest-log.js';

/** An ingest log entry that failed permanently, with why and where it came from. */
export interface DeadLetter {
  shard: number;
  /** Stream entry id it was read from. */
  entryId: string;
  job: IngestPart;
  error: string;
  failedAt: string;
}

export const INGEST_DLQ = 'dlq-ingest';

/**
 * Dead-letter queue for ingest entries that can never commit as they are. Entries wait (no worker
 * consumes this queue) until an operator replays or deletes them.
 */
export class IngestDeadLetters {
  private readonly queue: Queue<DeadLetter>;

  constructor(connection: RedisClient, prefix: string) {
    this.queue = new Queue<DeadLetter>(INGEST_DLQ, { connection, prefix });
  }

  /** Idempotent per entry: a worker that dies after adding and re-isolates the entry adds nothing twice. */
  async add(entry: DeadLetter): Promise<void> {
    await this.queue.add('dead-letter', entry, { jobId: `${entry.shard}-${entry.entryId}` });
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

  /** Appends an entry to the ingest log again; false when it does not exist (or is another tenant's). */
  async replay(id: string, tenant: string | null, log: IngestLog): Promise<boolean> {
    const job = await this.queue.getJob(id);
    if (!job || (tenant !== null && job.data.job.tenant !== tenant)) return false;
    await log.appendParts([job.data.job]);
    await job.remove();
    return true;
  }

  /** Replays the oldest `limit` entries (of every tenant); returns how many went back. */
  async replayOldest(limit: number, log: IngestLog): Promise<number> {
    let replayed = 0;
    for (const entry of await this.list(null, 0, limit)) if (await this.replay(entry.id, null, log)) replayed++;
    return replayed;
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
