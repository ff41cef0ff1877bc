/**
 * Removing daily partitions once their rows live elsewhere (the archiver). Detach is CONCURRENTLY
 * so writers and readers of the parent table are never blocked behind an ACCESS EXCLUSIVE lock.
 */
import type postgres from 'postgres';
import type { Sql } from './db.js';
import type { PARTITIONED_TABLES } from './partitions.js';

export type PartitionedTable = (typeof PARTITIONED_TABLES)[number];

/** Where a day's table stands: attached, half-detached by an interrupted detach, or detached. */
export type PartitionState = 'attached' | 'detach_pending' | 'detached';

/** Every daily table of a partitioned table, attached or not, by table. */
export interface DayTables {
  day: Date;
  tables: Partial<Record<PartitionedTable, PartitionState>>;
}

type Conn = Sql | postgres.ReservedSql;

const NAME = /^(alerts|alert_raw)_p(\d{4})(\d{2})(\d{2})$/;

/**
 * Every day with a daily table of `alerts` or `alert_raw` in the current schema, oldest first,
 * including tables left detached by an archive run that died before dropping them.
 */
export async function listDayTables(sql: Conn): Promise<DayTables[]> {
  const rows = await sql<{ name: string; attached: boolean; pending: boolean }[]>`
    select c.relname as name, i.inhrelid is not null as attached, coalesce(i.inhdetachpending, false) as pending
    from pg_class c
    left join pg_inherits i on i.inhrelid = c.oid
    where c.relnamespace = (select oid from pg_namespace where nspname = current_schema())
      and c.relkind = 'r' and c.relname ~ '^(alerts|alert_raw)_p[0-9]{8}$'`;
  const days = new Map<number, DayTables>();
  for (const row of rows) {
    const match = NAME.exec(row.name);
    if (!match) continue;
    const day = new Date(`${match[2]}-${match[3]}-${match[4]}T00:00:00.000Z`);
    const entry = days.get(day.getTime()) ?? { day, tables: {} };
    entry.tables[match[1] as PartitionedTable] = row.pending
      ? 'detach_pending'
      : row.attached
        ? 'attached'
        : 'detached';
    days.set(day.getTime(), entry);
  }
  return [...days.values()].sort((a, b) => a.day.getTime() - b.day.getTime());
}

/** State of one daily table, or null when it does not exist. */
export async function partitionState(sql: Conn, table: string): Promise<PartitionState | null> {
  const [row] = await sql<{ exists: boolean; attached: boolean; pending: boolean }[]>`
    select to_regclass(${table}) is not null as exists,
      i.inhrelid is not null as attached, coalesce(i.inhdetachpending, false) as pending
    from (select 1) one left join pg_inherits i on i.inhrelid = to_regclass(${table})`;
  if (!row?.exists) return null;
  return row.pending ? 'detach_pending' : row.attached ? 'attached' : 'detached';
}

/** Rows in one table (attached partition or detached). */
export async function countRows(sql: Conn, table: string): Promise<number> {
  const [row] = await sql<{ count: number }[]>`select count(*)::float8 as count from ${sql(table)}`;
  return row?.count ?? 0;
}

/**
 * Detaches a daily table from its parent; finishes a detach an earlier run left pending; does
 * nothing when it is already detached or gone. Must not run inside a transaction.
 */
export async function detachPartition(sql: Conn, parent: PartitionedTable, table: string): Promise<void> {
  const state = await partitionState(sql, table);
  if (state === null || state === 'detached') return;
  // Identifiers come from a fixed table list and a generated day name, never from input.
  const mode = state === 'detach_pending' ? 'finalize' : 'concurrently';
  await sql.unsafe(`alter table "${parent}" detach partition "${table}" ${mode}`);
}

/** Drops detached daily tables in one statement, so a crash never leaves half of a day. */
export async function dropTables(sql: Conn, tables: string[]): Promise<void> {
  if (tables.length === 0) return;
  await sql.unsafe(`drop table if exists ${tables.map((table) => `"${table}"`).join(', ')}`);
}
