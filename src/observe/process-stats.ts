import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { RedisClient } from '../redis.js';

/**
 * The metric families every process shares through Redis, so one gateway can show and alert on
 * cluster-wide figures (a worker's dedup counters, a gateway's 429s) without scraping Prometheus.
 */
export const SHARED_FAMILIES = [
  'alertgate_ingest_alerts_accepted_total',
  'alertgate_ingest_bytes_accepted_total',
  'alertgate_ingest_requests_rejected_total',
  'alertgate_dedup_alerts_total',
  'alertgate_enqueue_to_commit_seconds',
  'alertgate_batch_alerts',
  'alertgate_batch_failures_total',
  'alertgate_dead_lettered_jobs_total',
  'alertgate_http_requests_total',
  'alertgate_notifications_succeeded_total',
  'alertgate_notifications_failed_total',
  'alertgate_publish_skipped_total',
  'alertgate_publish_circuit_state',
  'alertgate_archive_rows_total',
  'alertgate_archive_failures_total',
] as const;

/** One series of one process: family, full metric name (`…_bucket` for histograms), labels, value. */
export interface SharedSeries {
  family: string;
  name: string;
  /** Counters only ever grow within a process; gauges are levels. */
  kind: 'counter' | 'gauge';
  labels: Record<string, string>;
  value: number;
}

/** What one process writes every interval. */
export interface ProcessStats {
  id: string;
  role: string;
  host: string;
  pid: number;
  /** Epoch ms the process started sharing (counters count from about then). */
  startedAt: number;
  at: number;
  series: SharedSeries[];
}

export function processRegistryKey(prefix: string): string {
  return `${prefix}:stats:processes`;
}

export function processStatsKey(prefix: string, id: string): string {
  return `${prefix}:stats:process:${id}`;
}

/** A process's shared entry expires after this many intervals without a write. */
export const STATS_TTL_INTERVALS = 5;

/** The shared families' current values in `registry`. */
export async function collectShared(registry: Registry): Promise<SharedSeries[]> {
  const series: SharedSeries[] = [];
  for (const family of SHARED_FAMILIES) {
    const metric = registry.getSingleMetric(family);
    if (!metric) continue;
    const data = await metric.get();
    // prom-client declares `type` as a numeric enum but sets the string name at run time.
    const kind = String(data.type) === 'gauge' ? 'gauge' : 'counter';
    for (const value of data.values) {
      const labels: Record<string, string> = {};
      for (const [key, label] of Object.entries(value.labels)) if (label !== undefined) labels[key] = String(label);
      const name = (value as { metricName?: string }).metricName ?? family;
      series.push({ family, name, kind, labels, value: value.value });
    }
  }
  return series;
}

export interface ProcessStatsOptions {
  prefix: string;
  /** How often the series are written, in ms (STATS_SHARE_INTERVAL_MS). */
  intervalMs: number;
  /** The process's role, shown on the admin page. */
  role: string;
}

/**
 * Writes this process's shared series to Redis every `intervalMs` (one SET with a TTL and one ZADD
 * in the process registry), so the entry of a dead process disappears by itself.
 */
export class ProcessStatsPublisher {
  readonly id = randomUUID();
  private readonly startedAt = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private lastError: unknown;

  constructor(
    private readonly redis: RedisClient,
    private readonly registry: Registry,
    private readonly options: ProcessStatsOptions,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    await this.publishNow();
    this.timer = setInterval(() => void this.publishNow(), this.options.intervalMs);
    this.timer.unref();
  }

  /** Stops sharing and removes this process's entry. Safe to call twice. */
  async stop(): Promise<void> {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.writing;
    await this.redis
      .multi()
      .del(processStatsKey(this.options.prefix, this.id))
      .zrem(processRegistryKey(this.options.prefix), this.id)
      .exec()
      .catch(() => {});
  }

  health(): { ok: boolean; error: unknown } {
    return { ok: this.lastError === undefined, error: this.lastError };
  }

  /** One write unless one is in flight; never throws (a missed write only ages the entry). */
  publishNow(): Promise<void> {
    if (this.redis.status !== 'ready') return Promise.resolve();
    this.writing ??= this.write()
      .then(() => {
        this.lastError = undefined;
      })
      .catch((error: unknown) => {
        if (this.lastError === undefined) this.log.warn({ err: error }, 'could not share process stats');
        this.lastError = error;
      })
      .finally(() => {
        this.writing = undefined;
      });
    return this.writing;
  }

  private async write(): Promise<void> {
    const at = Date.now();
    const stats: ProcessStats = {
      id: this.id,
      role: this.options.role,
      host: hostname(),
      pid: process.pid,
      startedAt: this.startedAt,
      at,
      series: await collectShared(this.registry),
    };
    const ttl = STATS_TTL_INTERVALS * this.options.intervalMs;
    const registryKey = processRegistryKey(this.options.prefix);
    await this.redis
      .multi()
      .set(processStatsKey(this.options.prefix, this.id), JSON.stringify(stats), 'PX', ttl)
      .zadd(registryKey, at, this.id)
      .zremrangebyscore(registryKey, '-inf', at - 10 * ttl)
      .exec();
  }
}
