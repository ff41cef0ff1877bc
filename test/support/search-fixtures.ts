/**
 * Puts alerts where the search reads them: rows in the partitioned `alerts` table (hot) and
 * documents in daily archive indices with the archiver's field types (archived).
 */
import type { Client, estypes } from '@elastic/elasticsearch';
import type { Alert } from '../../src/alert/alert.js';
import { archiveIndexName } from '../../src/archive/index-names.js';
import { insertAlertRows } from '../../src/store/alert-rows.js';
import type { Sql } from '../../src/store/db.js';
import { dayStart, ensurePartitions } from '../../src/store/partitions.js';

/** An alert as stored: the canonical fields plus the two the store adds. */
export interface StoredAlert extends Alert {
  startedAt: string;
  contentHash: string;
}

const keyword = { type: 'keyword' } as const;
const text = { type: 'text', analyzer: 'standard', fields: { keyword } } as const;
const date = { type: 'date' } as const;

/** The archive contract's field types (one index per UTC day, `_id` = alert id). */
export const ARCHIVE_MAPPINGS: estypes.MappingTypeMapping = {
  dynamic: 'strict',
  properties: {
    id: keyword,
    tenant: keyword,
    fingerprint: keyword,
    providerType: keyword,
    providerId: keyword,
    eventId: keyword,
    name: text,
    status: keyword,
    severity: keyword,
    source: keyword,
    service: keyword,
    environment: keyword,
    description: text,
    message: text,
    url: keyword,
    labels: { type: 'flattened' },
    extra: { type: 'object', enabled: false },
    contentHash: keyword,
    startedAt: date,
    lastReceived: date,
    receivedAt: date,
  },
};

/** Indexes `alerts` into `prefix`'s daily indices (created with the contract mapping) and refreshes. */
export async function archiveAlerts(
  es: Client,
  prefix: string,
  alerts: readonly StoredAlert[],
  mappings: estypes.MappingTypeMapping = ARCHIVE_MAPPINGS,
): Promise<void> {
  const indices = new Set(alerts.map((alert) => archiveIndexName(prefix, new Date(alert.receivedAt))));
  for (const index of indices) {
    if (await es.indices.exists({ index })) continue;
    await es.indices.create(
      { index, settings: { number_of_shards: 1, number_of_replicas: 0, refresh_interval: '-1' }, mappings },
      { ignore: [400] },
    );
  }
  for (let start = 0; start < alerts.length; start += 5000) {
    const operations = alerts
      .slice(start, start + 5000)
      .flatMap((alert) => [
        { index: { _index: archiveIndexName(prefix, new Date(alert.receivedAt)), _id: alert.id } },
        alert,
      ]);
    const response = await es.bulk({ operations });
    if (response.errors) {
      const failed = response.items.find((item) => item.index?.error)?.index?.error;
      throw new Error(`bulk indexing failed: ${JSON.stringify(failed)}`);
    }
  }
  if (indices.size > 0) await es.indices.refresh({ index: [...indices] });
}

/** Deletes every index of `prefix` (by name: wildcard deletes are refused by default). */
export async function deleteArchive(es: Client, prefix: string): Promise<void> {
  const indices = await es.cat.indices({ index: `${prefix}-*`, format: 'json', h: ['index'] });
  const names = indices.map((row) => row.index).filter((name): name is string => Boolean(name));
  if (names.length > 0) await es.indices.delete({ index: names }, { ignore: [404] });
}

/** Inserts `alerts` as hot rows, creating missing daily partitions first. */
export async function insertHotAlerts(sql: Sql, alerts: readonly StoredAlert[]): Promise<void> {
  if (alerts.length === 0) return;
  const times = alerts.map((alert) => Date.parse(alert.receivedAt));
  await ensurePartitions(sql, dayStart(new Date(Math.min(...times))), new Date(Math.max(...times)));
  await insertAlertRows(
    sql,
    alerts.map((alert) => ({ alert, contentHash: alert.contentHash, startedAt: alert.startedAt })),
  );
}

/** Deletes the hot rows of `tenants` (the partitions are shared with other tests and stay). */
export async function deleteHotAlerts(sql: Sql, tenants: readonly string[]): Promise<void> {
  await sql`delete from alerts where tenant = any(${tenants as string[]})`;
}

/** The canonical Alert of a stored one, as the API returns it. */
export function canonical({ startedAt: _s, contentHash: _c, ...alert }: StoredAlert): Alert {
  return alert;
}
