/** Why a batch was flushed; a label for metrics. */
export type FlushTrigger = 'size' | 'time' | 'drain';

export interface BatcherOptions {
  /** Items per batch under normal load. */
  size: number;
  /** Ceiling the batch size grows to while flushes keep filling up (backlog). */
  maxSize: number;
  /** Longest time an item waits for its batch, in ms. */
  maxWaitMs: number;
}

/** A per-item failure inside a batch that otherwise succeeded: only that item's promise rejects. */
export class ItemFailure {
  constructor(readonly error: unknown) {}
}

interface Pending<T, R> {
  item: T;
  weight: number;
  resolve(result: R): void;
  reject(error: unknown): void;
}

/**
 * Collects items into batches bounded by total weight and time, flushes one batch at a time
 * (callers that need order rely on that), and settles each item's promise with its batch's outcome.
 * Never drops: while a flush runs, new items wait for the next batch.
 */
export class Batcher<T, R> {
  private pending: Pending<T, R>[] = [];
  private pendingWeight = 0;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private currentSize: number;

  constructor(
    private readonly options: BatcherOptions,
    /** Writes a batch; returns one result (or ItemFailure) per item, in order. Throwing fails them all. */
    private readonly flushBatch: (items: T[], trigger: FlushTrigger) => Promise<(R | ItemFailure)[]>,
  ) {
    this.currentSize = options.size;
  }

  add(item: T, weight = 1): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, weight, resolve, reject });
      this.pendingWeight += weight;
      if (this.pendingWeight >= this.currentSize) this.schedule('size');
      else this.timer ??= setTimeout(() => this.schedule('time'), this.options.maxWaitMs);
    });
  }

  /** Flushes everything pending and waits for in-flight batches. */
  async drain(): Promise<void> {
    if (this.pending.length > 0) this.schedule('drain');
    await this.flushing;
  }

  get size(): number {
    return this.currentSize;
  }

  private schedule(trigger: FlushTrigger): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    this.pendingWeight = 0;
    // Backlog fills batches before the timer fires: grow them; idle periods shrink them back.
    this.currentSize =
      trigger === 'size'
        ? Math.min(this.options.maxSize, Math.ceil(this.currentSize * 1.5))
        : Math.max(this.options.size, Math.floor(this.currentSize / 1.5));
    this.flushing = this.flushing.then(() => this.run(batch, trigger));
  }

  private async run(batch: Pending<T, R>[], trigger: FlushTrigger): Promise<void> {
    try {
      const results = await this.flushBatch(
        batch.map((entry) => entry.item),
        trigger,
      );
      for (const [i, entry] of batch.entries()) {
        const result = results[i];
        if (result instanceof ItemFailure) entry.reject(result.error);
        else entry.resolve(result as R);
      }
    } catch (error) {
      for (const entry of batch) entry.reject(error);
    }
  }
}
