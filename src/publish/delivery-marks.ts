import type { RedisClient } from '../redis.js';

/** How a (batch, target) delivery left the fan-out: delivered, handed to a retry job, or dead-lettered. */
export type Mark = 'delivered' | 'retrying' | 'dead-lettered';

const TTL_SECONDS = 86_400;

/**
 * Per-target "settled" records of a batch in Redis, so a batch job that runs again (its worker died
 * mid-fan-out) never re-sends to a target that was already served (style: fan out per target).
 */
export class DeliveryMarks {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  private key(batchId: string): string {
    return `${this.prefix}:publish:marks:${batchId}`;
  }

  /** Records how targets settled; one HSET for many targets. */
  async set(batchId: string, marks: ReadonlyMap<string, Mark>): Promise<void> {
    if (marks.size === 0) return;
    const key = this.key(batchId);
    // Two commands, auto-pipelined with others; a split only risks a mark outliving its TTL.
    await Promise.all([this.redis.hset(key, Object.fromEntries(marks)), this.redis.expire(key, TTL_SECONDS)]);
  }

  async get(batchId: string): Promise<Map<string, Mark>> {
    const marks = await this.redis.hgetall(this.key(batchId));
    return new Map(Object.entries(marks) as [string, Mark][]);
  }
}
