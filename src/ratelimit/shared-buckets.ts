import type { RedisClient } from '../redis.js';

/**
 * Refill, then take or give back tokens, in one step on Redis's clock, so every process shares
 * one budget. KEYS[1] bucket hash; ARGV[1] capacity; ARGV[2] refill per millisecond; ARGV[3]
 * tokens wanted, or, when negative, unused tokens given back (never above capacity).
 * Returns {granted, whole tokens left, ms until full, ms until one token is available}.
 */
const TAKE_OR_GIVE_BACK = `
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local wanted = tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or capacity
local ts = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - ts) * rate)
local granted = 0
if wanted < 0 then
  tokens = math.min(capacity, tokens - wanted)
else
  granted = math.min(wanted, math.floor(tokens))
  tokens = tokens - granted
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', now)
local untilFull = math.ceil((capacity - tokens) / rate)
redis.call('PEXPIRE', KEYS[1], untilFull + 1000)
local untilOne = 0
if tokens < 1 then untilOne = math.ceil((1 - tokens) / rate) end
return {granted, math.floor(tokens), untilFull, untilOne}
`;

/** A token bucket's size and sustained rate. */
export interface BucketLimit {
  capacity: number;
  refillPerSecond: number;
}

/** What one call to the shared bucket did, and the bucket's state after it. */
export interface BucketAnswer {
  granted: number;
  /** Whole tokens left in the shared bucket. */
  left: number;
  msUntilFull: number;
  /** 0 while a whole token is left. */
  msUntilOneToken: number;
}

type TakeOrGiveBack = (key: string, capacity: number, ratePerMs: number, wanted: number) => Promise<number[]>;

/** Token buckets in Redis, one hash per key under `prefix`, shared by every process using the prefix. */
export class SharedBuckets {
  private readonly command: TakeOrGiveBack;

  constructor(
    redis: RedisClient,
    private readonly prefix: string,
  ) {
    if (!('takeOrGiveBackTokens' in redis)) {
      redis.defineCommand('takeOrGiveBackTokens', { numberOfKeys: 1, lua: TAKE_OR_GIVE_BACK });
    }
    this.command = (redis as unknown as { takeOrGiveBackTokens: TakeOrGiveBack }).takeOrGiveBackTokens.bind(redis);
  }

  /** Takes up to `wanted` whole tokens (fewer, maybe none, when the bucket holds fewer). */
  async take(key: string, limit: BucketLimit, wanted: number): Promise<BucketAnswer> {
    const [granted = 0, left = 0, msUntilFull = 0, msUntilOneToken = 0] = await this.command(
      `${this.prefix}${key}`,
      limit.capacity,
      limit.refillPerSecond / 1000,
      wanted,
    );
    return { granted, left, msUntilFull, msUntilOneToken };
  }

  /** Puts back `tokens` taken but not spent. */
  async giveBack(key: string, limit: BucketLimit, tokens: number): Promise<void> {
    await this.command(`${this.prefix}${key}`, limit.capacity, limit.refillPerSecond / 1000, -tokens);
  }
}
