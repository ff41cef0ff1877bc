import { TokenBucketStore } from '../ratelimit/token-bucket-store.js';
import type { RedisClient } from '../redis.js';
import type { RateLimit } from './model.js';

/**
 * Per-target token buckets in Redis (the gateway's bucket script), so every worker shares one
 * target's budget. `take` answers 0 when a request may go now, else the ms until its tokens are free.
 */
export class TargetRateLimiter {
  private readonly store: TokenBucketStore;

  constructor(redis: RedisClient, prefix: string) {
    this.store = new TokenBucketStore(redis, `${prefix}:publish:bucket:`);
  }

  /** Takes `tokens` (1 per request, or 1 per alert for targets limited in alerts) from the target's bucket. */
  async take(target: string, limit: RateLimit, tokens = 1): Promise<number> {
    // The store reads (max, timeWindow) as (capacity, ms to refill from empty).
    const refillMs = (limit.burst / limit.perSecond) * 1000;
    const result = await this.store.takeMany(target, limit.burst, refillMs, tokens);
    return result.current > limit.burst ? Math.max(1, result.ttl) : 0;
  }
}
