import { SharedBuckets } from '../ratelimit/shared-buckets.js';
import type { RedisClient } from '../redis.js';
import type { RateLimit } from './model.js';

/**
 * Per-target token buckets in Redis (the gateway's shared buckets), so every worker shares one
 * target's budget. `take` answers 0 when a request may go now, else the ms until its tokens are free.
 */
export class TargetRateLimiter {
  private readonly buckets: SharedBuckets;

  constructor(redis: RedisClient, prefix: string) {
    this.buckets = new SharedBuckets(redis, `${prefix}:publish:bucket:`);
  }

  /**
   * Takes `tokens` (1 per request, or 1 per alert for targets limited in alerts) from the target's
   * bucket, all or none: a partial grant is given back. A request of more than the burst waits for
   * a full bucket.
   */
  async take(target: string, limit: RateLimit, tokens = 1): Promise<number> {
    const bucket = { capacity: limit.burst, refillPerSecond: limit.perSecond };
    const wanted = Math.min(tokens, limit.burst);
    const answer = await this.buckets.take(target, bucket, wanted);
    if (answer.granted === wanted) return 0;
    if (answer.granted > 0) await this.buckets.giveBack(target, bucket, answer.granted);
    return Math.max(1, Math.ceil(((wanted - answer.left - answer.granted) * 1000) / limit.perSecond));
  }
}
