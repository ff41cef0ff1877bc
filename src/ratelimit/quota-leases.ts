import type { BucketAnswer, BucketLimit, SharedBuckets } from './shared-buckets.js';

/** A request's answer: admitted or not, and what the RateLimit headers report. */
export interface Quota {
  admitted: boolean;
  /** Estimate of the tokens left, shared and leased. */
  remaining: number;
  /** Admitted: ms until the bucket is full again; refused: ms until a token is available. */
  ms: number;
}

export type QuotaCallback = (error: Error | null, quota?: Quota) => void;

/** Largest lease: one round trip to Redis per this many admitted requests at most. */
const MAX_CHUNK = 1000;

/**
 * Tokens leased per round trip: 5% of the burst or a quarter second of refill, whichever is
 * smaller, at most {@link MAX_CHUNK}. Small or slow buckets get 1, which holds nothing ahead and is
 * exact.
 */
export function leaseChunk(limit: BucketLimit): number {
  return Math.max(1, Math.min(MAX_CHUNK, Math.floor(limit.capacity / 20), Math.floor(limit.refillPerSecond / 4)));
}

interface LocalBucket {
  limit: BucketLimit;
  chunk: number;
  /** Leased and not yet spent: at most `chunk` once the requests waiting are served. */
  tokens: number;
  waiting: QuotaCallback[];
  leasing: boolean;
  /** The shared bucket ran dry: refuse here, without asking Redis, until then (epoch ms). */
  refusedUntil: number;
  /** The shared bucket as the last lease left it. */
  shared: { left: number; msUntilFull: number; at: number };
  lastUsed: number;
}

/**
 * Quota leases: each gateway process takes tokens from the shared Redis bucket in chunks and spends
 * them locally, so most requests cost no round trip. A lease is renewed ahead of exhaustion (when
 * half a chunk is left), in the background, and concurrent requests of an empty local bucket share
 * one lease call. A dry shared bucket is remembered until its next token is due, so refused
 * requests cost no round trip either.
 *
 * Over-admission bound: the shared bucket never grants more than capacity + refill × t in total;
 * leasing only shifts when tokens are spent. A lease asks for the requests waiting plus at most one
 * chunk, so a process holds at most `chunk` tokens taken ahead of demand, and in any window of t
 * seconds N gateway processes admit at most capacity + refill × t + N × chunk (a waiting request
 * counted when its lease leaves Redis); exactly capacity + refill × t when the chunk is 1. Tokens
 * unspent after `idleMs` without a request are given back to the shared bucket, and all of them
 * on close, so none are lost.
 */
export class QuotaLeases {
  private readonly buckets = new Map<string, LocalBucket>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly shared: SharedBuckets,
    idleMs = 1000,
  ) {
    this.sweeper = setInterval(() => this.giveBackIdle(Date.now() - idleMs), idleMs);
    this.sweeper.unref();
  }

  /** Spends one token of `key`'s bucket; calls back at once unless a lease must be waited for. */
  take(key: string, limit: BucketLimit, callback: QuotaCallback): void {
    const now = Date.now();
    const bucket = this.bucketOf(key, limit, now);
    bucket.lastUsed = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      if (bucket.chunk > 1 && bucket.tokens < bucket.chunk / 2 && now >= bucket.refusedUntil) this.lease(key, bucket);
      callback(null, admitted(bucket, now));
    } else if (now < bucket.refusedUntil) {
      callback(null, { admitted: false, remaining: 0, ms: bucket.refusedUntil - now });
    } else {
      bucket.waiting.push(callback);
      this.lease(key, bucket);
    }
  }

  /** Stops sweeping and gives every unspent token back. */
  async close(): Promise<void> {
    clearInterval(this.sweeper);
    await this.giveBackIdle(Number.POSITIVE_INFINITY);
  }

  private bucketOf(key: string, limit: BucketLimit, now: number): LocalBucket {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = {
        limit,
        chunk: leaseChunk(limit),
        tokens: 0,
        waiting: [],
        leasing: false,
        refusedUntil: 0,
        shared: { left: limit.capacity, msUntilFull: 0, at: now },
        lastUsed: now,
      };
      this.buckets.set(key, bucket);
    }
    return bucket;
  }

  /** One lease call at a time per bucket: enough for the requests waiting, plus a chunk ahead. */
  private lease(key: string, bucket: LocalBucket): void {
    if (bucket.leasing) return;
    bucket.leasing = true;
    const wanted = bucket.waiting.length + (bucket.chunk > 1 ? bucket.chunk - bucket.tokens : 0);
    this.shared.take(key, bucket.limit, wanted).then(
      (answer) => this.leased(key, bucket, wanted, answer),
      (error: Error) => {
        bucket.leasing = false;
        for (const waiter of bucket.waiting.splice(0)) waiter(error);
      },
    );
  }

  private leased(key: string, bucket: LocalBucket, wanted: number, answer: BucketAnswer): void {
    const now = Date.now();
    bucket.leasing = false;
    bucket.tokens += answer.granted;
    bucket.shared = { left: answer.left, msUntilFull: answer.msUntilFull, at: now };
    let served = 0;
    while (served < bucket.waiting.length && bucket.tokens >= 1) {
      bucket.tokens -= 1;
      served += 1;
    }
    const waiters = bucket.waiting.splice(0, served);
    for (const waiter of waiters) waiter(null, admitted(bucket, now));
    const dry = answer.granted < wanted;
    if (dry) bucket.refusedUntil = now + answer.msUntilOneToken;
    if (bucket.waiting.length === 0) return;
    if (dry) {
      const refusal = { admitted: false, remaining: 0, ms: answer.msUntilOneToken };
      for (const waiter of bucket.waiting.splice(0)) waiter(null, refusal);
    } else {
      // Requests that arrived during the call: the shared bucket may hold more.
      this.lease(key, bucket);
    }
  }

  /** Gives back the tokens of buckets unused since `before` and forgets those buckets. */
  private async giveBackIdle(before: number): Promise<void> {
    const returns: Promise<void>[] = [];
    for (const [key, bucket] of this.buckets) {
      if (bucket.leasing || bucket.waiting.length > 0 || bucket.lastUsed > before) continue;
      this.buckets.delete(key);
      // Redis unreachable: the tokens are lost to this bucket until it refills, as if spent.
      if (bucket.tokens >= 1) returns.push(this.shared.giveBack(key, bucket.limit, bucket.tokens).catch(() => {}));
    }
    await Promise.all(returns);
  }
}

function admitted(bucket: LocalBucket, now: number): Quota {
  const { limit, shared, tokens } = bucket;
  const elapsed = now - shared.at;
  const refilled = (elapsed * limit.refillPerSecond) / 1000;
  return {
    admitted: true,
    remaining: Math.min(limit.capacity, Math.floor(shared.left + refilled + tokens)),
    ms: Math.max(0, shared.msUntilFull - elapsed),
  };
}
