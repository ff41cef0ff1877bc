import type { AdminSnapshot, ArchiveView, ProviderRow, Section, ShardRow, TargetRow } from './admin-snapshot-types.js';
import type { AdminSources, TargetStatus } from './admin-sources.js';
import type { ClusterStats } from './cluster-stats.js';
import { assessQueueHealth, type HealthThresholds } from './queue-health.js';
import type { QueueSample, QueueView } from './queue-sample.js';

/** Rates on the tiles and charts use a short window; tables a minute. */
const LIVE_MS = 10_000;
const TABLE_MS = 60_000;
const CIRCUIT: Record<number, TargetRow['circuit']> = { 0: 'closed', 1: 'half_open', 2: 'open' };

/** Runs a source at most once per `ttlMs` (arguments of calls in between are ignored), remembering its answer or error. */
function cached<A extends unknown[], T>(
  source: ((...args: A) => Promise<T>) | undefined,
  ttlMs: number,
  missing: string,
): (...args: A) => Promise<Section<T>> {
  let last: { at: number; section: Section<T> } | undefined;
  return async (...args) => {
    if (!source) return { ok: false, error: missing };
    if (last && Date.now() - last.at < ttlMs) return last.section;
    let section: Section<T>;
    try {
      section = { ok: true, value: await source(...args) };
    } catch (error) {
      section = { ok: false, error: (error as Error).message ?? String(error) };
    }
    last = { at: Date.now(), section };
    return section;
  };
}

const sum = (values: Iterable<number>) => [...values].reduce((total, value) => total + value, 0);

/**
 * Builds the admin page's snapshot from the shared counters (one sample per call), the newest
 * queue sample and the optional sources (targets, dead letters, archive), each cached briefly so
 * a second-by-second page does not query PostgreSQL every second.
 */
export class AdminSnapshots {
  private readonly targets: () => Promise<Section<TargetStatus[]>>;
  private readonly archive: () => Promise<Section<ArchiveView>>;
  private readonly deadLetterCounts: (targets: readonly string[]) => Promise<Section<Map<string, number>>>;

  constructor(
    private readonly stats: ClusterStats,
    private readonly latestSample: () => QueueSample | undefined,
    private readonly thresholds: HealthThresholds,
    sources: AdminSources,
  ) {
    this.targets = cached(sources.targets, 2000, 'publishing is not configured in this gateway');
    this.archive = cached(sources.archive, 10_000, 'archive status is not available in this gateway');
    this.deadLetterCounts = cached(
      sources.publishDeadLetters,
      5000,
      'publish dead letters are not available in this gateway',
    );
  }

  async build(now = Date.now()): Promise<AdminSnapshot> {
    await this.stats.sample(now);
    const sample = this.latestSample();
    const [targets, archive] = await Promise.all([this.targets(), this.archive()]);
    const deadLetters = await this.deadLetterCounts(targets.ok ? targets.value.map((target) => target.name) : []);
    const rejected = this.stats.rate('alertgate_ingest_requests_rejected_total', LIVE_MS, 'reason');
    return {
      at: now,
      windows: { liveSeconds: LIVE_MS / 1000, tableSeconds: TABLE_MS / 1000 },
      health: assessQueueHealth(sample, this.thresholds, now),
      ingest: {
        alertsPerSecond: sum(this.stats.rate('alertgate_ingest_alerts_accepted_total', LIVE_MS).values()),
        bytesPerSecond: sum(this.stats.rate('alertgate_ingest_bytes_accepted_total', LIVE_MS).values()),
        requestsPerSecond: sum(
          this.stats
            .rate('alertgate_http_requests_total', LIVE_MS, '', { route: (route) => route.startsWith('/alerts/') })
            .values(),
        ),
        rejectedPerSecond: sum(rejected.values()),
        rejectedByReason: Object.fromEntries(rejected),
      },
      queues: sample ? this.queues(sample) : null,
      workers: sample?.workers ?? [],
      providers: this.providers(),
      targets: targets.ok
        ? { ok: true, value: this.targetRows(targets.value, deadLetters.ok ? deadLetters.value : new Map()) }
        : targets,
      deadLetters: {
        ingest: this.ingestDeadLetters(sample),
        publish: sample?.publishDeadLetters
          ? { ok: true, value: sample.publishDeadLetters.size }
          : deadLetters.ok
            ? { ok: true, value: sum(deadLetters.value.values()) }
            : deadLetters,
      },
      archive,
      processes: this.stats.processes.map(({ role, host, pid }) => ({ role, host, pid })),
    };
  }

  private queues(sample: QueueSample): NonNullable<AdminSnapshot['queues']> {
    const ingest = sample.queues.filter((queue) => queue.kind === 'ingest');
    const owners = new Map<number, string>();
    for (const worker of sample.workers)
      for (const shard of worker.shards) owners.set(shard, `${worker.host ?? '?'}:${worker.pid ?? '?'}`);
    const shards: ShardRow[] = ingest.map((queue) => ({
      shard: queue.shard as number,
      waiting: queue.waiting,
      active: queue.active,
      oldestWaitingSeconds: queue.oldestWaitingSeconds,
      byPriority: queue.waitingByPriority ?? {},
      completedPerSecond: queue.throughput?.perSecond1m ?? null,
      owner: owners.get(queue.shard as number) ?? null,
    }));
    const withThroughput = ingest.filter((queue) => queue.throughput);
    const publish = sample.queues.find((queue) => queue.kind === 'publish') as QueueView | undefined;
    return {
      depth: sum(ingest.map((queue) => queue.waiting)),
      oldestWaitingSeconds: Math.max(0, ...ingest.map((queue) => queue.oldestWaitingSeconds)),
      committedJobsPerSecond:
        withThroughput.length > 0 ? sum(withThroughput.map((queue) => queue.throughput?.perSecond1m ?? 0)) : null,
      lagP50Seconds: this.stats.quantile('alertgate_enqueue_to_commit_seconds', 0.5, TABLE_MS),
      lagP99Seconds: this.stats.quantile('alertgate_enqueue_to_commit_seconds', 0.99, TABLE_MS),
      shards,
      publish: {
        waiting: publish?.waiting ?? 0,
        active: publish?.active ?? 0,
        delayed: publish?.delayed ?? 0,
        failed: publish?.failed ?? 0,
        completedPerSecond: publish?.throughput?.perSecond1m ?? null,
      },
    };
  }

  private providers(): ProviderRow[] {
    const alerts = this.stats.rate('alertgate_ingest_alerts_accepted_total', TABLE_MS, 'provider');
    const bytes = this.stats.rate('alertgate_ingest_bytes_accepted_total', TABLE_MS, 'provider');
    const rejected = this.stats.rate('alertgate_ingest_requests_rejected_total', TABLE_MS, 'provider');
    const all = this.stats.increase('alertgate_dedup_alerts_total', TABLE_MS, 'provider');
    const duplicates = this.stats.increase('alertgate_dedup_alerts_total', TABLE_MS, 'provider', {
      outcome: 'duplicate',
    });
    const names = new Set([...alerts.keys(), ...rejected.keys(), ...all.keys()]);
    return [...names]
      .filter((name) => name !== '')
      .sort()
      .map((provider) => {
        const total = all.get(provider) ?? 0;
        const duplicate = duplicates.get(provider) ?? 0;
        return {
          provider,
          alertsPerSecond: alerts.get(provider) ?? 0,
          bytesPerSecond: bytes.get(provider) ?? 0,
          rejectedPerSecond: rejected.get(provider) ?? 0,
          stored: total - duplicate,
          duplicates: duplicate,
          duplicateRatio: total > 0 ? duplicate / total : null,
        };
      });
  }

  private targetRows(targets: TargetStatus[], deadLetters: Map<string, number>): TargetRow[] {
    const circuits = this.stats.gauge('alertgate_publish_circuit_state', 'target');
    const delivered = this.stats.rate('alertgate_notifications_succeeded_total', TABLE_MS, 'target');
    const failed = this.stats.rate('alertgate_notifications_failed_total', TABLE_MS, 'target');
    return targets.map((target) => {
      const circuit = circuits.get(target.name);
      return {
        ...target,
        circuit: circuit === undefined ? null : (CIRCUIT[circuit] ?? 'open'),
        deliveredPerSecond: delivered.get(target.name) ?? 0,
        failedPerSecond: failed.get(target.name) ?? 0,
        deadLetters: deadLetters.get(target.name) ?? 0,
      };
    });
  }

  private ingestDeadLetters(sample: QueueSample | undefined): AdminSnapshot['deadLetters']['ingest'] {
    const queue = sample?.queues.find((candidate) => candidate.kind === 'dead-letter');
    return queue ? { size: queue.waiting, oldestSeconds: queue.oldestWaitingSeconds } : null;
  }
}
