import { type JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { type Alert, SEVERITIES, type Severity, severityRank } from '../alert/alert.js';
import { shardOf } from '../alert/identity.js';
import { ShardEnqueuer } from './shard-enqueuer.js';

/** One request's alerts for one shard: what the gateway accepts, the worker stores and the DLQ holds. */
export interface IngestPart {
  requestId: string;
  tenant: string;
  providerType: string;
  /** Alerts of this request whose fingerprints hash to this part's shard, in request order. */
  alerts: Alert[];
  /** The provider payload as received, on the request's first part when raw storage selected it. */
  raw?: unknown;
}

/** A shard queue job: the parts of every request that arrived while the shard's previous enqueue was in flight. */
export interface ShardJob {
  parts: IngestPart[];
}

/** BullMQ forbids ':' in queue names, so `ingest:{n}` is spelled `ingest-{n}`. */
export function ingestQueueName(shard: number): string {
  return `ingest-${shard}`;
}

/** The severity whose jobs get a BullMQ priority (the inverse of priorityOf in shard-enqueuer.ts), for queue metrics. */
export const SEVERITY_OF_PRIORITY: ReadonlyMap<number, Severity> = new Map(
  SEVERITIES.map((severity) => [6 - severityRank(severity), severity]),
);

/** Producer side of the shard queues. */
export class IngestQueues {
  readonly queues: Queue<ShardJob>[];
  private readonly enqueuers: ShardEnqueuer[];

  constructor(
    private readonly connection: Redis,
    readonly shards: number,
    prefix: string,
  ) {
    this.queues = Array.from(
      { length: shards },
      (_, shard) => new Queue<ShardJob>(ingestQueueName(shard), { connection, prefix }),
    );
    const jobOptions: JobsOptions = {
      // Retried until it commits: an accepted alert is never dropped for its age or its attempts.
      attempts: Number.MAX_SAFE_INTEGER,
      backoff: { type: 'ingest' },
      // Job records, not alerts: completed ones kept 5 minutes (at most 10,000), failed ones a week.
      removeOnComplete: { age: 300, count: 10_000 },
      removeOnFail: { age: 7 * 86_400 },
    };
    this.enqueuers = this.queues.map((queue, shard) => new ShardEnqueuer(queue, shard, jobOptions));
  }

  /**
   * Splits a request's alerts by shard; resolves once Redis holds every part. Fails fast when Redis
   * is not connected (BullMQ would otherwise wait for it indefinitely).
   */
  async enqueue(request: IngestPart): Promise<number> {
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
        const part: IngestPart = {
          requestId: request.requestId,
          tenant: request.tenant,
          providerType: request.providerType,
          alerts,
        };
        if (first && request.raw !== undefined) part.raw = request.raw;
        first = false;
        return (this.enqueuers[shard] as ShardEnqueuer).add(part);
      }),
    );
    return byShard.size;
  }

  async close(): Promise<void> {
    await Promise.all(this.queues.map((queue) => queue.close()));
  }
}
