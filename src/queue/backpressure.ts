import type { Redis } from 'ioredis';
import type { IngestQueues } from './ingest-queues.js';

export interface BackpressureOptions {
  /** Queued jobs above which ingestion is refused… */
  highWatermark: number;
  /** …until the depth falls below this (hysteresis). */
  lowWatermark: number;
  /** Oldest waiting job age that also triggers refusal, in ms. */
  maxAgeMs: number;
  /** Critical alerts are admitted while shedding, up to this depth. */
  criticalHardLimit: number;
  /** How often the queues are sampled, in ms. */
  sampleIntervalMs: number;
}

export type Admission = { ok: true } | { ok: false; reason: 'queue_depth' | 'queue_age'; retryAfterSeconds: number };

/** Counter of jobs committed by workers; its rate is the drain rate behind Retry-After. */
export const COMMITTED_JOBS_KEY = 'stats:committed-jobs';

/**
 * Samples queue depth and oldest-job age in the background, so admission is an in-memory check
 * on the request path. Sheds above the high watermark until the depth is under the low one.
 */
export class Backpressure {
  private shedding: false | 'queue_depth' | 'queue_age' = false;
  private depth = 0;
  private oldestAgeMs = 0;
  private drainPerSecond = 0;
  private lastCommitted: { at: number; count: number } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private sampling = false;

  constructor(
    private readonly queues: IngestQueues,
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly options: BackpressureOptions,
  ) {}

  async start(): Promise<void> {
    await this.sampleIfConnected();
    this.timer = setInterval(() => void this.sampleIfConnected(), this.options.sampleIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Whether a request whose most severe alert is `critical` (or not) may be enqueued now. */
  admit(critical: boolean): Admission {
    if (!this.shedding) return { ok: true };
    if (critical && this.depth < this.options.criticalHardLimit) return { ok: true };
    return { ok: false, reason: this.shedding, retryAfterSeconds: this.retryAfterSeconds() };
  }

  snapshot() {
    return {
      shedding: this.shedding,
      depth: this.depth,
      oldestAgeMs: this.oldestAgeMs,
      drainPerSecond: this.drainPerSecond,
    };
  }

  /** One sample at a time, and none while Redis is away (its commands would wait for it). */
  private async sampleIfConnected(): Promise<void> {
    if (this.sampling || this.redis.status !== 'ready') return;
    this.sampling = true;
    try {
      await this.sample();
    } catch {
      // The next interval tries again; admission keeps its last state meanwhile.
    } finally {
      this.sampling = false;
    }
  }

  /** Reads every shard's waiting depth and oldest job, then updates the shedding state. */
  async sample(now = Date.now()): Promise<void> {
    const perShard = await Promise.all(this.queues.queues.map((queue) => this.sampleQueue(queue, now)));
    this.depth = perShard.reduce((sum, shard) => sum + shard.depth, 0);
    this.oldestAgeMs = Math.max(0, ...perShard.map((shard) => shard.oldestAgeMs));
    const committed = Number((await this.redis.get(`${this.keyPrefix}:${COMMITTED_JOBS_KEY}`)) ?? 0);
    if (this.lastCommitted && now > this.lastCommitted.at) {
      const rate = ((committed - this.lastCommitted.count) * 1000) / (now - this.lastCommitted.at);
      // Smoothed so one idle sample does not swing Retry-After.
      this.drainPerSecond = this.drainPerSecond === 0 ? rate : 0.7 * this.drainPerSecond + 0.3 * rate;
    }
    this.lastCommitted = { at: now, count: committed };
    const { highWatermark, lowWatermark, maxAgeMs } = this.options;
    if (this.depth > highWatermark) this.shedding = 'queue_depth';
    else if (this.oldestAgeMs > maxAgeMs) this.shedding = 'queue_age';
    else if (this.depth < lowWatermark) this.shedding = false;
  }

  private async sampleQueue(queue: IngestQueues['queues'][number], now: number) {
    const counts = await queue.getJobCounts('wait', 'prioritized');
    const depth = (counts.wait ?? 0) + (counts.prioritized ?? 0);
    if (depth === 0) return { depth, oldestAgeMs: 0 };
    // Oldest candidates: the tail of the FIFO wait list and the head of the priority set.
    const [waitTail, prioritizedHead] = await Promise.all([
      this.redis.lindex(queue.keys.wait as string, -1),
      this.redis.zrange(queue.keys.prioritized as string, '0', '0'),
    ]);
    const ids = [waitTail, prioritizedHead[0]].filter((id): id is string => typeof id === 'string');
    const stamps = await Promise.all(ids.map((id) => this.redis.hget(queue.toKey(id), 'timestamp')));
    const oldest = Math.min(...stamps.map((stamp) => Number(stamp ?? now)));
    return { depth, oldestAgeMs: Math.max(0, now - oldest) };
  }

  private retryAfterSeconds(): number {
    const excess = Math.max(1, this.depth - this.options.lowWatermark);
    if (this.drainPerSecond <= 0) return 30;
    return Math.min(300, Math.max(1, Math.ceil(excess / this.drainPerSecond)));
  }
}
