import { COMMITTED_ENTRIES_KEY } from '../pipeline/batch-loop.js';
import { sampleLogDepth } from '../pipeline/log-depth.js';
import type { RedisClient } from '../redis.js';

export interface BackpressureOptions {
  /** Ingest log entries waiting above which ingestion is refused… */
  highWatermark: number;
  /** …until the depth falls below this (hysteresis). */
  lowWatermark: number;
  /** Oldest waiting entry's age that also triggers refusal, in ms. */
  maxAgeMs: number;
  /** Critical alerts are admitted while shedding, up to this depth. */
  criticalHardLimit: number;
  /** How often the log is sampled, in ms. */
  sampleIntervalMs: number;
}

export type Admission = { ok: true } | { ok: false; reason: 'queue_depth' | 'queue_age'; retryAfterSeconds: number };

/**
 * Samples the ingest log's depth and oldest entry age in the background, so admission is an
 * in-memory check on the request path. Sheds above the high watermark until the depth is under
 * the low one.
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
    private readonly redis: RedisClient,
    private readonly namespace: string,
    private readonly shards: number,
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

  /** Reads every shard's backlog and oldest entry, then updates the shedding state. */
  async sample(now = Date.now()): Promise<void> {
    const [depths, committedText] = await Promise.all([
      sampleLogDepth(this.redis, this.namespace, this.shards),
      this.redis.get(`${this.namespace}:${COMMITTED_ENTRIES_KEY}`),
    ]);
    this.depth = depths.reduce((sum, shard) => sum + shard.entries.urgent + shard.entries.normal, 0);
    const oldest = Math.min(now, ...depths.flatMap((shard) => (shard.oldestAt === null ? [] : [shard.oldestAt])));
    this.oldestAgeMs = Math.max(0, now - oldest);
    const committed = Number(committedText ?? 0);
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

  private retryAfterSeconds(): number {
    const excess = Math.max(1, this.depth - this.options.lowWatermark);
    if (this.drainPerSecond <= 0) return 30;
    return Math.min(300, Math.max(1, Math.ceil(excess / this.drainPerSecond)));
  }
}
