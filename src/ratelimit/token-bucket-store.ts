import type { RedisClient } from '../redis.js';

/**
 * Refill-and-take in one step, on Redis's clock so every gateway instance shares the budget.
 * KEYS[1] bucket hash; ARGV[1] capacity; ARGV[2] refill per millisecond.
 * Returns {used, ms}: used = capacity - tokens left (capacity + 1 when refused); ms = time until
 * the bucket is full again, or, when refused, until one token is available.
 */
const TAKE_TOKEN = `
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or capacity
local ts = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - ts) * rate)
local taken = tokens >= 1
if taken then tokens = tokens - 1 end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', now)
local untilFull = math.ceil((capacity - tokens) / rate)
redis.call('PEXPIRE', KEYS[1], untilFull + 1000)
if taken then return {capacity - math.floor(tokens), untilFull} end
return {capacity + 1, math.ceil((1 - tokens) / rate)}
`;

type TakeToken = (key: string, capacity: number, ratePerMs: number) => Promise<[number, number]>;
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
    this.take(`${this.prefix}${key}`, max, max / timeWindow).then(
      ([current, ttl]) => callback(null, { current, ttl }),
      (error: Error) => callback(error),
    );
  }

  child(): TokenBucketStore {
    return this;
  }
}
