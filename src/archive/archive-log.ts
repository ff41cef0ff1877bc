import { and, desc, eq, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../store/db.js';
import { type ArchiveStatus, archiveLog } from '../store/schema.js';

export type ArchiveLogEntry = typeof archiveLog.$inferSelect;

/** Counts of one copy: rows read from PostgreSQL, documents Elasticsearch reports, bytes sent. */
export interface CopyCounts {
  pgRows: number;
  esCount: number;
  rawRows: number;
  rawEsCount: number | null;
  bytes: number;
}

/** `2026-01-02` for a UTC day start. */
export function dayKey(day: Date): string {
  return day.toISOString().slice(0, 10);
}

/** Opens the log row of one attempt; returns its id. */
export async function startAttempt(
  db: Db,
  entry: { day: Date; indexName: string; rawIndexName: string | null },
): Promise<number> {
  const [row] = await db
    .insert(archiveLog)
    .values({ day: dayKey(entry.day), status: 'running', indexName: entry.indexName, rawIndexName: entry.rawIndexName })
    .returning({ id: archiveLog.id });
  if (!row) throw new Error('archive_log insert returned no row');
  return row.id;
}

/** Records that Elasticsearch holds every row of the day (the partitions may now go). */
export async function markVerified(db: Db, id: number, counts: CopyCounts): Promise<void> {
  await db
    .update(archiveLog)
    .set({ status: 'verified', ...counts })
    .where(eq(archiveLog.id, id));
}

/** Closes an attempt as dropped (done) or failed (partitions kept), with its duration. */
export async function finishAttempt(
  db: Db,
  id: number,
  outcome: { status: Extract<ArchiveStatus, 'dropped' | 'failed'>; durationMs: number; error?: string },
  counts: Partial<CopyCounts> = {},
): Promise<void> {
  await db
    .update(archiveLog)
    .set({
      ...counts,
      status: outcome.status,
      durationMs: outcome.durationMs,
      error: outcome.error ?? null,
      finishedAt: new Date(),
    })
    .where(eq(archiveLog.id, id));
}

/**
 * Marks attempts still `running` as failed. Only called while holding the archive lock, so any
 * running row belongs to a process that died mid-run.
 */
export async function failInterrupted(db: Db): Promise<number> {
  const rows = await db
    .update(archiveLog)
    .set({ status: 'failed', error: 'interrupted: the archiver stopped before finishing', finishedAt: new Date() })
    .where(eq(archiveLog.status, 'running'))
    .returning({ id: archiveLog.id });
  return rows.length;
}

/** The newest verified-but-not-dropped attempt of a day into `indexName`, if any. */
export async function lastVerified(db: Db, day: Date, indexName: string): Promise<ArchiveLogEntry | undefined> {
  const [row] = await db
    .select()
    .from(archiveLog)
    .where(and(eq(archiveLog.day, dayKey(day)), eq(archiveLog.indexName, indexName)))
    .orderBy(desc(archiveLog.id))
    .limit(1);
  return row?.status === 'verified' ? row : undefined;
}

/** Log entries, newest first, optionally for one day or status. */
export async function listAttempts(
  db: Db,
  filter: { limit: number; day?: string; status?: ArchiveStatus },
): Promise<ArchiveLogEntry[]> {
  const conditions: SQL[] = [];
  if (filter.day) conditions.push(eq(archiveLog.day, filter.day));
  if (filter.status) conditions.push(eq(archiveLog.status, filter.status));
  return db
    .select()
    .from(archiveLog)
    .where(conditions.length > 0 ? and(...conditions) : sql`true`)
    .orderBy(desc(archiveLog.id))
    .limit(filter.limit);
}
