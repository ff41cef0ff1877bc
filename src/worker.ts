import pLimit from 'p-limit';
import type { Logger } from 'pino';
import { DedupRuleCache } from './alert/dedup-rules.js';
import type { Config } from './config.js';
import { IngestDeadLetters } from './queue/dead-letters.js';
import { ShardConsumer } from './queue/shard-consumer.js';
import { ShardOwnership } from './queue/shard-ownership.js';
import { createWorkerRedis } from './redis.js';
import type { Services } from './services.js';
import { BatchWriter, type CommittedAlert } from './store/batch-writer.js';
import { maintainPartitions } from './store/partitions.js';

/**
 * Receives every committed batch's new and changed alerts (publishing, realtime). Called after the
 * commit and awaited before the batch's ingest jobs are acknowledged, so a listener that hands the
 * alerts on durably (the publish queue) does so before the ingest jobs disappear. It must not
 * throw (errors are logged here if it does) and should bound how long it waits.
 */
export type CommitListener = (alerts: CommittedAlert[]) => void | Promise<void>;

export interface BatchWorker {
  ownership: ShardOwnership;
  consumers: Map<number, ShardConsumer>;
  /** Deletes last_alert rows idle longer than the TTL in owned shards, then rebuilds their dedup state. */
  sweepInactiveFingerprints(): Promise<number>;
  stop(): Promise<void>;
}

const HOUR_MS = 3_600_000;

/** Starts a batch worker: shard ownership, one consumer per owned shard, partition upkeep, TTL sweep. */
export async function startWorker(
  services: Services,
  log: Logger,
  options: { config?: Config; listeners?: CommitListener[]; ownershipIntervalMs?: number } = {},
): Promise<BatchWorker> {
  const config = options.config ?? services.config;
  const { database, redis } = services;
  const rules = new DedupRuleCache(database.db);
  await rules.start();
  await maintainPartitions(database.sql, config.PARTITION_DAYS_AHEAD);
  const writer = new BatchWriter(database.sql, rules);
  const deadLetters = new IngestDeadLetters(redis, config.QUEUE_PREFIX);
  const limitWrites = pLimit(config.WORKER_CONCURRENCY);
  const listeners = options.listeners ?? [];
  const consumers = new Map<number, ShardConsumer>();

  const ownership = new ShardOwnership(
    database.sql,
    redis,
    {
      acquire: async (shard) => {
        const consumer = new ShardConsumer(
          shard,
          {
            prefix: config.QUEUE_PREFIX,
            batch: { size: config.BATCH_SIZE, maxSize: config.BATCH_MAX_SIZE, maxWaitMs: config.BATCH_MAX_WAIT_MS },
            lockMs: config.JOB_LOCK_MS,
            jobsInFlight: config.WORKER_JOBS_IN_FLIGHT,
            dedup: {
              bloomCapacity: config.BLOOM_CAPACITY,
              bloomErrorRate: config.BLOOM_ERROR_RATE,
              cacheSize: Math.ceil(config.DEDUP_CACHE_SIZE / config.SHARDS),
            },
            limitWrites: (write) => limitWrites(write),
          },
          {
            sql: database.sql,
            writer,
            deadLetters,
            connection: () => createWorkerRedis(config.REDIS_URL, `worker-${shard}`),
            redis,
            log,
            onCommitted: async (alerts) => {
              const settled = await Promise.allSettled(listeners.map(async (listener) => listener(alerts)));
              for (const result of settled)
                if (result.status === 'rejected') log.error({ err: result.reason, shard }, 'commit listener failed');
            },
          },
        );
        consumers.set(shard, consumer);
        await consumer.start();
      },
      release: async (shard) => {
        const consumer = consumers.get(shard);
        consumers.delete(shard);
        await consumer?.stop();
      },
    },
    {
      shards: config.SHARDS,
      namespace: config.QUEUE_PREFIX,
      intervalMs: options.ownershipIntervalMs ?? 2000,
      livenessMs: (options.ownershipIntervalMs ?? 2000) * 5,
    },
    log,
  );
  await ownership.start();

  const sweepInactiveFingerprints = async () => {
    const shards = ownership.ownedShards;
    if (shards.length === 0) return 0;
    const deleted = await database.sql`
      delete from last_alert where shard = any(${shards}::int[])
      and last_seen < now() - make_interval(days => ${config.LAST_ALERT_TTL_DAYS})`;
    for (const shard of shards) await consumers.get(shard)?.rebuildDedup();
    return deleted.count;
  };

  const upkeep = setInterval(() => {
    maintainPartitions(database.sql, config.PARTITION_DAYS_AHEAD)
      .then(sweepInactiveFingerprints)
      .catch((error: unknown) => log.warn({ err: error }, 'partition upkeep or TTL sweep failed'));
  }, HOUR_MS);
  upkeep.unref();

  let stopped: Promise<void> | undefined;
  return {
    ownership,
    consumers,
    sweepInactiveFingerprints,
    stop: () => {
      stopped ??= (async () => {
        clearInterval(upkeep);
        await ownership.stop();
        rules.stop();
        await deadLetters.close();
      })();
      return stopped;
    },
  };
}
