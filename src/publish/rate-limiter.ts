import { TokenBucketStore } from '../ratelimit/token-bucket-store.js';
import type { RedisClient } from '../redis.js';
import type { RateLimit } from './model.js';

/**
 * Per-target token buckets in Redis (the gateway's bucket script), so every worker shares one
 * target's budget. `take` answers 0 when a request may go now, else the ms until a token is free.
 */
export class TargetRateLimiter {
  private readonly store: TokenBucketStore;

  constructor(redis: RedisClient, prefix: string) {
    this.store = new TokenBucketStore(redis, `${prefix}:publish:bucket:`);
  }

  take(target: string, limit: RateLimit): Promise<number> {
    // The store reads (max, timeWindow) as (capacity, ms to refill from empty).
    const refillMs = (limit.burst / limit.perSecond) * 1000;
    return new Promise((resolve, reject) => {
      this.store.incr(
        target,
        (error, result) => {
          if (error || !result) reject(error ?? new Error('token bucket answered nothing'));
          else resolve(result.current > limit.burst ? Math.max(1, result.ttl) : 0);
        },
        refillMs,
        limit.burst,
      );
    });
  }
}
