import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { leaseChunk, type Quota, QuotaLeases } from '../../src/ratelimit/quota-leases.js';
import { type BucketAnswer, type BucketLimit, SharedBuckets } from '../../src/ratelimit/shared-buckets.js';
import { createRedis, pingRedis } from '../../src/redis.js';

const redis = createRedis(loadConfig(), 'test-quota-leases');
const prefix = `t-${randomUUID()}:bucket:`;
afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

/** The real shared buckets, counting the round trips and the tokens given back. */
class CountedBuckets extends SharedBuckets {
  calls = 0;
  givenBack = 0;

  override take(key: string, limit: BucketLimit, wanted: number): Promise<BucketAnswer> {
    this.calls += 1;
    return super.take(key, limit, wanted);
  }

  override giveBack(key: string, limit: BucketLimit, tokens: number): Promise<void> {
    this.givenBack += tokens;
    return super.giveBack(key, limit, tokens);
  }
}

function take(leases: QuotaLeases, key: string, limit: BucketLimit): Promise<Quota> {
  return new Promise((resolve, reject) =>
    leases.take(key, limit, (error, quota) => (error || !quota ? reject(error) : resolve(quota))),
  );
}

async function admittedOf(leases: QuotaLeases, key: string, limit: BucketLimit, requests: number) {
  const answers = await Promise.all(Array.from({ length: requests }, () => take(leases, key, limit)));
  return answers.filter((quota) => quota.admitted).length;
}

describe('lease chunk', () => {
  it('is 1 for small buckets and grows with the smaller of burst and refill, up to 1000', () => {
    expect(leaseChunk({ capacity: 3, refillPerSecond: 1 })).toBe(1);
    expect(leaseChunk({ capacity: 100_000, refillPerSecond: 4 })).toBe(1);
    expect(leaseChunk({ capacity: 60, refillPerSecond: 12 })).toBe(3);
    expect(leaseChunk({ capacity: 200, refillPerSecond: 200 })).toBe(10);
    expect(leaseChunk({ capacity: 1000, refillPerSecond: 10_000 })).toBe(50);
    expect(leaseChunk({ capacity: 20_000, refillPerSecond: 10_000 })).toBe(1000);
    expect(leaseChunk({ capacity: 1e8, refillPerSecond: 1e8 })).toBe(1000);
  });
});

describe('quota leases on the shared Redis bucket', () => {
  it('serves concurrent requests of an empty local bucket from one lease call, then spends locally', async () => {
    await pingRedis(redis);
    const buckets = new CountedBuckets(redis, prefix);
    const leases = new QuotaLeases(buckets);
    const limit = { capacity: 1000, refillPerSecond: 1000 }; // chunk 50
    try {
      // The first request asks for itself and a chunk ahead (51); the 29 arriving meanwhile share that call.
      expect(await admittedOf(leases, 'coalesced', limit, 30)).toBe(30);
      expect(buckets.calls).toBe(1);
      // 21 left, under half a chunk: the next request renews the lease in the background.
      expect((await take(leases, 'coalesced', limit)).admitted).toBe(true);
      expect(buckets.calls).toBe(2);
      await redis.ping(); // answered after the lease call, on the same connection
      // A full chunk again: the next 25 requests spend it without a round trip, the 26th renews it.
      for (let i = 0; i < 25; i++) expect((await take(leases, 'coalesced', limit)).admitted).toBe(true);
      expect(buckets.calls).toBe(2);
      expect((await take(leases, 'coalesced', limit)).admitted).toBe(true);
      expect(buckets.calls).toBe(3);
    } finally {
      await leases.close();
    }
  });

  it('with a chunk of 1 holds nothing ahead: two gateways admit exactly the capacity', async () => {
    const [first, second] = [
      new QuotaLeases(new SharedBuckets(redis, prefix)),
      new QuotaLeases(new SharedBuckets(redis, prefix)),
    ];
    const limit = { capacity: 3, refillPerSecond: 0.001 };
    try {
      const admitted = [];
      for (let i = 0; i < 5; i++) {
        admitted.push((await take(first, 'exact', limit)).admitted, (await take(second, 'exact', limit)).admitted);
      }
      expect(admitted.filter(Boolean)).toHaveLength(3);
      expect(admitted.slice(0, 3)).toEqual([true, true, true]);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  it('refuses locally, with the time until the next token, once the shared bucket is dry', async () => {
    const buckets = new CountedBuckets(redis, prefix);
    const leases = new QuotaLeases(buckets);
    const limit = { capacity: 2, refillPerSecond: 0.5 };
    try {
      expect(await admittedOf(leases, 'dry', limit, 2)).toBe(2);
      const refused = await take(leases, 'dry', limit);
      expect(refused).toMatchObject({ admitted: false, remaining: 0 });
      expect(refused.ms).toBeGreaterThan(1000);
      expect(refused.ms).toBeLessThanOrEqual(2000);
      const calls = buckets.calls;
      expect(await admittedOf(leases, 'dry', limit, 20)).toBe(0);
      expect(buckets.calls).toBe(calls);
    } finally {
      await leases.close();
    }
  });

  it('gives unspent tokens back after an idle spell and on close, so other gateways can spend them', async () => {
    const buckets = new CountedBuckets(redis, prefix);
    const idle = new QuotaLeases(buckets, 50);
    const limit = { capacity: 2000, refillPerSecond: 2000 }; // chunk 100
    expect((await take(idle, 'idle', limit)).admitted).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(buckets.givenBack).toBe(100);

    expect((await take(idle, 'idle', limit)).admitted).toBe(true);
    await idle.close();
    expect(buckets.givenBack).toBe(200);
  });
});

describe('the shared bucket script', () => {
  it('grants what it holds, takes back what is given back, and never exceeds the capacity', async () => {
    const buckets = new SharedBuckets(redis, prefix);
    const limit = { capacity: 100, refillPerSecond: 0.001 };
    expect(await buckets.take('script', limit, 30)).toMatchObject({ granted: 30, left: 70 });
    expect(await buckets.take('script', limit, 500)).toMatchObject({ granted: 70, left: 0 });
    const dry = await buckets.take('script', limit, 1);
    expect(dry.granted).toBe(0);
    expect(dry.msUntilOneToken).toBeGreaterThan(900_000);
    await buckets.giveBack('script', limit, 7);
    expect(await buckets.take('script', limit, 500)).toMatchObject({ granted: 7, left: 0 });
    await buckets.giveBack('script', limit, 1000);
    expect(await buckets.take('script', limit, 500)).toMatchObject({ granted: 100, left: 0 });
  });
});
