import type { Logger } from 'pino';
import { Batcher } from '../batcher.js';
import type { Sql } from '../store/db.js';
import { type PublishResult, summarize, type TargetResult } from './model.js';

/** A logged batch result with what it carried. */
export interface PublishLogEntry extends PublishResult {
  tenants: string[];
  alerts: number;
  createdAt: string;
}

interface Row {
  batch_id: string;
  tenants: string[];
  alerts: number;
  total: number;
  succeeded: number;
  failed: number;
  skipped: number;
  partial: boolean;
  duration_ms: number;
  results: TargetResult[];
  /** timestamptz; a Date or an ISO string depending on the client's type parsers. */
  created_at: Date | string;
}

const toEntry = (row: Row): PublishLogEntry => ({
  batchId: row.batch_id,
  tenants: row.tenants,
  alerts: row.alerts,
  total: row.total,
  succeeded: row.succeeded,
  failed: row.failed,
  skipped: row.skipped,
  partial: row.partial,
  durationMs: row.duration_ms,
  results: row.results,
  createdAt: new Date(row.created_at).toISOString(),
});

/**
 * publish_log: one row per fanned-out batch, written through the shared batcher (many results per
 * INSERT) so logging never slows the fan-out; retries update their target's line as they settle.
 */
export class PublishLog {
  private readonly batcher: Batcher<Omit<PublishLogEntry, 'createdAt'>, void>;

  constructor(
    private readonly sql: Sql,
    private readonly log: Logger,
    options = { size: 200, maxSize: 2000, maxWaitMs: 100 },
  ) {
    this.batcher = new Batcher(options, async (entries) => {
      await this.insert(entries);
      return entries.map(() => undefined);
    });
  }

  /** Queues a result for writing; a failed write is logged, never thrown at the fan-out. */
  record(result: PublishResult, carried: { tenants: string[]; alerts: number }): void {
    this.batcher.add({ ...result, ...carried }).catch((error: unknown) => {
      this.log.warn({ err: error, batchId: result.batchId }, 'could not write publish_log');
    });
  }

  /** Replaces one target's line of a logged batch and recomputes its counters. */
  async updateTarget(batchId: string, line: TargetResult): Promise<void> {
    let updated = await this.replaceLine(batchId, line);
    if (!updated) {
      // The batch row may still sit in the batcher.
      await this.batcher.drain();
      updated = await this.replaceLine(batchId, line);
    }
  }

  async get(batchId: string): Promise<PublishLogEntry | undefined> {
    const [row] = await this.sql<Row[]>`select * from publish_log where batch_id = ${batchId}`;
    return row ? toEntry(row) : undefined;
  }

  /** Newest first; filters by a target's presence in the results and by partial success. */
  async list(options: {
    limit: number;
    before?: Date;
    target?: string;
    partial?: boolean;
  }): Promise<PublishLogEntry[]> {
    const rows = await this.sql<Row[]>`
      select * from publish_log
      where created_at < ${(options.before ?? new Date(Date.now() + 60_000)).toISOString()}::timestamptz
      ${options.target ? this.sql`and results @> ${JSON.stringify([{ target: options.target }])}::jsonb` : this.sql``}
      ${options.partial !== undefined ? this.sql`and partial = ${options.partial}` : this.sql``}
      order by created_at desc limit ${options.limit}`;
    return rows.map(toEntry);
  }

  /** Deletes rows older than the retention, a bounded chunk at a time; returns how many. */
  async prune(retentionHours: number, chunk = 10_000): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await this.sql`
        delete from publish_log where batch_id in (
          select batch_id from publish_log
          where created_at < now() - make_interval(hours => ${retentionHours}) limit ${chunk})`;
      total += deleted.count;
      if (deleted.count < chunk) return total;
    }
  }

  drain(): Promise<void> {
    return this.batcher.drain();
  }

  private async insert(entries: Omit<PublishLogEntry, 'createdAt'>[]): Promise<void> {
    const rows = entries.map((entry) => ({
      batch_id: entry.batchId,
      tenants: entry.tenants,
      alerts: entry.alerts,
      total: entry.total,
      succeeded: entry.succeeded,
      failed: entry.failed,
      skipped: entry.skipped,
      partial: entry.partial,
      duration_ms: entry.durationMs,
      results: entry.results,
    }));
    await this.sql`
      insert into publish_log (batch_id, tenants, alerts, total, succeeded, failed, skipped, partial, duration_ms, results)
      select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(batch_id uuid, tenants text[], alerts int,
        total int, succeeded int, failed int, skipped int, partial boolean, duration_ms int, results jsonb)
      on conflict (batch_id) do update set total = excluded.total, succeeded = excluded.succeeded,
        failed = excluded.failed, skipped = excluded.skipped, partial = excluded.partial,
        duration_ms = excluded.duration_ms, results = excluded.results`;
  }

  private async replaceLine(batchId: string, line: TargetResult): Promise<boolean> {
    return this.sql.begin(async (tx) => {
      const [row] = await tx<Row[]>`select * from publish_log where batch_id = ${batchId} for update`;
      if (!row) return false;
      const results = row.results.map((old) => (old.target === line.target ? line : old));
      const next = summarize(batchId, row.duration_ms, results);
      await tx`
        update publish_log set results = ${JSON.stringify(results)}::jsonb, succeeded = ${next.succeeded},
          failed = ${next.failed}, skipped = ${next.skipped}, partial = ${next.partial}
        where batch_id = ${batchId}`;
      return true;
    });
  }
}
