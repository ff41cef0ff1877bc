import { once } from 'node:events';
import { Redis } from 'ioredis';

/**
 * Redis connection for request paths: commands fail fast while Redis is unreachable (so the
 * gateway answers 503 instead of hanging) and auto-pipelining batches concurrent round trips.
 */
export function createRedis(url: string, name: string): Redis {
  return quietErrors(
    new Redis(url, {
      connectionName: `alertgate:${name}`,
      enableAutoPipelining: true,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      connectTimeout: 2000,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    }),
  );
}

/** Connection for BullMQ workers, which require blocking commands to retry forever. */
export function createWorkerRedis(url: string, name: string): Redis {
  return quietErrors(
    new Redis(url, {
      connectionName: `alertgate:${name}`,
      maxRetriesPerRequest: null,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    }),
  );
}

/**
 * Connection errors surface where they matter (failed commands → 503, /readyz, worker retries);
 * without a listener ioredis would print every reconnect attempt as an unhandled error.
 */
function quietErrors(redis: Redis): Redis {
  redis.on('error', () => {});
  return redis;
}

/** Pings Redis, first waiting for a connection still being established. */
export async function pingRedis(redis: Redis): Promise<void> {
  if (redis.status === 'connecting' || redis.status === 'connect' || redis.status === 'wait')
    await once(redis, 'ready');
  await redis.ping();
}
