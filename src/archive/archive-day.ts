import type { Client } from '@elastic/elasticsearch';
import type { Logger } from 'pino';
import type postgres from 'postgres';
import { archiveDaySeconds, archivedBytes, archivedRows, archiveFailures } from '../metrics.js';
import type { Db } from '../store/db.js';
import { countRows, type DayTables, detachPartition, dropTables } from '../store/partition-detach.js';
import { partitionName } from '../store/partitions.js';
import {
  type ArchiveLogEntry,
  type CopyCounts,
  dayKey,
  finishAttempt,
  lastVerified,
  markVerified,
  startAttempt,
} from './archive-log.js';
import { BulkRejectedError } from './bulk-indexer.js';
import {
  ArchiveMismatchError,
  type CopyDeps,
  type CopyTarget,
  copyTable,
  indexCount,
  verifyCopy,
} from './copy-partition.js';
import { archiveIndexName, rawArchiveIndexName } from './index-names.js';

/** Points between bulk and drop where a test (or a crash) may stop a run. */
export type ArchiveStage = 'copied' | 'verified' | 'detached';

/** What archiving one day needs; built once per run by the Archiver. */
export interface DayContext {
  db: Db;
  /** The connection holding the archive lock; DDL runs on it. */
  conn: postgres.ReservedSql;
  client: Client;
  copy: CopyDeps;
  prefix: string;
  raw: 'drop' | 'archive';
  /** Applies templates once; resolves whether ILM manages the indices (then their age is set to the alerts' day once verified). */
  bootstrap: () => Promise<boolean>;
  log: Logger;
  signal?: AbortSignal;
  onStage?: (stage: ArchiveStage, day: Date) => void | Promise<void>;
}

/** Outcome of one day: moved (dropped) or left in PostgreSQL (failed, with the reason). */
export interface DayResult {
  day: string;
  status: 'dropped' | 'failed';
  pgRows: number | null;
  esCount: number | null;
  bytes: number;
  durationMs: number;
  error?: string;
}

/** The failure's stage for the metric label and a one-line reason for archive_log. */
function describeFailure(error: unknown): { stage: string; message: string } {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  if (error instanceof ArchiveMismatchError) return { stage: 'verify', message };
  if (error instanceof BulkRejectedError) return { stage: 'rejected', message };
  if (error instanceof Error && error.name === 'AbortError') return { stage: 'aborted', message };
  return { stage: 'error', message };
}

/** The day's tables and where each goes; raw payloads go nowhere when ARCHIVE_RAW=drop. */
function plan(ctx: DayContext, day: Date, tables: DayTables['tables']) {
  const alerts: CopyTarget = {
    kind: 'alerts',
    table: partitionName('alerts', day),
    index: archiveIndexName(ctx.prefix, day),
  };
  const raw: CopyTarget = {
    kind: 'raw',
    table: partitionName('alert_raw', day),
    index: rawArchiveIndexName(ctx.prefix, day),
  };
  const targets = [...(tables.alerts ? [alerts] : []), ...(tables.alert_raw && ctx.raw === 'archive' ? [raw] : [])];
  return { alerts, raw, targets, rawIndex: ctx.raw === 'archive' ? raw.index : null };
}

/**
 * Whether an earlier run already verified this day and nothing changed since (same row counts in
 * PostgreSQL, same document counts in Elasticsearch): then the copy is not repeated.
 */
async function stillVerified(ctx: DayContext, targets: CopyTarget[], entry: ArchiveLogEntry): Promise<boolean> {
  for (const target of targets) {
    const [pgRows, esCount] =
      target.kind === 'alerts' ? [entry.pgRows, entry.esCount] : [entry.rawRows, entry.rawEsCount];
    if (pgRows !== (await countRows(ctx.conn, target.table))) return false;
    if (esCount !== (await indexCount(ctx.client, target.index))) return false;
  }
  return true;
}

function countsOf(entry: ArchiveLogEntry): CopyCounts {
  return {
    pgRows: entry.pgRows ?? 0,
    esCount: entry.esCount ?? 0,
    rawRows: entry.rawRows ?? 0,
    rawEsCount: entry.rawEsCount,
    bytes: 0,
  };
}

async function copyAndVerify(ctx: DayContext, day: Date, targets: CopyTarget[]): Promise<CopyCounts> {
  let bytes = 0;
  for (const target of targets) {
    const stats = await copyTable(ctx.copy, target, ctx.signal);
    bytes += stats.bytes;
    archivedBytes.inc({ kind: target.kind }, stats.bytes);
  }
  await ctx.onStage?.('copied', day);
  const counts: CopyCounts = { pgRows: 0, esCount: 0, rawRows: 0, rawEsCount: null, bytes };
  for (const target of targets) {
    const { pgRows, esCount } = await verifyCopy(ctx.copy, target);
    if (target.kind === 'alerts') Object.assign(counts, { pgRows, esCount });
    else Object.assign(counts, { rawRows: pgRows, rawEsCount: esCount });
  }
  return counts;
}

/**
 * Moves one day out of PostgreSQL: copy → refresh → verify counts → log `verified` → detach →
 * drop → log `dropped`. Any error leaves the partitions in place and logs `failed`. Every step is
 * safe to repeat, so a run killed anywhere is completed by the next one without loss or duplicates.
 */
export async function archiveDay(ctx: DayContext, day: Date, tables: DayTables['tables']): Promise<DayResult> {
  const started = performance.now();
  const { alerts, raw, targets, rawIndex } = plan(ctx, day, tables);
  const earlier = await lastVerified(ctx.db, day, alerts.index);
  const id = await startAttempt(ctx.db, { day, indexName: alerts.index, rawIndexName: rawIndex });
  let counts: Partial<CopyCounts> = {};
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const ilm = await ctx.bootstrap();
    const resumed = earlier !== undefined && (await stillVerified(ctx, targets, earlier));
    counts = resumed && earlier ? countsOf(earlier) : await copyAndVerify(ctx, day, targets);
    if (ctx.raw === 'drop' && tables.alert_raw) counts.rawRows = await countRows(ctx.conn, raw.table);
    await markVerified(ctx.db, id, counts as CopyCounts);
    if (ilm) {
      // From now on ILM ages the index from the alerts' day, not from when it was archived.
      for (const target of targets)
        await ctx.client.indices.putSettings({
          index: target.index,
          settings: { 'index.lifecycle.origination_date': day.getTime() },
        });
    }
    await ctx.onStage?.('verified', day);
    ctx.signal?.throwIfAborted();

    if (tables.alerts) await detachPartition(ctx.conn, 'alerts', alerts.table);
    if (tables.alert_raw) await detachPartition(ctx.conn, 'alert_raw', raw.table);
    await ctx.onStage?.('detached', day);
    // A row committed between the count and the detach would be lost by the drop: copy again from
    // the detached (now unchanging) tables when anything moved.
    const moved = await Promise.all(
      targets.map(async (target) => {
        const verified = target.kind === 'alerts' ? counts.pgRows : counts.rawRows;
        return (await countRows(ctx.conn, target.table)) !== verified;
      }),
    );
    if (moved.some(Boolean)) {
      ctx.log.warn({ day: dayKey(day) }, 'rows arrived in an archived partition; copying it again before the drop');
      counts = await copyAndVerify(ctx, day, targets);
      await markVerified(ctx.db, id, counts as CopyCounts);
    }
    await dropTables(ctx.conn, [tables.alerts ? alerts.table : '', tables.alert_raw ? raw.table : ''].filter(Boolean));

    const durationMs = elapsed();
    await finishAttempt(ctx.db, id, { status: 'dropped', durationMs }, counts);
    archivedRows.inc({ kind: 'alerts' }, counts.pgRows ?? 0);
    if (ctx.raw === 'archive') archivedRows.inc({ kind: 'raw' }, counts.rawRows ?? 0);
    archiveDaySeconds.observe({ status: 'dropped' }, durationMs / 1000);
    ctx.log.info({ day: dayKey(day), ...counts, durationMs, resumed }, 'day archived; partitions dropped');
    return {
      day: dayKey(day),
      status: 'dropped',
      pgRows: counts.pgRows ?? 0,
      esCount: counts.esCount ?? 0,
      bytes: counts.bytes ?? 0,
      durationMs,
    };
  } catch (error) {
    const { stage, message } = describeFailure(error);
    const durationMs = elapsed();
    archiveFailures.inc({ stage });
    archiveDaySeconds.observe({ status: 'failed' }, durationMs / 1000);
    ctx.log.error({ day: dayKey(day), err: error }, 'archiving a day failed; its partitions stay in PostgreSQL');
    await finishAttempt(ctx.db, id, { status: 'failed', durationMs, error: message }, counts).catch(
      (logError: unknown) => ctx.log.error({ err: logError }, 'could not record the failure in archive_log'),
    );
    return {
      day: dayKey(day),
      status: 'failed',
      pgRows: counts.pgRows ?? null,
      esCount: counts.esCount ?? null,
      bytes: counts.bytes ?? 0,
      durationMs,
      error: message,
    };
  }
}
