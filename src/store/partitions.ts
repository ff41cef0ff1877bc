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

/**
 * Partition maintenance: partitions from yesterday through `daysAhead` days from now, then the
 * search indexes of every day that is over (sealFinishedPartitions). Returns the partitions created.
 */
export async function maintainPartitions(sql: Sql, daysAhead: number, now = new Date()): Promise<string[]> {
  const created = await ensurePartitions(
    sql,
    new Date(now.getTime() - DAY_MS),
    new Date(now.getTime() + daysAhead * DAY_MS),
  );
  await sealFinishedPartitions(sql, now);
  return created;
}

/**
 * Indexes an `alerts` partition gets once its day is over ("sealed"), named `<partition>_<suffix>`.
 * While a day takes writes its partition has only the parent's lean set (migrations/0009): the
 * primary key (received_at, id), (tenant, received_at desc, id desc), (tenant, fingerprint,
 * received_at desc) and the labels GIN, which serve the writer, lookups by time-ordered id and
 * searches of the recent window (text matches there are checked row by row). Each index here would
 * cost every insert (the trigram GIN alone five times the whole lean set); built once over a
 * finished day, they cost about half of that per row. The text expression must stay identical to
 * `searchableText` in src/search/postgres-executor.ts, or searches cannot use it.
 */
export const SEALED_INDEXES: Readonly<Record<string, string>> = {
  received_brin: 'brin (received_at)',
  tenant_provider: 'btree (tenant, provider_type, received_at)',
  tenant_severity_status: 'btree (tenant, severity, status, received_at)',
  text_trgm: `gin ((lower(name || ' ' || coalesce(description, '') || ' ' || coalesce(message, ''))) gin_trgm_ops)`,
  // Lookups by an id that is not time-ordered (written before ids were): see receivedAtOfId.
  id_hash: 'hash (id)',
};

/** How long after midnight a day stays open: alerts received before it may still be queued. */
const SEAL_AFTER_MS = 3_600_000;

/**
 * Builds the missing SEALED_INDEXES of one day's `alerts` partition in one transaction. Writes to
 * that partition wait while it builds; reads do not. Returns false when another process is sealing
 * it right now.
 */
export async function sealPartition(sql: Sql, day: Date): Promise<boolean> {
  const table = partitionName('alerts', day);
  return sql.begin(async (tx) => {
    const [lock] = await tx<{ locked: boolean }[]>`
      select pg_try_advisory_xact_lock(hashtext(${`alertgate:seal:${table}`})) as locked`;
    if (!lock?.locked) return false;
    for (const [suffix, definition] of Object.entries(SEALED_INDEXES)) {
      // DDL takes no bind parameters; the names come from a Date and the fixed list above.
      await tx.unsafe(`create index if not exists "${table}_${suffix}" on "${table}" using ${definition}`);
    }
    return true;
  });
}

/** Days over (SEAL_AFTER_MS past their end) whose partitions lack some sealed index, oldest first. */
export async function unsealedDays(sql: Sql, now = new Date()): Promise<Date[]> {
  const finished = (await listPartitionDays(sql)).filter(
    (day) => day.getTime() + DAY_MS + SEAL_AFTER_MS <= now.getTime(),
  );
  if (finished.length === 0) return [];
  const suffixes = Object.keys(SEALED_INDEXES);
  const rows = await sql<{ name: string }[]>`
    select t.name from unnest(${finished.map((day) => partitionName('alerts', day))}::text[]) as t(name)
    where (select count(*) from pg_indexes
           where tablename = t.name and indexname = any(select t.name || '_' || s from unnest(${suffixes}::text[]) as s)
          ) < ${suffixes.length}`;
  const unsealed = new Set(rows.map((row) => row.name));
  return finished.filter((day) => unsealed.has(partitionName('alerts', day)));
}

/** Seals every finished day that is not sealed yet; returns the partitions this call sealed. */
export async function sealFinishedPartitions(sql: Sql, now = new Date()): Promise<string[]> {
  const sealed: string[] = [];
  for (const day of await unsealedDays(sql, now)) {
    if (await sealPartition(sql, day)) sealed.push(partitionName('alerts', day));
  }
  return sealed;
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
