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
import { type IngestJob, ingestQueueName } from './ingest-queues.js';

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
  private readonly batcher: Batcher<Job<IngestJob>, unknown>;
  private worker: Worker<IngestJob> | undefined;
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
    this.worker = new Worker<IngestJob>(
      ingestQueueName(this.shard),
      (job) => this.batcher.add(job, job.data.alerts.length),
      {
        connection: this.connection,
        prefix: this.options.prefix,
        // Enough jobs in flight to fill a grown batch while the previous one commits.
        concurrency: Math.max(16, this.options.batch.maxSize * 2),
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

  private async flush(jobs: Job<IngestJob>[], trigger: FlushTrigger): Promise<(null | ItemFailure)[]> {
    const started = performance.now();
    let outcome: BatchOutcome;
    try {
      outcome = await this.deps.writer.write(
        this.shard,
        jobs.map((job) => job.data),
        this.dedup,
      );
    } catch (error) {
      const failure = classifyFailure(error);
      metrics.batchFailures.inc({ class: failure });
      if (failure === 'transient') {
        this.deps.log.warn({ err: error, shard: this.shard, jobs: jobs.length }, 'batch failed; jobs will be retried');
        throw error;
      }
      if (jobs.length === 1) return [await this.deadLetter(jobs[0] as Job<IngestJob>, error)];
      return this.isolate(jobs, trigger);
    }
    this.record(jobs, outcome, trigger, started);
    this.deps.onCommitted(outcome.committed);
    return jobs.map(() => null);
  }

  /**
   * A permanent failure is one job's fault: commit the jobs one by one, in order (the shard's dedup
   * state must see them in sequence), dead-letter the culprit, and let a job that meets a transient
   * error be retried on its own.
   */
  private async isolate(jobs: Job<IngestJob>[], trigger: FlushTrigger): Promise<(null | ItemFailure)[]> {
    const results: (null | ItemFailure)[] = [];
    for (const job of jobs) {
      try {
        results.push(...(await this.flush([job], trigger)));
      } catch (error) {
        results.push(new ItemFailure(error));
      }
    }
    return results;
  }

  private async deadLetter(job: Job<IngestJob>, error: unknown): Promise<null> {
    this.deps.log.error(
      { err: error, shard: this.shard, requestId: job.data.requestId },
      'job moved to the dead-letter queue',
    );
    await this.deps.deadLetters.add({
      shard: this.shard,
      job: job.data,
      error: String((error as Error).message ?? error),
      failedAt: new Date().toISOString(),
    });
    metrics.deadLettered.inc();
    return null;
  }

  private record(jobs: Job<IngestJob>[], outcome: BatchOutcome, trigger: FlushTrigger, started: number): void {
    const now = Date.now();
    const alerts = jobs.reduce((sum, job) => sum + job.data.alerts.length, 0);
    metrics.batchSize.observe({ trigger }, alerts);
    metrics.commitSeconds.observe((performance.now() - started) / 1000);
    for (const job of jobs) metrics.queueLagSeconds.observe((now - job.timestamp) / 1000);
    for (const { alert, change } of outcome.committed)
      metrics.dedupDecisions.inc({ provider: alert.providerType, outcome: change });
    for (const [provider, count] of outcome.duplicates)
      metrics.dedupDecisions.inc({ provider, outcome: 'duplicate' }, count);
    this.deps.redis.incrby(`${this.options.prefix}:${COMMITTED_JOBS_KEY}`, jobs.length).catch(() => {});
    this.reportDedupStats();
  }

  private reportDedupStats(): void {
    const stats = this.dedup.stats();
    metrics.bloomFillRatio.set({ shard: String(this.shard) }, stats.bloomFillRatio);
    metrics.bloomFalsePositiveRate.set({ shard: String(this.shard) }, stats.bloomFalsePositiveRate);
  }
}
