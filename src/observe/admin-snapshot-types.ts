/**
 * The admin page's data, pushed once a second over /admin/events. Types only (no imports), shared
 * by the gateway and the browser bundle.
 */

/** A panel whose source may be missing or failing: the page shows the reason instead of numbers. */
export type Section<T> = { ok: true; value: T } | { ok: false; error: string };

export interface HealthView {
  status: 'healthy' | 'degraded' | 'unhealthy';
  reasons: { status: string; check: string; message: string }[];
}

export interface ShardRow {
  shard: number;
  waiting: number;
  active: number;
  oldestWaitingSeconds: number;
  /** Waiting jobs by severity. */
  byPriority: Record<string, number>;
  completedPerSecond: number | null;
  /** Host:pid of the worker that announced the shard, or null. */
  owner: string | null;
}

export interface ProviderRow {
  provider: string;
  alertsPerSecond: number;
  bytesPerSecond: number;
  rejectedPerSecond: number;
  /** Deduplication outcomes over the dedup window. */
  stored: number;
  duplicates: number;
  /** Duplicates over all deduplicated alerts in the window, null without any. */
  duplicateRatio: number | null;
}

export interface TargetRow {
  name: string;
  type: string;
  enabled: boolean;
  healthy: boolean;
  consecutiveFailures: number;
  /** Worst circuit state any worker reports, null when no worker has used the target yet. */
  circuit: 'closed' | 'half_open' | 'open' | null;
  deliveredPerSecond: number;
  failedPerSecond: number;
  deadLetters: number;
}

export interface ArchiveView {
  watermark: string | null;
  daysDue: number;
  lastRun: { day: string; status: string; startedAt: string; durationMs: number | null; error: string | null } | null;
  lastFailure: { day: string; startedAt: string; error: string | null } | null;
}

export interface AdminSnapshot {
  /** Epoch ms. */
  at: number;
  /** Seconds the rates are computed over. */
  windows: { liveSeconds: number; tableSeconds: number };
  health: HealthView;
  ingest: {
    alertsPerSecond: number;
    bytesPerSecond: number;
    requestsPerSecond: number;
    rejectedPerSecond: number;
    rejectedByReason: Record<string, number>;
  };
  queues: {
    depth: number;
    oldestWaitingSeconds: number;
    committedJobsPerSecond: number | null;
    lagP50Seconds: number | null;
    lagP99Seconds: number | null;
    shards: ShardRow[];
    publish: { waiting: number; active: number; delayed: number; failed: number; completedPerSecond: number | null };
  } | null;
  workers: { id: string; host: string | null; pid: number | null; shards: number[]; lastSeenSecondsAgo: number }[];
  providers: ProviderRow[];
  targets: Section<TargetRow[]>;
  deadLetters: { ingest: { size: number; oldestSeconds: number } | null; publish: Section<number> };
  archive: Section<ArchiveView>;
  processes: { role: string; host: string; pid: number }[];
}
