import type { Sql } from '../store/db.js';
import { nextDay } from './index-names.js';

/**
 * The exclusive upper bound of what search reads from Elasticsearch: the start of the UTC day after
 * the newest day whose partitions were verified in Elasticsearch and dropped from PostgreSQL, or
 * null when nothing was archived. Days below it are only in Elasticsearch; days at or above it are
 * in PostgreSQL (a day copied but not yet dropped is still served from PostgreSQL). The scheduled
 * archiver archives oldest first and stops at the first failure, so no kept partition lies below it.
 */
export async function archiveWatermark(sql: Sql): Promise<Date | null> {
  const [row] = await sql<{ day: string | null }[]>`
    select max(day)::text as day from archive_log where status = 'dropped'`;
  return row?.day ? nextDay(new Date(`${row.day}T00:00:00.000Z`)) : null;
}
