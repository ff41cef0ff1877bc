import type { QueueSample } from '../observe/queue-sample.js';

export interface BackpressureOptions {
  /** Ingest log entries waiting above which ingestion is refused… */
  highWatermark: number;
  /** …until the depth falls below this (hysteresis). */
  lowWatermark: number;
  /** Oldest waiting entry's age that also triggers refusal, in ms. */
  maxAgeMs: number;
  /** Critical alerts are admitted while shedding, up to this depth. */
  criticalHardLimit: number;
}

export type Admission = { ok: true } | { ok: false; reason: 'queue_depth' | 'queue_age'; retryAfterSeconds: number };

/**
 * Decides admission from the gateway's queue sample (the ingest log's depth, oldest entry age and
 * committed entries), so admission is an in-memory check on the request path. Sheds above the high
 * watermark until the depth is under the low one. Between samples, and while none can be taken
 * (Redis away), the last decision stands.
 */
export class Backpressure {
  private shedding: false | 'queue_depth' | 'queue_age' = false;
  private depth = 0;
  private drainPerSecond = 0;
  private lastCommitted: { at: number; count: number } | undefined;

  constructor(private readonly options: BackpressureOptions) {}

  /** Whether a request whose most severe alert is `critical` (or not) may be enqueued now. */
  admit(critical: boolean): Admission {
    if (!this.shedding) return { ok: true };
    if (critical && this.depth < this.options.criticalHardLimit) return { ok: true };
    return { ok: false, reason: this.shedding, retryAfterSeconds: this.retryAfterSeconds() };
  }

  /** Updates the shedding state and the drain rate from a new sample's ingest shards. */
  observe(sample: QueueSample): void {
    const shards = sample.queues.filter((queue) => queue.kind === 'ingest');
    this.depth = shards.reduce((sum, shard) => sum + shard.waiting, 0);
    const oldestAgeMs = 1000 * Math.max(0, ...shards.map((shard) => shard.oldestWaitingSeconds));
    const committed = shards.reduce((sum, shard) => sum + shard.completed, 0);
    if (this.lastCommitted && sample.at > this.lastCommitted.at) {
      const rate = ((committed - this.lastCommitted.count) * 1000) / (sample.at - this.lastCommitted.at);
      // Smoothed so one idle sample does not swing Retry-After.
      this.drainPerSecond = this.drainPerSecond === 0 ? rate : 0.7 * this.drainPerSecond + 0.3 * rate;
    }
    this.lastCommitted = { at: sample.at, count: committed };
    const { highWatermark, lowWatermark, maxAgeMs } = this.options;
    if (this.depth > highWatermark) this.shedding = 'queue_depth';
    else if (oldestAgeMs > maxAgeMs) this.shedding = 'queue_age';
    else if (this.depth < lowWatermark) this.shedding = false;
  }

  private retryAfterSeconds(): number {
    const excess = Math.max(1, this.depth - this.options.lowWatermark);
    if (this.drainPerSecond <= 0) return 30;
    return Math.min(300, Math.max(1, Math.ceil(excess / this.drainPerSecond)));
  }
}
