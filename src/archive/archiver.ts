import type { Client } from '@elastic/elasticsearch';
import type { Logger } from 'pino';
import type postgres from 'postgres';
import { archiveWatermarkSeconds } from '../metrics.js';
import type { Database } from '../store/db.js';
import { listDayTables } from '../store/partition-detach.js';
import { dayStart } from '../store/partitions.js';
import { type ArchiveStage, archiveDay, type DayResult } from './archive-day.js';
import { failInterrupted } from './archive-log.js';
import { ArchiveBootstrap } from './bootstrap.js';
import type { BulkOptions } from './bulk-indexer.js';
import { deleteExpiredIndices } from './retention.js';
import { archiveWatermark } from './watermark.js';

const DAY_MS = 86_400_000;
/** Session advisory lock: one archive run at a time across every process and host. */
const LOCK_KEY = 'alertgate:archive';

/** Archiver settings (the `archive.archiver` config section). */
export interface ArchiverOptions {
  prefix: string;
  /** Days older than this many full days (UTC) are archived by a default run. */
  afterDays: number;
  deleteAfterDays: number;
  raw: 'drop' | 'archive';
  shards: number;
  replicas: string;
  bulk: Omit<BulkOptions, 'index' | 'signal'>;
  /** Rows per cursor round trip. */
  cursorRows: number;
}

/** Limits of one run; tests pass explicit days so they never touch other partitions. */
export interface RunOptions {
  /** Only these UTC days (manual runs, tests). Default: every day older than `afterDays`. */
  days?: Date[];
  /** Only days before this instant (combined with `days` when both are given). */
  before?: Date;
  /** Wait up to this long for a run in another process to finish (default: skip at once). */
  waitForLockMs?: number;
  signal?: AbortSignal;
  onStage?: (stage: ArchiveStage, day: Date) => void | Promise<void>;
  now?: Date;
}

/** What one run did, day by day. */
export interface RunResult {
  /** False when another run held the lock. */
  ran: boolean;
  days: DayResult[];
  /** Indices removed by the fallback retention (ILM absent). */
  deletedIndices: string[];
  watermark: Date | null;
}

/**
 * Moves aged daily partitions to Elasticsearch, oldest first, one run at a time. A run stops at
 * the first failed day, so every kept partition stays above the watermark; without ILM it also
 * deletes indices past the delete age.
 */
export class Archiver {
  readonly bootstrap: ArchiveBootstrap;

  constructor(
    private readonly deps: { database: Database; client: Client; log: Logger },
    readonly options: ArchiverOptions,
  ) {
    this.bootstrap = new ArchiveBootstrap(
      deps.client,
      {
        prefix: options.prefix,
        deleteAfterDays: options.deleteAfterDays,
        shards: options.shards,
        replicas: options.replicas,
        raw: options.raw === 'archive',
      },
      deps.log,
    );
  }

  async run(options: RunOptions = {}): Promise<RunResult> {
    const { database, log } = this.deps;
    const conn = await database.sql.reserve();
    try {
      if (!(await lock(conn, options.waitForLockMs ?? 0, options.signal))) {
        log.info('another archive run holds the lock; skipping');
        return { ran: false, days: [], deletedIndices: [], watermark: null };
      }
      try {
        return await this.runLocked(conn, options);
      } finally {
        await conn`select pg_advisory_unlock(hashtext(${LOCK_KEY}))`;
      }
    } finally {
      conn.release();
    }
  }

  private async runLocked(conn: postgres.ReservedSql, options: RunOptions): Promise<RunResult> {
    const { database, client, log } = this.deps;
    const interrupted = await failInterrupted(database.db);
    if (interrupted > 0) log.warn({ interrupted }, 'marked archive attempts of a dead run as failed');

    const now = options.now ?? new Date();
    const cutoff = dayStart(now).getTime() - this.options.afterDays * DAY_MS;
    const wanted = options.days ? new Set(options.days.map((day) => dayStart(day).getTime())) : null;
    const candidates = (await listDayTables(conn)).filter(
      ({ day }) =>
        (wanted ? wanted.has(day.getTime()) : day.getTime() < cutoff) &&
        (!options.before || day.getTime() < options.before.getTime()),
    );

    const context = {
      db: database.db,
      conn,
      client,
      copy: { sql: database.sql, client, bulk: this.options.bulk, cursorRows: this.options.cursorRows },
      prefix: this.options.prefix,
      raw: this.options.raw,
      bootstrap: async () => (await this.bootstrap.ensure()).ilm,
      log,
      signal: options.signal,
      onStage: options.onStage,
    };
    const days: DayResult[] = [];
    for (const { day, tables } of candidates) {
      if (options.signal?.aborted) break;
      const result = await archiveDay(context, day, tables);
      days.push(result);
      // Archiving a newer day past a kept one would put a PostgreSQL-only day below the watermark.
      if (result.status === 'failed') break;
    }

    let deletedIndices: string[] = [];
    try {
      const { ilm } = await this.bootstrap.ensure();
      if (!ilm) {
        deletedIndices = await deleteExpiredIndices(client, this.options.prefix, this.options.deleteAfterDays, now);
        if (deletedIndices.length > 0) log.info({ deleted: deletedIndices }, 'deleted archive indices past retention');
      }
    } catch (error) {
      log.warn({ err: error }, 'archive retention skipped: Elasticsearch unavailable');
    }
    const watermark = await archiveWatermark(database.sql);
    if (watermark) archiveWatermarkSeconds.set(watermark.getTime() / 1000);
    return { ran: true, days, deletedIndices, watermark };
  }
}

/** Takes the archive lock on `conn`, polling up to `waitMs`; false if another session keeps it. */
async function lock(conn: postgres.ReservedSql, waitMs: number, signal?: AbortSignal): Promise<boolean> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const [row] = await conn<{ locked: boolean }[]>`select pg_try_advisory_lock(hashtext(${LOCK_KEY})) as locked`;
    if (row?.locked) return true;
    if (Date.now() >= deadline || signal?.aborted) return false;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
