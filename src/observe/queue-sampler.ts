import { Queue } from 'bullmq';
import type { Logger } from 'pino';
import * as metrics from '../metrics.js';
import { COMMITTED_BY_SHARD_KEY } from '../pipeline/batch-loop.js';
import { ingestViewName } from '../pipeline/ingest-streams.js';
import { type ShardDepth, sampleLogDepth } from '../pipeline/log-depth.js';
import type { RedisClient } from '../redis.js';
import { assessQueueHealth, type HealthThresholds, statusRank } from './queue-health.js';
import type { QueueKind, QueueSample, QueueView, Throughput } from './queue-sample.js';
import { readWorkers } from './worker-registry.js';

/** The publish dead letters live in PostgreSQL; this reads their size. */
export type DeadLetterCounter = () => Promise<{ size: number; oldestSeconds: number }>;

/** What the sampler reads beside the ingest log, named by the modules that own it. */
export interface SampledSources {
  /** BullMQ queues to count (the publish queue, the ingest dead letters). */
  jobQueues: readonly { name: string; kind: Exclude<QueueKind, 'ingest'> }[];
  countPublishDeadLetters?: DeadLetterCounter;
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

/**
 * Samples every queue (ingest log shards, publish, ingest dead letters), the live workers and the
 * publish dead letters in the background, so backpressure, /metrics, the health probe, self-alerts
 * and the admin page read memory instead of Redis; one sampler per gateway serves them all. Keeps
 * five minutes of completion counts per queue for throughput.
 */
export class QueueSampler {
  private readonly targets: { queue: Queue; kind: QueueKind }[];
  private readonly listeners: ((sample: QueueSample) => void)[] = [];
  private readonly completions = new Map<string, { at: number; count: number }[]>();
  private timer: NodeJS.Timeout | undefined;
  private sampling: Promise<void> | undefined;
  private last: QueueSample | undefined;
  private publishDeadLetters: { at: number; value: NonNullable<QueueSample['publishDeadLetters']> } | undefined;
  private lastError: unknown;

  constructor(
    private readonly redis: RedisClient,
    private readonly shards: number,
    private readonly options: QueueSamplerOptions,
    private readonly log: Logger,
    private readonly sources: SampledSources,
  ) {
    const connection = { connection: redis, prefix: options.prefix };
    this.targets = sources.jobQueues.map(({ name, kind }) => ({ queue: new Queue(name, connection), kind }));
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
    await Promise.allSettled(this.targets.map((target) => target.queue.close()));
  }

  /** The newest sample, if any succeeded, and the error of the newest attempt if it failed. */
  health(): { sample: QueueSample | undefined; error: unknown } {
    return { sample: this.last, error: this.lastError };
  }

  latest(): QueueSample | undefined {
    return this.last;
  }

  /** Hands every new sample to `listener` as it is taken (backpressure decides on it). */
  onSample(listener: (sample: QueueSample) => void): void {
    this.listeners.push(listener);
  }

  /** Samples unless a sample is in flight (then waits for that one); never throws. */
  sampleNow(): Promise<void> {
    this.sampling ??= this.sample()
      .then((sample) => {
        this.last = sample;
        this.lastError = undefined;
        this.export(sample);
        for (const listener of this.listeners) listener(sample);
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
    const [ingest, others, workers, publishDeadLetters] = await Promise.all([
      this.sampleIngest(at),
      Promise.all(this.targets.map((target) => this.sampleQueue(target, at))),
      readWorkers(this.redis, this.options.prefix, this.options.workerLivenessMs, at),
      this.samplePublishDeadLetters(at),
    ]);
    const queues = [...ingest, ...others];
    const owned = new Set(workers.flatMap((worker) => worker.shards));
    const unownedShards = queues
      .filter((queue) => queue.kind === 'ingest' && !owned.has(queue.shard as number))
      .map((queue) => queue.shard as number);
    metrics.queueSampleSeconds.observe((performance.now() - started) / 1000);
    return { at, queues, workers, unownedShards, publishDeadLetters };
  }

  /** The PostgreSQL count runs at most every DEAD_LETTER_COUNT_MS; between counts the last one stands. */
  private async samplePublishDeadLetters(now: number): Promise<QueueSample['publishDeadLetters']> {
    const count = this.sources.countPublishDeadLetters;
    if (!count) return null;
    const last = this.publishDeadLetters;
    if (last && now - last.at < DEAD_LETTER_COUNT_MS) return last.value;
    try {
      const value = await count();
      this.publishDeadLetters = { at: now, value };
      return value;
    } catch (error) {
      this.log.warn({ err: error }, 'could not count publish dead letters');
      return last?.value ?? null;
    }
  }

  /** One view per ingest shard: its lanes' backlog and its committed entries for throughput. */
  private async sampleIngest(now: number): Promise<QueueView[]> {
    const [depths, committed] = await Promise.all([
      sampleLogDepth(this.redis, this.options.prefix, this.shards),
      this.redis.hgetall(`${this.options.prefix}:${COMMITTED_BY_SHARD_KEY}`),
    ]);
    return depths.map((depth: ShardDepth) => {
      const name = ingestViewName(depth.shard);
      const count = committed[String(depth.shard)];
      const waiting = depth.entries.urgent + depth.entries.normal;
      return {
        name,
        kind: 'ingest',
        shard: depth.shard,
        waiting,
        active: 0,
        delayed: 0,
        failed: 0,
        completed: Number(count ?? 0),
        waitingByPriority: { ...depth.entries },
        oldestWaitingSeconds: depth.oldestAt === null ? 0 : Math.max(0, (now - depth.oldestAt) / 1000),
        throughput: count === undefined ? null : this.throughput(name, Number(count), now),
      };
    });
  }

  private async sampleQueue(target: (typeof this.targets)[number], now: number): Promise<QueueView> {
    const { queue, kind } = target;
    const [counts, completionMetrics] = await Promise.all([
      queue.getJobCounts('wait', 'prioritized', 'active', 'delayed', 'failed', 'completed'),
      queue.getMetrics('completed', 0, 0),
    ]);
    const waiting = (counts.wait ?? 0) + (counts.prioritized ?? 0);
    const hasMetrics = completionMetrics.meta.prevTS > 0;
    return {
      name: queue.name,
      kind,
      shard: null,
      waiting,
      active: counts.active ?? 0,
      delayed: counts.delayed ?? 0,
      failed: counts.failed ?? 0,
      completed: counts.completed ?? 0,
      waitingByPriority: null,
      oldestWaitingSeconds: waiting === 0 ? 0 : await this.oldestWaitingSeconds(queue, now),
      throughput: hasMetrics ? this.throughput(queue.name, completionMetrics.meta.count, now) : null,
    };
  }

  /** The oldest waiting job is the tail of BullMQ's FIFO wait list. */
  private async oldestWaitingSeconds(queue: Queue, now: number): Promise<number> {
    const tail = await this.redis.lindex(queue.keys.wait as string, -1);
    if (tail === null) return 0;
    const stamp = Number((await this.redis.hget(queue.toKey(tail), 'timestamp')) ?? now) || now;
    return Math.max(0, (now - stamp) / 1000);
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
