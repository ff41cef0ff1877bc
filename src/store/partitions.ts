import type { Sql } from './db.js';

/** Tables partitioned by day of received_at (UTC). */
export const PARTITIONED_TABLES = ['alerts', 'alert_raw'] as const;

const DAY_MS = 86_400_000;

/** UTC day start of a date. */
export function dayStart(date: Date): Date {
  return new Date(Math.floor(date.getTime() / DAY_MS) * DAY_MS);
}

/** `alerts_p20260102` for the day starting at `day`. */
export function partitionName(table: string, day: Date): string {
  return `${table}_p${day.toISOString().slice(0, 10).replaceAll('-', '')}`;
}

/**
 * Creates the daily partitions of every partitioned table for each day in [from, to]. Runs under a
 * transaction-scoped advisory lock so concurrent callers do not race on the catalog.
 */
export async function ensurePartitions(sql: Sql, from: Date, to: Date): Promise<string[]> {
  const created: string[] = [];
  await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtext('alertgate:partitions'))`;
    for (let day = dayStart(from); day <= to; day = new Date(day.getTime() + DAY_MS)) {
      const next = new Date(day.getTime() + DAY_MS);
      for (const table of PARTITIONED_TABLES) {
        const name = partitionName(table, day);
        const [exists] = await tx`select to_regclass(${name}::text) is not null as exists`;
        if (exists?.exists) continue;
        // DDL takes no bind parameters; every piece here is generated from a Date and a fixed table name.
        await tx.unsafe(
          `create table "${name}" partition of "${table}" for values from ('${day.toISOString()}') to ('${next.toISOString()}')`,
        );
        created.push(name);
      }
    }
  });
  return created;
}

/** Every day that has both partitions, oldest first, with its partition bounds. */
export async function listPartitionDays(sql: Sql): Promise<Date[]> {
  const rows = await sql<{ name: string }[]>`
    select child.relname as name from pg_inherits
    join pg_class parent on parent.oid = pg_inherits.inhparent
    join pg_class child on child.oid = pg_inherits.inhrelid
    where parent.relname = 'alerts' order by child.relname`;
  return rows
    .map((row) => /^alerts_p(\d{4})(\d{2})(\d{2})$/.exec(row.name))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => new Date(`${match[1]}-${match[2]}-${match[3]}T00:00:00.000Z`));
}

/** Days whose partitions are older than `afterDays` full days: candidates for the archiver. */
export async function partitionsDueForArchive(sql: Sql, afterDays: number, now = new Date()): Promise<Date[]> {
  const cutoff = dayStart(now).getTime() - afterDays * DAY_MS;
  return (await listPartitionDays(sql)).filter((day) => day.getTime() < cutoff);
}

/** Partition maintenance: partitions from yesterday through `daysAhead` days from now. */
export async function maintainPartitions(sql: Sql, daysAhead: number, now = new Date()): Promise<string[]> {
  return ensurePartitions(sql, new Date(now.getTime() - DAY_MS), new Date(now.getTime() + daysAhead * DAY_MS));
}

/** postgres error raised when no partition accepts a row. */
export function isMissingPartitionError(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { code?: string }).code === '23514' &&
    /no partition of relation/.test(String((error as Error).message))
  );
}
