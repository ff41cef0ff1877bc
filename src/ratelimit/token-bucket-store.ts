import type { RedisClient } from '../redis.js';

/**
 * Refill-and-take in one step, on Redis's clock so every gateway instance shares the budget.
 * KEYS[1] bucket hash; ARGV[1] capacity; ARGV[2] refill per millisecond; ARGV[3] tokens to take
 * (default 1). A take of more than the capacity waits for a full bucket and leaves it in debt, so
 * the average rate holds whatever the size of each take.
 * Returns {used, ms}: used = capacity - tokens left, at most capacity (capacity + 1 when refused);
 * ms = time until the bucket is full again, or, when refused, until the take would succeed.
 */
const TAKE_TOKEN = `
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local count = tonumber(ARGV[3]) or 1
local need = math.min(count, capacity)
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or capacity
local ts = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - ts) * rate)
local taken = tokens >= need
if taken then tokens = tokens - count end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', now)
local untilFull = math.ceil((capacity - tokens) / rate)
redis.call('PEXPIRE', KEYS[1], untilFull + 1000)
if taken then return {math.min(capacity, capacity - math.floor(tokens)), untilFull} end
return {capacity + 1, math.ceil((need - tokens) / rate)}
`;

type TakeToken = (key: string, capacity: number, ratePerMs: number, count: number) => Promise<[number, number]>;
type IncrCallback = (error: Error | null, result?: { current: number; ttl: number }) => void;

/**
 * A token-bucket store for @fastify/rate-limit. The plugin's (max, timeWindow) are read as
 * (capacity, time to refill from empty), so refill rate = max / timeWindow; its headers and 429
 * handling stay the plugin's.
 */
export class TokenBucketStore {
  private readonly take: TakeToken;

  constructor(
    redis: RedisClient,
    private readonly prefix: string,
  ) {
    if (!('takeToken' in redis)) redis.defineCommand('takeToken', { numberOfKeys: 1, lua: TAKE_TOKEN });
    const command = (redis as unknown as { takeToken: TakeToken }).takeToken.bind(redis);
    this.take = command;
  }

  incr(key: string, callback: IncrCallback, timeWindow: number, max: number): void {
    this.takeMany(key, max, timeWindow, 1).then(
      (result) => callback(null, result),
      (error: Error) => callback(error),
    );
  }

  /** Takes `count` tokens at once (one per alert of a request, for targets limited in alerts). */
  async takeMany(
    key: string,
    max: number,
    timeWindow: number,
    count: number,
  ): Promise<{ current: number; ttl: number }> {
    const [current, ttl] = await this.take(`${this.prefix}${key}`, max, max / timeWindow, count);
    return { current, ttl };
  }

  child(): TokenBucketStore {
    return this;
  }
}
