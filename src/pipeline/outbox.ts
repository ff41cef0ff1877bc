import type { Logger } from 'pino';
import type { Alert } from '../alert/alert.js';
import { exponentialDelayMs } from '../backoff.js';
import { alertColumns } from '../lifecycle/latest-alert.js';
import * as metrics from '../metrics.js';
import type { Sql } from '../store/db.js';
import type { CommitOutput, CommittedAlert, CommittedBatch } from './committed-batch.js';

interface Pending {
  batch: CommittedBatch;
  /** Outputs that have not succeeded yet. */
  outputs: CommitOutput[];
  attempts: number;
  retryAt: number;
}

/**
 * Runs the after-commit outputs of each committed batch and tracks its outbox row: a row is
 * deleted (with the next batch's transaction) only once every output succeeded, so a crash between
 * commit and, say, the publish enqueue delays those outputs to the shard's next owner, never loses
 * them. A failed output alone is retried with backoff; the others do not run again.
 */
export class Outbox {
  private pending: Pending[] = [];
  private drained: string[] = [];

  constructor(
    private readonly sql: Sql,
    private readonly outputs: readonly CommitOutput[],
    private readonly log: Logger,
  ) {}

  /** Runs every output for a batch just committed. */
  deliver(batch: CommittedBatch): Promise<void> {
    return this.run({ batch, outputs: [...this.outputs], attempts: 0, retryAt: 0 });
  }

  /** Retries the outputs that failed earlier and are due again. */
  async retryDue(now = Date.now()): Promise<void> {
    const due = this.pending.filter((entry) => entry.retryAt <= now);
    if (due.length === 0) return;
    this.pending = this.pending.filter((entry) => entry.retryAt > now);
    for (const entry of due) await this.run(entry);
  }

  /** Outbox ids whose outputs all ran, handed over once for deletion in the next transaction. */
  takeDrained(): string[] {
    const ids = this.drained;
    this.drained = [];
    return ids;
  }

  /** Gives back ids taken for a transaction that did not commit. */
  keepDrained(ids: readonly string[]): void {
    this.drained.push(...ids);
  }

  /** Deletes drained rows now (before a shard changes hands, and on stop). */
  async deleteDrained(): Promise<void> {
    const ids = this.takeDrained();
    if (ids.length > 0) await this.sql`delete from ingest_outbox where id = any(${ids}::uuid[])`;
  }

  /**
   * Delivers the rows a previous owner of the shard left behind: their alerts are read back from
   * `alerts` and their states from last_alert, as they are now.
   */
  async recover(shard: number, shardKey: string): Promise<number> {
    const rows = await this.sql<{ id: string; alert_ids: string[]; received_from: Date; received_to: Date }[]>`
      select id, alert_ids, received_from, received_to from ingest_outbox where shard_key = ${shardKey} order by created_at`;
    for (const row of rows) {
      const alerts = await this.readCommitted(row.alert_ids, row.received_from, row.received_to);
      this.log.info(
        { shard, outbox: row.id, alerts: alerts.length },
        'delivering a committed batch left by a previous owner',
      );
      await this.deliver({ id: row.id, shard, alerts });
    }
    return rows.length;
  }

  private async run(entry: Pending): Promise<void> {
    const results = await Promise.allSettled(entry.outputs.map((output) => output.run(entry.batch)));
    const failed = entry.outputs.filter((output, i) => {
      const result = results[i] as PromiseSettledResult<void>;
      if (result.status === 'fulfilled') return false;
      metrics.commitOutputFailures.inc({ output: output.name });
      this.log.warn(
        { err: result.reason, output: output.name, batch: entry.batch.id },
        'after-commit output failed; will retry',
      );
      return true;
    });
    if (failed.length === 0) {
      this.drained.push(entry.batch.id);
      return;
    }
    const attempts = entry.attempts + 1;
    const retryAt = Date.now() + exponentialDelayMs(attempts, 250, 30_000);
    this.pending.push({ batch: entry.batch, outputs: failed, attempts, retryAt });
  }

  private async readCommitted(ids: string[], from: Date, to: Date): Promise<CommittedAlert[]> {
    const rows = await this.sql<(Alert & { state: string; episodeStartedAt: Date | null })[]>`
      with a as (
        select ${alertColumns(this.sql)} from alerts
        where id = any(${ids}::uuid[]) and received_at between ${from} and ${to})
      select a.*, l.state, l.episode_started_at as "episodeStartedAt"
      from a join last_alert l on l.tenant = a.tenant and l.fingerprint = a.fingerprint`;
    return rows.map(({ state, episodeStartedAt, ...alert }) => ({
      alert,
      json: JSON.stringify(alert),
      change: 'changed',
      state,
      episodeStartedAt: episodeStartedAt === null ? null : new Date(episodeStartedAt).toISOString(),
    }));
  }
}
