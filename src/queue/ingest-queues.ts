import { type JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { type Alert, SEVERITIES, type Severity, severityRank } from '../alert/alert.js';
import { shardOf } from '../alert/identity.js';

/** The enqueue contract between the gateway and the batch workers: one job per (request, shard). */
export interface IngestJob {
  requestId: string;
  tenant: string;
  providerType: string;
  /** Alerts of this request whose fingerprints hash to this job's shard, in request order. */
  alerts: Alert[];
  /** The provider payload as received, on the request's first job when raw storage selected it. */
  raw?: unknown;
}

/** BullMQ forbids ':' in queue names, so `ingest:{n}` is spelled `ingest-{n}`. */
export function ingestQueueName(shard: number): string {
  return `ingest-${shard}`;
}

/** BullMQ priority: lower runs first; critical alerts overtake a backlog of info noise. */
function priorityOf(alerts: readonly Alert[]): number {
  const highest = Math.max(...alerts.map((alert) => severityRank(alert.severity)));
  return 6 - highest;
}

/** The severity whose jobs get a BullMQ priority (the inverse of priorityOf), for queue metrics. */
export const SEVERITY_OF_PRIORITY: ReadonlyMap<number, Severity> = new Map(
  SEVERITIES.map((severity) => [6 - severityRank(severity), severity]),
);

export interface QueueRetention {
  /** Completed job records kept this many seconds… */
  completedAgeSeconds: number;
  /** …and at most this many. */
  completedCount: number;
  failedAgeSeconds: number;
}

/** Producer side of the shard queues. */
export class IngestQueues {
  readonly queues: Queue[];
  private readonly jobOptions: JobsOptions;

  constructor(
    private readonly connection: Redis,
    readonly shards: number,
    prefix: string,
    retention: QueueRetention = { completedAgeSeconds: 300, completedCount: 10_000, failedAgeSeconds: 7 * 86_400 },
  ) {
    this.queues = Array.from(
      { length: shards },
      (_, shard) => new Queue(ingestQueueName(shard), { connection, prefix }),
    );
    this.jobOptions = {
      // Retried until it commits: an accepted alert is never dropped for its age or its attempts.
      attempts: Number.MAX_SAFE_INTEGER,
      backoff: { type: 'ingest' },
      removeOnComplete: { age: retention.completedAgeSeconds, count: retention.completedCount },
      removeOnFail: { age: retention.failedAgeSeconds },
    };
  }

  /**
   * Splits a request's alerts by shard; resolves once Redis holds every job. Fails fast when Redis
   * is not connected (BullMQ would otherwise wait for it indefinitely).
   */
  async enqueue(request: Omit<IngestJob, 'alerts'> & { alerts: Alert[] }): Promise<number> {
    if (this.connection.status !== 'ready') throw new Error(`Redis is not connected (${this.connection.status})`);
    const byShard = new Map<number, Alert[]>();
    for (const alert of request.alerts) {
      const shard = shardOf(alert.tenant, alert.fingerprint, this.shards);
      const group = byShard.get(shard);
      if (group) group.push(alert);
      else byShard.set(shard, [alert]);
    }
    let first = true;
    await Promise.all(
      [...byShard].map(([shard, alerts]) => {
        const job: IngestJob = {
          requestId: request.requestId,
          tenant: request.tenant,
          providerType: request.providerType,
          alerts,
        };
        if (first && request.raw !== undefined) job.raw = request.raw;
        first = false;
        return (this.queues[shard] as Queue).add('alerts', job, {
          ...this.jobOptions,
          jobId: `${request.requestId}-${shard}`,
          priority: priorityOf(alerts),
        });
      }),
    );
    return byShard.size;
  }

  async close(): Promise<void> {
    await Promise.all(this.queues.map((queue) => queue.close()));
  }
}
