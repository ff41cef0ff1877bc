import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { ReservedSql } from 'postgres';
import * as metrics from '../metrics.js';
import type { RedisClient } from '../redis.js';
import type { Sql } from '../store/db.js';

/** Sorted set of live worker ids, scored by their last heartbeat (epoch ms). */
export function workerRegistryKey(namespace: string): string {
  return `${namespace}:workers`;
}

/** A worker's announcement: JSON `{shards, host, pid}`, refreshed with each heartbeat. */
export function workerAnnouncementKey(namespace: string, workerId: string): string {
  return `${namespace}:workers:${workerId}`;
}

export interface ShardOwnershipOptions {
  shards: number;
  /** Namespace of the advisory locks and the live-worker registry (the queue prefix). */
  namespace: string;
  /** How often ownership is rebalanced and liveness is announced, in ms. */
  intervalMs: number;
  /** A worker that has not announced itself for this long is not counted, in ms. */
  livenessMs: number;
}

export interface ShardHandler {
  acquire(shard: number): Promise<void>;
  release(shard: number): Promise<void>;
}

/**
 * Owns shards through PostgreSQL session advisory locks held on one dedicated connection: if the
 * process dies, PostgreSQL drops the locks with the connection and other workers take the shards.
 * Each worker aims for a fair share of the shards among the live workers announced in Redis.
 */
export class ShardOwnership {
  readonly workerId = randomUUID();
  private readonly owned = new Set<number>();
  private connection: ReservedSql | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly sql: Sql,
    private readonly redis: RedisClient,
    private readonly handler: ShardHandler,
    private readonly options: ShardOwnershipOptions,
    private readonly log: Logger,
  ) {}

  get ownedShards(): number[] {
    return [...this.owned].sort((a, b) => a - b);
  }

  async start(): Promise<void> {
    await this.tick();
    this.timer = setInterval(() => {
      this.running = this.running.then(() => this.tick());
    }, this.options.intervalMs);
  }

  /** Releases every shard (draining its consumer first) and leaves the live-worker registry. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
    for (const shard of this.ownedShards) await this.release(shard);
    await this.redis.zrem(this.registryKey, this.workerId).catch(() => {});
    await this.redis.del(workerAnnouncementKey(this.options.namespace, this.workerId)).catch(() => {});
    this.connection?.release();
    this.connection = undefined;
  }

  /** Live worker ids, including this one. */
  async liveWorkers(now = Date.now()): Promise<string[]> {
    return this.redis.zrangebyscore(this.registryKey, now - this.options.livenessMs, '+inf');
  }

  private get registryKey(): string {
    return workerRegistryKey(this.options.namespace);
  }

  /** Announces liveness, checks the lock connection, then grows or shrinks toward a fair share. */
  private async tick(): Promise<void> {
    if (this.stopped) return;
    try {
      const now = Date.now();
      await this.redis.zadd(this.registryKey, now, this.workerId);
      await this.redis.zremrangebyscore(this.registryKey, '-inf', now - 10 * this.options.livenessMs);
      await this.ensureConnection();
      const live = Math.max(1, (await this.liveWorkers(now)).length);
      const share = Math.ceil(this.options.shards / live);
      if (this.owned.size > share) {
        for (const shard of this.ownedShards.slice(share)) await this.release(shard);
      } else if (this.owned.size < share) {
        await this.acquireUpTo(share);
      }
    } catch (error) {
      this.log.warn({ err: error }, 'shard ownership check failed');
    } finally {
      metrics.ownedShards.set(this.owned.size);
      await this.announceShards();
    }
  }

  /**
   * Publishes this worker's owned shards beside its heartbeat (read by /admin/queues/health); the
   * key expires with the worker, so a dead worker's entry cleans itself up.
   */
  private async announceShards(): Promise<void> {
    const announcement = JSON.stringify({ shards: this.ownedShards, host: hostname(), pid: process.pid });
    await this.redis
      .set(
        workerAnnouncementKey(this.options.namespace, this.workerId),
        announcement,
        'PX',
        10 * this.options.livenessMs,
      )
      .catch((error: unknown) => this.log.warn({ err: error }, 'could not announce owned shards'));
  }

  private async acquireUpTo(share: number): Promise<void> {
    // Start at a worker-specific offset so workers starting together do not all race for shard 0.
    const offset = Number.parseInt(this.workerId.slice(0, 8), 16) % this.options.shards;
    for (let i = 0; i < this.options.shards && this.owned.size < share; i++) {
      const shard = (offset + i) % this.options.shards;
      if (this.owned.has(shard)) continue;
      const connection = this.connection as ReservedSql;
      const [row] = await connection<{ locked: boolean }[]>`
        select pg_try_advisory_lock(hashtext(${this.options.namespace}), ${shard}) as locked`;
      if (!row?.locked) continue;
      this.owned.add(shard);
      try {
        await this.handler.acquire(shard);
        this.log.info({ shard }, 'shard acquired');
      } catch (error) {
        this.log.error({ err: error, shard }, 'could not start shard; releasing it');
        await this.release(shard);
      }
    }
  }

  private async release(shard: number): Promise<void> {
    try {
      await this.handler.release(shard);
    } finally {
      this.owned.delete(shard);
      if (this.connection) {
        await this.connection`select pg_advisory_unlock(hashtext(${this.options.namespace}), ${shard})`.catch(() => {});
      }
      this.log.info({ shard }, 'shard released');
    }
  }

  /**
   * Reserves the lock connection, or notices it was lost: then every lock is gone, so every
   * consumer stops at once before shards are taken again on a fresh connection.
   */
  private async ensureConnection(): Promise<void> {
    if (this.connection) {
      try {
        await this.connection`select 1`;
        return;
      } catch (error) {
        this.log.error({ err: error }, 'lost the shard-lock connection; stopping every shard');
        this.connection.release();
        this.connection = undefined;
        for (const shard of this.ownedShards) {
          await this.handler.release(shard).catch(() => {});
          this.owned.delete(shard);
        }
      }
    }
    this.connection = await this.sql.reserve();
  }
}
