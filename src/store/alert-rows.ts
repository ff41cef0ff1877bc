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

/**
 * Bulk-inserts rows into their daily partitions (which must exist) in one statement; an id already
 * stored is skipped, so a replayed batch inserts nothing twice.
 */
export async function insertAlertRows(sql: Sql | TransactionSql, rows: readonly AlertRow[]): Promise<void> {
  const records = rows.map(({ alert, contentHash, startedAt }) => ({
    received_at: alert.receivedAt,
    id: alert.id,
    tenant: alert.tenant,
    fingerprint: alert.fingerprint,
    provider_type: alert.providerType,
    provider_id: alert.providerId,
    event_id: alert.eventId,
    name: alert.name,
    status: alert.status,
    severity: alert.severity,
    source: alert.source,
    service: alert.service,
    environment: alert.environment,
    description: alert.description,
    message: alert.message,
    url: alert.url,
    labels: alert.labels,
    extra: alert.extra,
    content_hash: contentHash,
    started_at: startedAt,
    last_received: alert.lastReceived,
  }));
  await sql`
    insert into alerts (received_at, id, tenant, fingerprint, provider_type, provider_id, event_id, name, status, severity,
                        source, service, environment, description, message, url, labels, extra, content_hash, started_at,
                        last_received)
    select * from jsonb_to_recordset(${JSON.stringify(records)}::jsonb) as r(received_at timestamptz, id uuid, tenant text,
      fingerprint text, provider_type text, provider_id text, event_id text, name text, status text, severity text,
      source text[], service text, environment text, description text, message text, url text, labels jsonb, extra jsonb,
      content_hash text, started_at timestamptz, last_received timestamptz)
    on conflict do nothing`;
}
