import type { Redis } from 'ioredis';
import { SharedBuckets } from '../ratelimit/shared-buckets.js';
import type { RateLimit } from './model.js';

/**
 * Per-target token buckets in Redis (the gateway's shared buckets), so every worker shares one
 * target's budget. `take` answers 0 when a request may go now, else the ms until a token is free.
 */
export class TargetRateLimiter {
  private readonly buckets: SharedBuckets;

  constructor(redis: Redis, prefix: string) {
    this.buckets = new SharedBuckets(redis, `${prefix}:publish:bucket:`);
  }

  async take(target: string, limit: RateLimit): Promise<number> {
    const answer = await this.buckets.take(target, { capacity: limit.burst, refillPerSecond: limit.perSecond }, 1);
    return answer.granted === 1 ? 0 : Math.max(1, answer.msUntilOneToken);
  }
}
