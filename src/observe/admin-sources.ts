import { listAttempts } from '../archive/archive-log.js';
import { archiveWatermark } from '../archive/watermark.js';
import type { TargetHealth } from '../publish/health.js';
import type { TargetCatalog } from '../publish/target-catalog.js';
import type { Database } from '../store/db.js';
import { partitionsDueForArchive } from '../store/partitions.js';
import type { ArchiveView } from './admin-snapshot-types.js';
import type { DeadLetterCounter } from './queue-sampler.js';

/** A target's configuration and shared health, as the admin page lists it. */
export interface TargetStatus {
  name: string;
  type: string;
  enabled: boolean;
  healthy: boolean;
  consecutiveFailures: number;
}

/**
 * Where the admin page reads the parts other modules own. Each is optional: a missing source
 * shows as an unavailable panel, never as a broken page.
 */
export interface AdminSources {
  targets?: () => Promise<TargetStatus[]>;
  /** Publish dead letters per target (each counted up to 100000). */
  publishDeadLetters?: (targets: readonly string[]) => Promise<Map<string, number>>;
  archive?: () => Promise<ArchiveView>;
}

const COUNT_CAP = 100_000;

/** Targets from the publish catalog with their shared health. */
export function targetSource(catalog: TargetCatalog, health: TargetHealth): () => Promise<TargetStatus[]> {
  return async () => {
    const targets = catalog.list();
    const views = await health.view(targets.map((target) => target.name));
    return targets.map((target) => ({
      name: target.name,
      type: target.type,
      enabled: target.enabled,
      healthy: views.get(target.name)?.healthy ?? true,
      consecutiveFailures: views.get(target.name)?.consecutiveFailures ?? 0,
    }));
  };
}

/** Dead letters per target, each count capped so a huge backlog costs a bounded index scan. */
export function publishDeadLetterSource(database: Database): NonNullable<AdminSources['publishDeadLetters']> {
  return async (targets) => {
    if (targets.length === 0) return new Map();
    const rows = await database.sql<{ target: string; size: number }[]>`
      select t.target, (select count(*)::int from (
        select 1 from publish_dead_letters d where d.target = t.target limit ${COUNT_CAP}) capped) as size
      from unnest(${targets as string[]}::text[]) as t(target)`;
    return new Map(rows.map((row) => [row.target, row.size]));
  };
}

/** The whole publish dead-letter table's size (capped) and oldest entry, for the queue sampler. */
export function publishDeadLetterCounter(database: Database): DeadLetterCounter {
  return async () => {
    const [row] = await database.sql<{ size: number; oldest: number | null }[]>`
      select (select count(*)::int from (select 1 from publish_dead_letters limit ${COUNT_CAP}) capped) as size,
             extract(epoch from now() - (select min(failed_at) from publish_dead_letters))::float8 as oldest`;
    return { size: row?.size ?? 0, oldestSeconds: Math.max(0, row?.oldest ?? 0) };
  };
}

/** Archive progress from archive_log and the partitions waiting for it. */
export function archiveSource(database: Database, archiveAfterDays: number): () => Promise<ArchiveView> {
  return async () => {
    const [watermark, due, [last], [failure]] = await Promise.all([
      archiveWatermark(database.sql),
      partitionsDueForArchive(database.sql, archiveAfterDays),
      listAttempts(database.db, { limit: 1 }),
      listAttempts(database.db, { limit: 1, status: 'failed' }),
    ]);
    return {
      watermark: watermark?.toISOString() ?? null,
      daysDue: due.length,
      lastRun: last
        ? {
            day: last.day,
            status: last.status,
            startedAt: last.startedAt.toISOString(),
            durationMs: last.durationMs,
            error: last.error,
          }
        : null,
      lastFailure: failure
        ? { day: failure.day, startedAt: failure.startedAt.toISOString(), error: failure.error }
        : null,
    };
  };
}
