import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { TransactionSql } from 'postgres';
import type { Alert } from '../alert/alert.js';
import type { Sql } from './db.js';

/** One `alerts` row: the alert plus what the pipeline derived for it. */
export interface AlertRow {
  alert: Alert;
  contentHash: string;
  /** Start of the fingerprint's firing (its first stored occurrence). */
  startedAt: string;
}

/** Columns in the order of the COPY lines below. */
const COLUMNS =
  'received_at, id, tenant, fingerprint, provider_type, provider_id, event_id, name, status, severity, source, ' +
  'service, environment, description, message, url, labels, extra, content_hash, started_at, last_received';

/** PostgreSQL's unique_violation: a row with this (received_at, id) is stored already. */
const UNIQUE_VIOLATION = '23505';

/**
 * Bulk-inserts rows into their daily partitions (which must exist) with COPY, which costs
 * PostgreSQL a third of the CPU per row of a JSON-decoding INSERT (npm run bench:write). COPY cannot
 * skip conflicts, so it runs in a savepoint: when a replayed batch hits ids already stored, the rows
 * go through a staging table and `on conflict do nothing` instead, and nothing is inserted twice.
 */
export async function insertAlertRows(sql: Sql | TransactionSql, rows: readonly AlertRow[]): Promise<void> {
  if (rows.length === 0) return;
  const lines = rows.map(copyLine).join('');
  try {
    await inSubtransaction(sql, (tx) => copyInto(tx, 'alerts', lines));
  } catch (error) {
    if ((error as { code?: string }).code !== UNIQUE_VIOLATION) throw error;
    await inSubtransaction(sql, async (tx) => {
      await tx`create temporary table alert_rows_replay (like alerts)`;
      await copyInto(tx, 'alert_rows_replay', lines);
      await tx.unsafe(
        `insert into alerts (${COLUMNS}) select ${COLUMNS} from alert_rows_replay on conflict do nothing`,
      );
      await tx`drop table alert_rows_replay`;
    });
  }
}

/** Runs `work` in a savepoint of the caller's transaction, or in a transaction of its own. */
function inSubtransaction(sql: Sql | TransactionSql, work: (tx: TransactionSql) => Promise<void>): Promise<void> {
  return 'savepoint' in sql ? sql.savepoint(work) : sql.begin(work);
}

async function copyInto(tx: TransactionSql, table: 'alerts' | 'alert_rows_replay', lines: string): Promise<void> {
  // COPY takes no bind parameters: the table is one of two fixed names, the values travel as data.
  const stream = await tx.unsafe(`copy ${table} (${COLUMNS}) from stdin`).writable();
  await pipeline(Readable.from([lines]), stream);
}

/** A row in COPY's text format: tab-separated fields, \N for null, newline-terminated. */
function copyLine({ alert, contentHash, startedAt }: AlertRow): string {
  const fields = [
    alert.receivedAt,
    alert.id,
    alert.tenant,
    alert.fingerprint,
    alert.providerType,
    alert.providerId,
    alert.eventId,
    alert.name,
    alert.status,
    alert.severity,
    arrayLiteral(alert.source),
    alert.service,
    alert.environment,
    alert.description,
    alert.message,
    alert.url,
    JSON.stringify(alert.labels),
    JSON.stringify(alert.extra),
    contentHash,
    startedAt,
    alert.lastReceived,
  ];
  return `${fields.map(copyField).join('\t')}\n`;
}

const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

function copyField(value: string | null): string {
  return value === null ? '\\N' : value.replace(/[\\\t\n\r]/g, (char) => COPY_ESCAPES[char] as string);
}

/** A text[] literal: every element quoted, with its backslashes and quotes escaped. */
function arrayLiteral(values: readonly string[]): string {
  return `{${values.map((value) => `"${value.replace(/[\\"]/g, '\\$&')}"`).join(',')}}`;
}
