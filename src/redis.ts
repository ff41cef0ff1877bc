import { once } from 'node:events';
import { Cluster, type ClusterNode, Redis, type RedisOptions } from 'ioredis';
import type { Settings } from './config-schema.js';

/** A Redis connection: one server, or a Redis Cluster (REDIS_CLUSTER_NODES). */
export type RedisClient = Redis | Cluster;

/** Where Redis is: REDIS_URL alone, or a cluster reached through seed nodes with REDIS_URL's credentials. */
export type RedisLocation = Pick<Settings, 'REDIS_URL' | 'REDIS_CLUSTER_NODES'>;

/** Reconnect delay after the attempt-th failure, in ms. */
const reconnectDelay = (attempt: number) => Math.min(attempt * 200, 2000);

/**
 * Redis connection for request paths: commands fail fast while Redis is unreachable (so the
 * gateway answers 503 instead of hanging) and auto-pipelining batches concurrent round trips.
 */
export function createRedis(location: RedisLocation, name: string): RedisClient {
  return connect(
    location,
    { connectionName: `alertgate:${name}`, maxRetriesPerRequest: 1, connectTimeout: 2000 },
    { enableAutoPipelining: true, enableOfflineQueue: false },
  );
}

/** Connection for BullMQ workers, which require blocking commands to retry forever. */
export function createWorkerRedis(location: RedisLocation, name: string): RedisClient {
  return connect(
    location,
    { connectionName: `alertgate:${name}`, maxRetriesPerRequest: null },
    { enableAutoPipelining: false, enableOfflineQueue: true },
  );
}

/**
 * `node` applies to every server connection, `client` to the client as a whole: a cluster client
 * queues, pipelines and reconnects itself (rediscovering the nodes), so it takes those options
 * at its own level.
 */
function connect(
  location: RedisLocation,
  node: RedisOptions,
  client: { enableAutoPipelining: boolean; enableOfflineQueue: boolean },
): RedisClient {
  if (location.REDIS_CLUSTER_NODES === '') {
    return quietErrors(new Redis(location.REDIS_URL, { ...node, ...client, retryStrategy: reconnectDelay }));
  }
  return quietErrors(
    new Cluster(clusterNodes(location.REDIS_CLUSTER_NODES), {
      ...client,
      clusterRetryStrategy: reconnectDelay,
      redisOptions: { ...node, ...credentials(location.REDIS_URL) },
    }),
  );
}

function clusterNodes(list: string): ClusterNode[] {
  return list.split(',').map((node) => {
    const colon = node.lastIndexOf(':');
    return { host: node.slice(0, colon), port: Number(node.slice(colon + 1)) };
  });
}

/** The user, password and TLS of REDIS_URL, for every cluster node. */
function credentials(url: string): RedisOptions {
  const parsed = new URL(url);
  return {
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/**
 * Connection errors surface where they matter (failed commands → 503, /readyz, worker retries);
 * without a listener ioredis would print every reconnect attempt as an unhandled error.
 */
function quietErrors(redis: RedisClient): RedisClient {
  redis.on('error', () => {});
  return redis;
}

/**
 * Closes a connection: QUIT once the pending replies are in, or, when QUIT cannot be sent (Redis
 * unreachable, or not yet connected), drops it; either way the connection is closed.
 */
export async function closeRedis(redis: RedisClient): Promise<void> {
  await redis.quit().catch(() => redis.disconnect());
}

/** Pings Redis, first waiting for a connection still being established. */
export async function pingRedis(redis: RedisClient): Promise<void> {
  if (redis.status === 'connecting' || redis.status === 'connect' || redis.status === 'wait')
    await once(redis, 'ready');
  await redis.ping();
}
