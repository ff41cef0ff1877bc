import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import * as metrics from '../metrics.js';
import { PUBLISH_QUEUE } from '../publish/publish-queue.js';
import { INGEST_DLQ } from './dead-letters.js';
import { type IngestQueues, SEVERITY_OF_PRIORITY } from './ingest-queues.js';
import { assessQueueHealth, type HealthThresholds, statusRank } from './queue-health.js';
import { readWorkers, type WorkerView } from './worker-registry.js';

export type QueueKind = 'ingest' | 'publish' | 'dead-letter';

/** Throughput over the last minute and five minutes (shorter right after start: `windowSeconds`). */
export interface Throughput {
  perSecond1m: number;
  perSecond5m: number;
  /** Seconds of history behind perSecond5m (up to 300). */
  windowSeconds: number;
}

/** One queue at one instant. */
export interface QueueView {
  name: string;
  kind: QueueKind;
  shard: number | null;
  /** Jobs ready to run (BullMQ wait + prioritized). */
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  completed: number;
  /** Ingest shards: waiting jobs by the most severe alert they carry. */
  waitingByPriority: Record<string, number> | null;
  oldestWaitingSeconds: number;
  /** Null until the queue's workers report completions (BullMQ worker metrics). */
  throughput: Throughput | null;
}

/** The publish dead letters live in PostgreSQL; this reads their size. */
export type DeadLetterCounter = () => Promise<{ size: number; oldestSeconds: number }>;

export interface QueueSample {
  /** Epoch ms the sample was taken. */
  at: number;
  queues: QueueView[];
  workers: WorkerView[];
  /** Ingest shards that no live worker announced. */
  unownedShards: number[];
  publishDeadLetters: { size: number; oldestSeconds: number } | null;
}

export interface QueueSamplerOptions {
  prefix: string;
  intervalMs: number;
  /** Workers whose last heartbeat is older are not live, in ms. */
  workerLivenessMs: number;
  /** When given, each sample's overall status is exported as alertgate_queue_health_status. */
  thresholds?: HealthThresholds;
}

const FIVE_MINUTES_MS = 300_000;
const DEAD_LETTER_COUNT_MS = 5000;
const PRIORITIES = [...SEVERITY_OF_PRIORITY.keys()];
/** BullMQ's prioritized score: priority × 2^32 + a counter, so one priority is one score range. */
const PRIORITY_SPAN = 0x1_0000_0000;

/**
 * Samples every queue (ingest shards, publish, ingest dead letters), the live workers and the
 * publish dead letters in the background, so /metrics, the health probe and the admin page read
 * memory instead of Redis. Keeps five minutes of completion counts per queue for throughput.
 */
export class QueueSampler {
  private readonly targets: { queue: Queue; kind: QueueKind; shard: number | null }[];
  private readonly ownQueues: Queue[];
  private readonly completions = new Map<string, { at: number; count: number }[]>();
  private timer: NodeJS.Timeout | undefined;
  private sampling: Promise<void> | undefined;
  private last: QueueSample | undefined;
  private publishDeadLetters: { at: number; value: NonNullable<QueueSample['publishDeadLetters']> } | undefined;
  private lastError: unknown;

  constructor(
    private readonly redis: Redis,
    ingest: IngestQueues,
    private readonly options: QueueSamplerOptions,
    private readonly log: Logger,
    private readonly countPublishDeadLetters?: DeadLetterCounter,
  ) {
    const connection = { connection: redis, prefix: options.prefix };
    this.ownQueues = [new Queue(PUBLISH_QUEUE, connection), new Queue(INGEST_DLQ, connection)];
    this.targets = [
      ...ingest.queues.map((queue, shard) => ({ queue, kind: 'ingest' as const, shard })),
      { queue: this.ownQueues[0] as Queue, kind: 'publish', shard: null },
      { queue: this.ownQueues[1] as Queue, kind: 'dead-letter', shard: null },
    ];
  }

  async start(): Promise<void> {
    await this.sampleNow();
    this.timer = setInterval(() => void this.sampleNow(), this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.sampling;
    await Promise.allSettled(this.ownQueues.map((queue) => queue.close()));
  }

  /** The newest sample, if any succeeded, and the error of the newest attempt if it failed. */
  health(): { sample: QueueSample | undefined; error: unknown } {
    return { sample: this.last, error: this.lastError };
  }

  latest(): QueueSample | undefined {
    return this.last;
  }

  /** Samples unless a sample is in flight (then waits for that one); never throws. */
  sampleNow(): Promise<void> {
    this.sampling ??= this.sample()
      .then((sample) => {
        this.last = sample;
        this.lastError = undefined;
        this.export(sample);
      })
      .catch((error: unknown) => {
        this.lastError = error;
        this.log.warn({ err: error }, 'queue sample failed');
      })
      .finally(() => {
        this.sampling = undefined;
      });
    return this.sampling;
  }

  private async sample(): Promise<QueueSample> {
    if (this.redis.status !== 'ready') throw new Error(`Redis is not connected (${this.redis.status})`);
    const started = performance.now();
    const at = Date.now();
    const [queues, workers, publishDeadLetters] = await Promise.all([
      Promise.all(this.targets.map((target) => this.sampleQueue(target, at))),
      readWorkers(this.redis, this.options.prefix, this.options.workerLivenessMs, at),
      this.samplePublishDeadLetters(at),
    ]);
    const owned = new Set(workers.flatMap((worker) => worker.shards));
    const unownedShards = queues
      .filter((queue) => queue.kind === 'ingest' && !owned.has(queue.shard as number))
      .map((queue) => queue.shard as number);
    metrics.queueSampleSeconds.observe((performance.now() - started) / 1000);
    return { at, queues, workers, unownedShards, publishDeadLetters };
  }

  /** The PostgreSQL count runs at most every DEAD_LETTER_COUNT_MS; between counts the last one stands. */
  private async samplePublishDeadLetters(now: number): Promise<QueueSample['publishDeadLetters']> {
    if (!this.countPublishDeadLetters) return null;
    const last = this.publishDeadLetters;
    if (last && now - last.at < DEAD_LETTER_COUNT_MS) return last.value;
    try {
      const value = await this.countPublishDeadLetters();
      this.publishDeadLetters = { at: now, value };
      return value;
    } catch (error) {
      this.log.warn({ err: error }, 'could not count publish dead letters');
      return last?.value ?? null;
    }
  }

  private async sampleQueue(target: (typeof this.targets)[number], now: number): Promise<QueueView> {
    const { queue, kind, shard } = target;
    const [counts, byPriority, completionMetrics] = await Promise.all([
      queue.getJobCounts('wait', 'prioritized', 'active', 'delayed', 'failed', 'completed'),
      kind === 'ingest' ? queue.getCountsPerPriority(PRIORITIES) : null,
      queue.getMetrics('completed', 0, 0),
    ]);
    const waiting = (counts.wait ?? 0) + (counts.prioritized ?? 0);
    const hasMetrics = completionMetrics.meta.prevTS > 0;
    return {
      name: queue.name,
      kind,
      shard,
      waiting,
      active: counts.active ?? 0,
      delayed: counts.delayed ?? 0,
      failed: counts.failed ?? 0,
      completed: counts.completed ?? 0,
      waitingByPriority: byPriority
        ? Object.fromEntries(
            PRIORITIES.map((priority) => [SEVERITY_OF_PRIORITY.get(priority), byPriority[String(priority)] ?? 0]),
          )
        : null,
      oldestWaitingSeconds: waiting === 0 ? 0 : await this.oldestWaitingSeconds(queue, kind, now),
      throughput: hasMetrics ? this.throughput(queue.name, completionMetrics.meta.count, now) : null,
    };
  }

  /**
   * The oldest waiting job is the tail of the FIFO wait list or the head of one priority's score
   * range (FIFO within a priority); the oldest of their creation timestamps wins.
   */
  private async oldestWaitingSeconds(queue: Queue, kind: QueueKind, now: number): Promise<number> {
    const pipeline = this.redis.pipeline().lindex(queue.keys.wait as string, -1);
    if (kind === 'ingest') {
      for (const priority of PRIORITIES)
        pipeline.zrangebyscore(
          queue.keys.prioritized as string,
          priority * PRIORITY_SPAN,
          (priority + 1) * PRIORITY_SPAN - 1,
          'LIMIT',
          0,
          1,
        );
    }
    const heads = ((await pipeline.exec()) ?? []).flatMap(([, value]) =>
      Array.isArray(value) ? value : value ? [value] : [],
    ) as string[];
    if (heads.length === 0) return 0;
    const stamps = await this.redis.pipeline(heads.map((id) => ['hget', queue.toKey(id), 'timestamp'])).exec();
    const oldest = Math.min(...(stamps ?? []).map(([, stamp]) => Number(stamp ?? now) || now));
    return Math.max(0, (now - oldest) / 1000);
  }

  /** Rates from BullMQ's per-queue completion counter over the kept history. */
  private throughput(name: string, count: number, now: number): Throughput {
    const history = this.completions.get(name) ?? [];
    history.push({ at: now, count });
    while (history.length > 2 && (history[1] as { at: number }).at <= now - FIVE_MINUTES_MS) history.shift();
    this.completions.set(name, history);
    const rate = (windowMs: number) => {
      const from = history.find((point) => point.at >= now - windowMs) ?? history[0];
      if (!from || now - from.at < 1) return 0;
      return Math.max(0, ((count - from.count) * 1000) / (now - from.at));
    };
    const oldest = history[0] as { at: number };
    return {
      perSecond1m: rate(60_000),
      perSecond5m: rate(FIVE_MINUTES_MS),
      windowSeconds: Math.round((now - oldest.at) / 1000),
    };
  }

  /** Gauges for /metrics: set from the sample, so scrapes never touch Redis. */
  private export(sample: QueueSample): void {
    for (const queue of sample.queues) {
      for (const state of ['waiting', 'active', 'delayed', 'failed', 'completed'] as const)
        metrics.queueJobs.set({ queue: queue.name, state }, queue[state]);
      metrics.queueOldestWaitingSeconds.set({ queue: queue.name }, queue.oldestWaitingSeconds);
      for (const [priority, depth] of Object.entries(queue.waitingByPriority ?? {}))
        metrics.ingestQueueDepth.set({ shard: String(queue.shard), priority }, depth);
      if (queue.throughput) {
        metrics.queueThroughput.set({ queue: queue.name, window: '1m' }, queue.throughput.perSecond1m);
        metrics.queueThroughput.set({ queue: queue.name, window: '5m' }, queue.throughput.perSecond5m);
      }
    }
    metrics.liveWorkers.set(sample.workers.length);
    metrics.unownedShards.set(sample.unownedShards.length);
    if (sample.publishDeadLetters) metrics.publishDeadLetters.set(sample.publishDeadLetters.size);
    if (this.options.thresholds)
      metrics.queueHealthStatus.set(statusRank(assessQueueHealth(sample, this.options.thresholds, sample.at).status));
  }
}
