import type { Logger } from 'pino';
import { DedupRuleCache } from './alert/dedup-rules.js';
import type { Config } from './config.js';
import { BatchLoop } from './pipeline/batch-loop.js';
import type { CommitOutput } from './pipeline/committed-batch.js';
import { IngestDeadLetters } from './pipeline/dead-letters.js';
import { ShardOwnership } from './pipeline/shard-ownership.js';
import type { Services } from './services.js';
import { maintainPartitions } from './store/partitions.js';

export interface BatchWorker {
  ownership: ShardOwnership;
  loop: BatchLoop;
  /** Deletes last_alert rows idle longer than the TTL in owned shards, then rebuilds their dedup state. */
  sweepInactiveFingerprints(): Promise<number>;
  stop(): Promise<void>;
}

const HOUR_MS = 3_600_000;

/** Starts a batch worker: shard ownership, the batch loop over owned shards, partition upkeep, TTL sweep. */
export async function startWorker(
  services: Services,
  log: Logger,
  options: { config?: Config; outputs?: CommitOutput[]; ownershipIntervalMs?: number } = {},
): Promise<BatchWorker> {
  const config = options.config ?? services.config;
  const { database, redis } = services;
  const rules = new DedupRuleCache(database.db);
  await rules.start();
  await maintainPartitions(database.sql, config.PARTITION_DAYS_AHEAD);
  const deadLetters = new IngestDeadLetters(redis, config.QUEUE_PREFIX);
  const loop = new BatchLoop(
    {
      namespace: config.QUEUE_PREFIX,
      batch: { size: config.BATCH_SIZE, maxSize: config.BATCH_MAX_SIZE, maxWaitMs: config.BATCH_MAX_WAIT_MS },
      dedup: {
        bloomCapacity: config.BLOOM_CAPACITY,
        bloomErrorRate: config.BLOOM_ERROR_RATE,
        cacheSize: Math.ceil(config.DEDUP_CACHE_SIZE / config.SHARDS),
      },
    },
    { sql: database.sql, redis, rules, deadLetters, outputs: options.outputs ?? [], log },
  );
  loop.start();
  const ownership = new ShardOwnership(
    database.sql,
    redis,
    { acquire: (shard) => loop.acquire(shard), release: (shard) => loop.release(shard) },
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
    for (const shard of shards) await loop.rebuild(shard);
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
    loop,
    sweepInactiveFingerprints,
    stop: () => {
      stopped ??= (async () => {
        clearInterval(upkeep);
        await ownership.stop();
        await loop.stop();
        rules.stop();
        await deadLetters.close();
      })();
      return stopped;
    },
  };
}
