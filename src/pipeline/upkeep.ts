import type { Sql } from '../store/db.js';

/** The batch worker's hourly upkeep (the `worker.upkeep` config section). */
export interface WorkerUpkeepOptions {
  /** Daily partitions created ahead of today. */
  partitionDaysAhead: number;
  /** Fingerprints inactive longer than this are swept from last_alert. */
  lastAlertTtlDays: number;
}

/** Deletes the last_alert rows of `shards` idle longer than `ttlDays`; returns how many went. */
export async function deleteInactiveFingerprints(
  sql: Sql,
  shards: readonly number[],
  ttlDays: number,
): Promise<number> {
  if (shards.length === 0) return 0;
  const deleted = await sql`
    delete from last_alert where shard = any(${shards as number[]}::int[])
    and last_seen < now() - make_interval(days => ${ttlDays})`;
  return deleted.count;
}
