import { type Job, MetricsTime, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { DedupState } from '../alert/dedup.js';
import { Batcher, type FlushTrigger, ItemFailure } from '../batcher.js';
import { classifyFailure } from '../failure.js';
import * as metrics from '../metrics.js';
import type { BatchOutcome, BatchWriter, CommittedAlert } from '../store/batch-writer.js';
import type { Sql } from '../store/db.js';
import { COMMITTED_JOBS_KEY } from './backpressure.js';
import type { IngestDeadLetters } from './dead-letters.js';
import { type IngestPart, ingestQueueName, type ShardJob } from './ingest-queues.js';

export interface ShardConsumerOptions {
  prefix: string;
  batch: { size: number; maxSize: number; maxWaitMs: number };
  /** BullMQ job lock; a crashed worker's active jobs are handed over once it expires. */
  lockMs: number;
  /**
   * Jobs held at once. Bounded so a job never waits for its batch longer than its lock: holding
   * thousands of jobs per shard starves lock renewal and lets other workers steal them.
   */
  jobsInFlight: number;
  dedup: { bloomCapacity: number; bloomErrorRate: number; cacheSize: number };
  /** Bounds how many shards write at the same time across this process. */
  limitWrites: <T>(write: () => Promise<T>) => Promise<T>;
}

export interface ShardConsumerDeps {
  sql: Sql;
  writer: BatchWriter;
  deadLetters: IngestDeadLetters;
  /** Blocking connection factory for BullMQ workers. */
  connection: () => Redis;
  /** Shared connection for counters. */
  redis: Redis;
  log: Logger;
  /** Called after each commit with the stored (new or changed) alerts; awaited before the jobs are acked. */
  onCommitted: (alerts: CommittedAlert[]) => void | Promise<void>;
}

/** Retry delay for an ingest job that failed transiently: exponential with jitter, capped at 30 s. */
export function ingestBackoff(attemptsMade: number): number {
  const base = Math.min(30_000, 100 * 2 ** Math.min(attemptsMade, 10));
  return Math.round(base / 2 + Math.random() * (base / 2));
}

/**
 * Consumes one shard's queue: jobs are collected into batches and committed one batch at a time,
 * so dedup for the shard is exact and per-fingerprint order is kept. A job completes only after
 * its batch committed (at-least-once; the writer is idempotent).
 */
export class ShardConsumer {
  private readonly dedup: DedupState;
  private readonly batcher: Batcher<Job<ShardJob>, unknown>;
  private worker: Worker<ShardJob> | undefined;
  private connection: Redis | undefined;

  constructor(
    readonly shard: number,
    private readonly options: ShardConsumerOptions,
    private readonly deps: ShardConsumerDeps,
  ) {
    this.dedup = new DedupState(options.dedup);
    this.batcher = new Batcher(options.batch, (jobs, trigger) => options.limitWrites(() => this.flush(jobs, trigger)));
  }

  /** Rebuilds dedup state from last_alert, then starts taking jobs. */
  async start(): Promise<void> {
    await this.rebuildDedup();
    this.connection = this.deps.connection();
    this.worker = new Worker<ShardJob>(
      ingestQueueName(this.shard),
      (job) => this.batcher.add(job, alertCount(job.data.parts)),
      {
        connection: this.connection,
        prefix: this.options.prefix,
        concurrency: this.options.jobsInFlight,
        settings: { backoffStrategy: ingestBackoff },
        lockDuration: this.options.lockMs,
        stalledInterval: this.options.lockMs,
        maxStalledCount: Number.MAX_SAFE_INTEGER,
        removeOnComplete: { age: 300, count: 10_000 },
        removeOnFail: { age: 7 * 86_400 },
        // BullMQ's completion counter per queue: the queue-health sampler derives throughput from it.
        metrics: { maxDataPoints: MetricsTime.ONE_HOUR },
      },
    );
    this.worker.on('error', (error) => this.deps.log.warn({ err: error, shard: this.shard }, 'shard worker error'));
  }

  /** Stops taking jobs, commits what was taken, and closes. Safe to call twice. */
  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (!worker) return;
    const closing = worker.close();
    await this.batcher.drain();
    await closing;
    await this.connection?.quit().catch(() => {});
  }

  async pause(): Promise<void> {
    await this.worker?.pause(true);
  }

  resume(): void {
    this.worker?.resume();
  }

  /** Reloads the bloom filter and cache from last_alert (on acquire and after the TTL sweep). */
  async rebuildDedup(): Promise<void> {
    const entries: { tenant: string; fingerprint: string; contentHash: string }[] = [];
    await this.deps.sql`select tenant, fingerprint, content_hash from last_alert where shard = ${this.shard}`.cursor(
      10_000,
      (rows) => {
        for (const row of rows)
          entries.push({ tenant: row.tenant, fingerprint: row.fingerprint, contentHash: row.content_hash });
      },
    );
    this.dedup.rebuild(entries);
    this.reportDedupStats();
  }

  /** Commits a batch of jobs in one transaction; a permanent failure is isolated to the part that caused it. */
  private async flush(jobs: Job<ShardJob>[], trigger: FlushTrigger): Promise<(null | ItemFailure)[]> {
    let results: (null | ItemFailure)[];
    try {
      await this.commit(
        jobs.flatMap((job) => job.data.parts),
        trigger,
      );
      results = jobs.map(() => null);
    } catch (error) {
      if (classifyFailure(error) === 'transient') {
        this.deps.log.warn({ err: error, shard: this.shard, jobs: jobs.length }, 'batch failed; jobs will be retried');
        throw error;
      }
      results = await this.isolate(jobs, trigger);
    }
    const now = Date.now();
    const completed = jobs.filter((_, i) => results[i] === null);
    for (const job of completed) metrics.queueLagSeconds.observe((now - job.timestamp) / 1000);
    this.deps.redis.incrby(`${this.options.prefix}:${COMMITTED_JOBS_KEY}`, completed.length).catch(() => {});
    return results;
  }

  /** Writes parts in one transaction, then hands the stored alerts to the commit listeners. */
  private async commit(parts: IngestPart[], trigger: FlushTrigger): Promise<void> {
    const started = performance.now();
    let outcome: BatchOutcome;
    try {
      outcome = await this.deps.writer.write(this.shard, parts, this.dedup);
    } catch (error) {
      metrics.batchFailures.inc({ class: classifyFailure(error) });
      throw error;
    }
    metrics.batchSize.observe({ trigger }, alertCount(parts));
    metrics.commitSeconds.observe((performance.now() - started) / 1000);
    for (const { alert, change } of outcome.committed)
      metrics.dedupDecisions.inc({ provider: alert.providerType, outcome: change });
    for (const [provider, count] of outcome.duplicates)
      metrics.dedupDecisions.inc({ provider, outcome: 'duplicate' }, count);
    this.reportDedupStats();
    await this.deps.onCommitted(outcome.committed);
  }

  /**
   * A permanent failure is one part's fault: commit the parts one by one, in order (the shard's
   * dedup state must see them in sequence), dead-letter the culprit, and retry on its own a job
   * whose part meets a transient error (parts committed before it are idempotent on redelivery).
   */
  private async isolate(jobs: Job<ShardJob>[], trigger: FlushTrigger): Promise<(null | ItemFailure)[]> {
    const results: (null | ItemFailure)[] = [];
    for (const job of jobs) {
      try {
        for (const part of job.data.parts) await this.commitOrDeadLetter(part, trigger);
        results.push(null);
      } catch (error) {
        results.push(new ItemFailure(error));
      }
    }
    return results;
  }

  private async commitOrDeadLetter(part: IngestPart, trigger: FlushTrigger): Promise<void> {
    try {
      await this.commit([part], trigger);
    } catch (error) {
      if (classifyFailure(error) === 'transient') throw error;
      this.deps.log.error(
        { err: error, shard: this.shard, requestId: part.requestId },
        'request part moved to the dead-letter queue',
      );
      await this.deps.deadLetters.add({
        shard: this.shard,
        job: part,
        error: String((error as Error).message ?? error),
        failedAt: new Date().toISOString(),
      });
      metrics.deadLettered.inc();
    }
  }

  private reportDedupStats(): void {
    const stats = this.dedup.stats();
    metrics.bloomFillRatio.set({ shard: String(this.shard) }, stats.bloomFillRatio);
    metrics.bloomFalsePositiveRate.set({ shard: String(this.shard) }, stats.bloomFalsePositiveRate);
  }
}

function alertCount(parts: readonly IngestPart[]): number {
  return parts.reduce((sum, part) => sum + part.alerts.length, 0);
}
