/**
 * Reads hot alerts from the partitioned `alerts` table. Every value from the request travels as a
 * bind parameter through drizzle; the SQL text only varies with which filters are present.
 */
import { and, asc, desc, eq, gte, inArray, lte, type SQL, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Alert, Severity, Status } from '../alert/alert.js';
import { receivedAtOfId } from '../alert/identity.js';
import type { Db } from '../store/db.js';
import { alerts } from '../store/partitioned-schema.js';
import { comparePositions } from './merge.js';
import type { Position, SearchFilters, StoreExecutor, StoreLookup, StoreQuery, TimeWindow } from './types.js';

/** ISO-8601 UTC with milliseconds, the format of Alert times (stored times have ms precision). */
const iso = (column: typeof alerts.receivedAt) =>
  sql<string>`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** Planner cost of one operator call while searching (PostgreSQL's default: 0.0025); see `bounded`. */
const TEXT_AWARE_OPERATOR_COST = '0.01';

/** Must stay identical to the sealed partitions' `text_trgm` index (SEALED_INDEXES), or it is not used. */
const searchableText = sql`lower(${alerts.name} || ' ' || coalesce(${alerts.description}, '') || ' ' || coalesce(${alerts.message}, ''))`;

const COLUMNS = {
  id: alerts.id,
  eventId: alerts.eventId,
  fingerprint: alerts.fingerprint,
  tenant: alerts.tenant,
  providerType: alerts.providerType,
  providerId: alerts.providerId,
  receivedAt: iso(alerts.receivedAt),
  name: alerts.name,
  status: alerts.status,
  severity: alerts.severity,
  lastReceived: iso(alerts.lastReceived),
  description: alerts.description,
  message: alerts.message,
  source: alerts.source,
  service: alerts.service,
  environment: alerts.environment,
  url: alerts.url,
  labels: alerts.labels,
  extra: alerts.extra,
};

type Row = { [K in keyof typeof COLUMNS]: unknown } & { status: string; severity: string };

function toAlert(row: Row): Alert {
  return { ...(row as unknown as Alert), status: row.status as Status, severity: row.severity as Severity };
}

/** WHERE conditions for the filters and window (cursor excluded). */
export function postgresConditions(filters: SearchFilters, window: TimeWindow): SQL[] {
  const conditions: SQL[] = [
    eq(alerts.tenant, filters.tenant),
    gte(alerts.receivedAt, new Date(window.from).toISOString()),
    lte(alerts.receivedAt, new Date(window.to).toISOString()),
  ];
  const anyOf = (column: AnyPgColumn, values: readonly string[]) => {
    if (values.length === 1) conditions.push(eq(column, values[0]));
    else if (values.length > 1) conditions.push(inArray(column, [...values]));
  };
  anyOf(alerts.providerType, filters.providers);
  anyOf(alerts.severity, filters.severities);
  anyOf(alerts.status, filters.statuses);
  anyOf(alerts.fingerprint, filters.fingerprints);
  anyOf(alerts.service, filters.services);
  anyOf(alerts.environment, filters.environments);
  // One containment per pair (served by the jsonb_path_ops GIN index); a repeated key with two
  // values then matches nothing, as AND demands.
  for (const [key, value] of filters.labels)
    conditions.push(sql`${alerts.labels} @> ${JSON.stringify({ [key]: value })}::jsonb`);
  // Terms are [a-z0-9]+ (text-match.ts), so they hold no LIKE wildcard to escape.
  for (const term of filters.terms) conditions.push(sql`${searchableText} like ${`%${term}%`}`);
  return conditions;
}

export interface PostgresExecutor {
  execute: StoreExecutor;
  lookup: StoreLookup;
}

/**
 * Executor over `db`; each statement is cancelled by the server after `timeoutMs`; counting stops
 * after `countCap` matches (then the total is "gte").
 */
export function createPostgresExecutor(db: Db, timeoutMs: number, countCap: number): PostgresExecutor {
  // A read-only transaction scopes these settings to this call without touching pooled sessions.
  // cpu_operator_cost: the text condition (lower(…) LIKE over whole descriptions) costs far more per
  // row than the default 0.0025 assumes; priced at that, the planner ANDs in the lossy BRIN bitmap
  // and rechecks the text of tens of thousands of rows (bench:search: p95 246 ms instead of 121).
  const bounded = <T>(run: (tx: Db) => Promise<T>) =>
    db.transaction(
      async (tx) => {
        await tx.execute(
          sql`select set_config('statement_timeout', ${String(timeoutMs)}, true), set_config('cpu_operator_cost', ${TEXT_AWARE_OPERATOR_COST}, true)`,
        );
        return run(tx as unknown as Db);
      },
      { accessMode: 'read only' },
    );

  /** The (receivedAt, id) of matches, in no order: at most `limit` of them. */
  const keysOf = async (tx: Db, where: SQL | undefined, limit?: number) => {
    const select = tx
      .select({ receivedAt: iso(alerts.receivedAt), id: alerts.id })
      .from(alerts)
      .where(where);
    const rows = await (limit === undefined ? select : select.limit(limit));
    return rows.map((row) => ({ receivedAt: Date.parse(row.receivedAt), id: row.id }));
  };

  /** The alerts with these ids (all within `window`), in the order of `keys`. */
  const rowsOf = async (tx: Db, tenant: string, keys: readonly Position[]) => {
    if (keys.length === 0) return [];
    const times = new Set(keys.map((key) => new Date(key.receivedAt).toISOString()));
    const rows = (await tx
      .select(COLUMNS)
      .from(alerts)
      .where(
        and(
          eq(alerts.tenant, tenant),
          inArray(
            alerts.id,
            keys.map((key) => key.id),
          ),
          // The keys' exact times skip the other days' partitions and probe the primary key
          // (received_at, id): a partition still taking writes has no index on id alone.
          inArray(alerts.receivedAt, [...times]),
        ),
      )) as Row[];
    const byId = new Map(rows.map((row) => [row.id as string, row]));
    return keys.flatMap((key) => byId.get(key.id) ?? []);
  };

  /**
   * Why two ways to read a page: with many matches, walking the (tenant, received_at) index in order
   * stops after one page. With few, that walk can cross the whole window for a handful of rows
   * (PostgreSQL cannot know how rare a combination of filters is); then collecting the matches
   * through the filter indexes, sorting their keys here and fetching the page by id is bounded by
   * the match count (at most countCap). A first page learns which case it is from the capped key
   * query that also yields its count; later pages from the count the cursor carries.
   */
  const execute: StoreExecutor = async (query: StoreQuery) => {
    const conditions = postgresConditions(query.filters, query.window);
    const direction = query.sort === 'asc' ? 1 : -1;
    const after = query.after
      ? sql`(${alerts.receivedAt}, ${alerts.id}) ${sql.raw(query.sort === 'asc' ? '>' : '<')} (${new Date(query.after.receivedAt).toISOString()}::timestamptz, ${query.after.id}::uuid)`
      : undefined;
    const pageOf = async (tx: Db, keys: Position[]) => {
      keys.sort((a, b) => direction * comparePositions(a, b));
      return rowsOf(tx, query.filters.tenant, keys.slice(0, query.size));
    };
    const inOrder = (tx: Db) => {
      const order = query.sort === 'asc' ? asc : desc;
      return tx
        .select(COLUMNS)
        .from(alerts)
        .where(and(...conditions, after))
        .orderBy(order(alerts.receivedAt), order(alerts.id))
        .limit(query.size) as Promise<Row[]>;
    };

    const { rows, count } = await bounded(async (tx) => {
      if (query.counted !== null) {
        const rows =
          query.counted < countCap ? await pageOf(tx, await keysOf(tx, and(...conditions, after))) : await inOrder(tx);
        return { rows, count: query.counted };
      }
      // First page (no cursor): the capped key query is both the count and, when few, the matches.
      const keys = await keysOf(tx, and(...conditions), countCap + 1);
      if (keys.length <= countCap) return { rows: await pageOf(tx, keys), count: keys.length };
      return { rows: await inOrder(tx), count: keys.length };
    });
    return {
      items: rows.map(toAlert),
      total: count > countCap ? { value: countCap, relation: 'gte' } : { value: count, relation: 'eq' },
    };
  };

  const lookup: StoreLookup = async (tenant, id) => {
    // A time-ordered id names its receipt time: one partition's primary key answers.
    const receivedAt = receivedAtOfId(id);
    const rows = await bounded((tx) =>
      tx
        .select(COLUMNS)
        .from(alerts)
        .where(
          and(
            eq(alerts.id, id),
            eq(alerts.tenant, tenant),
            receivedAt === null ? undefined : eq(alerts.receivedAt, receivedAt),
          ),
        )
        .limit(1),
    );
    const [row] = rows as Row[];
    return row ? toAlert(row) : null;
  };

  return { execute, lookup };
}
