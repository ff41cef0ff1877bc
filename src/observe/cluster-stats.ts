import type { RedisClient } from '../redis.js';
import {
  type ProcessStats,
  processRegistryKey,
  processStatsKey,
  type SharedSeries,
  STATS_TTL_INTERVALS,
} from './process-stats.js';

/** A series' identity: metric name plus sorted labels. */
function seriesKey(name: string, labels: Record<string, string>): string {
  const sorted = Object.keys(labels)
    .sort()
    .map((key) => `${key}=${labels[key]}`);
  return `${name}{${sorted.join(',')}}`;
}

interface Series {
  name: string;
  labels: Record<string, string>;
}

interface Point {
  at: number;
  /** Cluster-wide counter totals since this reader started, corrected for process restarts. */
  totals: Map<string, number>;
}

export type LabelFilter = Record<string, string | ((value: string) => boolean)>;

export interface ClusterStatsOptions {
  prefix: string;
  /** The processes' sharing interval (STATS_SHARE_INTERVAL_MS), in ms. */
  shareIntervalMs: number;
  /** History kept for rates, in ms (the longest window asked for). */
  retentionMs: number;
}

/**
 * The cluster-wide view of the shared counters: each `sample()` reads every live process's entry,
 * adds each counter's growth since the previous sample (a process that restarted or appeared
 * counts from zero, one that vanished stops counting, as Prometheus' `increase` does) to running
 * totals, and keeps a history of totals so rates over any window up to `retentionMs` are cheap.
 */
export class ClusterStats {
  private readonly series = new Map<string, Series>();
  private readonly lastSeen = new Map<string, { startedAt: number; values: Map<string, number> }>();
  private readonly totals = new Map<string, number>();
  private readonly gauges = new Map<string, number>();
  private readonly history: Point[] = [];
  private firstSampleAt: number | undefined;
  processes: Pick<ProcessStats, 'id' | 'role' | 'host' | 'pid' | 'at'>[] = [];

  constructor(
    private readonly redis: RedisClient,
    private readonly options: ClusterStatsOptions,
  ) {}

  /** Reads every live process's shared series and appends one point to the history. */
  async sample(now = Date.now()): Promise<void> {
    const livenessMs = STATS_TTL_INTERVALS * this.options.shareIntervalMs;
    const ids = await this.redis.zrangebyscore(processRegistryKey(this.options.prefix), now - livenessMs, '+inf');
    const texts =
      ids.length > 0 ? await this.redis.mget(...ids.map((id) => processStatsKey(this.options.prefix, id))) : [];
    const stats = texts.flatMap((text) => (text ? [JSON.parse(text) as ProcessStats] : []));
    this.firstSampleAt ??= now;
    this.gauges.clear();
    for (const process of stats) this.absorb(process);
    for (const id of [...this.lastSeen.keys()])
      if (!stats.some((process) => process.id === id)) this.lastSeen.delete(id);
    this.processes = stats.map(({ id, role, host, pid, at }) => ({ id, role, host, pid, at }));
    this.history.push({ at: now, totals: new Map(this.totals) });
    while (this.history.length > 2 && (this.history[1] as Point).at <= now - this.options.retentionMs)
      this.history.shift();
  }

  private absorb(process: ProcessStats): void {
    const previous = this.lastSeen.get(process.id);
    const restarted = previous !== undefined && previous.startedAt !== process.startedAt;
    // A process first seen after this reader started counts from zero; one already running when the
    // reader started is a baseline (its past is not this reader's window).
    const countFromZero = previous === undefined && process.startedAt >= (this.firstSampleAt ?? 0);
    const values = new Map<string, number>();
    for (const item of process.series) {
      const key = this.remember(item);
      values.set(key, item.value);
      if (item.kind === 'gauge') {
        this.gauges.set(key, Math.max(this.gauges.get(key) ?? Number.NEGATIVE_INFINITY, item.value));
        continue;
      }
      let before: number;
      if (previous && !restarted) before = previous.values.get(key) ?? 0;
      else before = restarted || countFromZero ? 0 : item.value;
      // A counter below its last value was reset (the process restarted under the same id).
      const growth = item.value >= before ? item.value - before : item.value;
      if (growth > 0) this.totals.set(key, (this.totals.get(key) ?? 0) + growth);
      else if (!this.totals.has(key)) this.totals.set(key, 0);
    }
    this.lastSeen.set(process.id, { startedAt: process.startedAt, values });
  }

  private remember(item: SharedSeries): string {
    const key = seriesKey(item.name, item.labels);
    if (!this.series.has(key)) this.series.set(key, { name: item.name, labels: item.labels });
    return key;
  }

  /** Forgets the history (rates restart from the next two samples), e.g. after sampling paused. */
  reset(): void {
    this.history.length = 0;
  }

  /** Seconds of history available (0 until two samples exist). */
  get historySeconds(): number {
    const first = this.history[0];
    const last = this.history.at(-1);
    return first && last ? (last.at - first.at) / 1000 : 0;
  }

  /**
   * Growth of a counter over the last `windowMs` (or the history available), summed over matching
   * series and grouped by the `by` label ('' groups everything under '').
   */
  increase(name: string, windowMs: number, by = '', filter: LabelFilter = {}): Map<string, number> {
    const now = this.history.at(-1);
    const from = this.pointBefore(windowMs);
    const result = new Map<string, number>();
    if (!now || !from) return result;
    for (const [key, series] of this.matching(name, filter)) {
      const group = by ? (series.labels[by] ?? '') : '';
      const growth = (now.totals.get(key) ?? 0) - (from.totals.get(key) ?? 0);
      result.set(group, (result.get(group) ?? 0) + growth);
    }
    return result;
  }

  /** `increase` per second of the window actually covered (0 without history). */
  rate(name: string, windowMs: number, by = '', filter: LabelFilter = {}): Map<string, number> {
    const now = this.history.at(-1);
    const from = this.pointBefore(windowMs);
    const seconds = now && from ? (now.at - from.at) / 1000 : 0;
    const increase = this.increase(name, windowMs, by, filter);
    return new Map([...increase].map(([group, value]) => [group, seconds > 0 ? value / seconds : 0]));
  }

  /** A gauge's newest value per `by` label, the highest across processes. */
  gauge(name: string, by: string, filter: LabelFilter = {}): Map<string, number> {
    const result = new Map<string, number>();
    for (const [key, series] of this.matching(name, filter)) {
      const value = this.gauges.get(key);
      if (value === undefined) continue;
      const group = series.labels[by] ?? '';
      result.set(group, Math.max(result.get(group) ?? Number.NEGATIVE_INFINITY, value));
    }
    return result;
  }

  /** A histogram quantile over the window, interpolated inside the bucket as Prometheus does; null without data. */
  quantile(family: string, q: number, windowMs: number): number | null {
    const buckets = [...this.increase(`${family}_bucket`, windowMs, 'le')]
      .map(([le, count]) => ({ le: le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le), count }))
      .sort((a, b) => a.le - b.le);
    const total = buckets.at(-1)?.count ?? 0;
    if (total <= 0) return null;
    const rank = q * total;
    let previous = { le: 0, count: 0 };
    for (const bucket of buckets) {
      if (bucket.count >= rank) {
        if (!Number.isFinite(bucket.le)) return previous.le;
        const inBucket = bucket.count - previous.count;
        return inBucket <= 0
          ? bucket.le
          : previous.le + ((bucket.le - previous.le) * (rank - previous.count)) / inBucket;
      }
      previous = bucket;
    }
    return previous.le;
  }

  /**
   * The oldest point inside the window, or the newest before it; none when that is far older than
   * the window (sampling paused, e.g. no admin page open), so a stale gap never averages into a rate.
   */
  private pointBefore(windowMs: number): Point | undefined {
    const now = this.history.at(-1);
    if (!now || this.history.length < 2) return undefined;
    const point = this.history.find((candidate) => candidate.at >= now.at - windowMs && candidate !== now);
    if (point) return point;
    const previous = this.history.at(-2) as Point;
    return previous.at >= now.at - 2 * windowMs ? previous : undefined;
  }

  private *matching(name: string, filter: LabelFilter): Generator<[string, Series]> {
    for (const [key, series] of this.series) {
      if (series.name !== name) continue;
      const ok = Object.entries(filter).every(([label, wanted]) => {
        const value = series.labels[label] ?? '';
        return typeof wanted === 'function' ? wanted(value) : value === wanted;
      });
      if (ok) yield [key, series];
    }
  }
}
