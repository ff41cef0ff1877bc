import { type Client, errors } from '@elastic/elasticsearch';
import type postgres from 'postgres';
import type { Sql } from '../store/db.js';
import { countRows } from '../store/partition-detach.js';
import { type BulkDocument, type BulkOptions, type BulkStats, bulkIndex } from './bulk-indexer.js';

/** One daily table and the index its rows go to. */
export interface CopyTarget {
  kind: 'alerts' | 'raw';
  table: string;
  index: string;
}

/** Connections and tuning for copying tables into indices. */
export interface CopyDeps {
  sql: Sql;
  client: Client;
  bulk: Omit<BulkOptions, 'index' | 'signal'>;
  /** Rows fetched per cursor round trip. */
  cursorRows: number;
}

/** Elasticsearch does not hold every row of the table: the partition must stay. */
export class ArchiveMismatchError extends Error {
  constructor(
    readonly target: CopyTarget,
    readonly pgRows: number,
    readonly esCount: number,
  ) {
    super(`count mismatch: ${target.table} has ${pgRows} rows, ${target.index} holds ${esCount} documents`);
    this.name = 'ArchiveMismatchError';
  }
}

/** ISO-8601 UTC with milliseconds, the Alert model's time format. */
const iso = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * Each row as its Elasticsearch document, built by PostgreSQL as JSON text: nothing is parsed or
 * re-serialized in Node, which keeps the copy cheap at hundreds of GB a day.
 */
const DOCUMENT_SQL: Record<CopyTarget['kind'], string> = {
  alerts: `select id::text as id, json_build_object(
      'id', id, 'tenant', tenant, 'fingerprint', fingerprint, 'providerType', provider_type,
      'providerId', provider_id, 'eventId', event_id, 'name', name, 'status', status, 'severity', severity,
      'source', source, 'service', service, 'environment', environment, 'description', description,
      'message', message, 'url', url, 'labels', labels, 'extra', extra, 'contentHash', content_hash,
      'startedAt', ${iso('started_at')}, 'lastReceived', ${iso('last_received')}, 'receivedAt', ${iso('received_at')}
    )::text as source`,
  raw: `select request_id::text as id, json_build_object(
      'requestId', request_id, 'tenant', tenant, 'providerType', provider_type,
      'receivedAt', ${iso('received_at')}, 'payload', payload
    )::text as source`,
};

const ID_SQL: Record<CopyTarget['kind'], string> = {
  alerts: 'select id::text as id',
  raw: 'select request_id::text as id',
};

async function* rowsOf<T extends postgres.Row>(sql: Sql, select: string, table: string, batch: number) {
  // `table` is a generated daily table name (alerts_pYYYYMMDD), never input.
  for await (const rows of sql.unsafe<T[]>(`${select} from "${table}"`).cursor(batch)) yield* rows;
}

/** Creates the day's index (settings and mappings come from the template) unless it exists. */
export async function ensureIndex(client: Client, index: string): Promise<void> {
  if (await client.indices.exists({ index })) return;
  try {
    await client.indices.create({ index });
  } catch (error) {
    const type = error instanceof errors.ResponseError ? error.body?.error?.type : undefined;
    if (type !== 'resource_already_exists_exception') throw error;
  }
}

/** Streams every row of the table into its index (idempotent: `_id` is the row's id). */
export async function copyTable(deps: CopyDeps, target: CopyTarget, signal?: AbortSignal): Promise<BulkStats> {
  await ensureIndex(deps.client, target.index);
  const documents = rowsOf<BulkDocument>(deps.sql, DOCUMENT_SQL[target.kind], target.table, deps.cursorRows);
  return bulkIndex(deps.client, documents, { ...deps.bulk, index: target.index, signal });
}

/** Whether every id of the table is a document of the index (exact, in chunks of ids). */
async function holdsEveryRow(deps: CopyDeps, target: CopyTarget): Promise<boolean> {
  let chunk: string[] = [];
  const check = async () => {
    const { count } = await deps.client.count({ index: target.index, query: { ids: { values: chunk } } });
    const complete = count === chunk.length;
    chunk = [];
    return complete;
  };
  for await (const row of rowsOf<{ id: string }>(deps.sql, ID_SQL[target.kind], target.table, 5000)) {
    chunk.push(row.id);
    if (chunk.length >= 5000 && !(await check())) return false;
  }
  return chunk.length === 0 || (await check());
}

/**
 * Refreshes the index and checks it holds the table's rows: `_count` equals the row count, or,
 * when the index holds more (an earlier copy of the same day, re-created by a late write), every
 * row id is found. Throws ArchiveMismatchError otherwise.
 */
export async function verifyCopy(deps: CopyDeps, target: CopyTarget): Promise<{ pgRows: number; esCount: number }> {
  await deps.client.indices.refresh({ index: target.index });
  const [{ count: esCount }, pgRows] = await Promise.all([
    deps.client.count({ index: target.index }),
    countRows(deps.sql, target.table),
  ]);
  if (esCount === pgRows || (esCount > pgRows && (await holdsEveryRow(deps, target)))) return { pgRows, esCount };
  throw new ArchiveMismatchError(target, pgRows, esCount);
}

/** Current document count of an index (0 when it does not exist). */
export async function indexCount(client: Client, index: string): Promise<number> {
  if (!(await client.indices.exists({ index }))) return 0;
  await client.indices.refresh({ index });
  return (await client.count({ index })).count;
}
