import type { TransactionSql } from 'postgres';
import type { Alert } from '../alert/alert.js';
import { receivedAtOfId } from '../alert/identity.js';
import type { Sql } from '../store/db.js';

const ISO = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

/** The columns of an `alerts` row as a canonical Alert, times as ISO-8601 UTC text. */
export function alertColumns(sql: Sql | TransactionSql) {
  return sql`id, event_id as "eventId", fingerprint, tenant, provider_type as "providerType", provider_id as "providerId",
    to_char(received_at at time zone 'UTC', ${sql.unsafe(ISO)}) as "receivedAt", name, status, severity,
    to_char(last_received at time zone 'UTC', ${sql.unsafe(ISO)}) as "lastReceived", description, message, source,
    service, environment, url, labels, extra`;
}

/**
 * The stored occurrence `alertId` of a tenant (last_alert.alert_id names a fingerprint's newest),
 * as a canonical Alert; null once its partition was archived. A time-ordered id names its receipt
 * time, so one partition's primary key answers; older ids use the sealed partitions' id hash index.
 */
export async function findStoredAlert(
  sql: Sql | TransactionSql,
  tenant: string,
  alertId: string,
): Promise<Alert | null> {
  const receivedAt = receivedAtOfId(alertId);
  const [row] = await sql<Alert[]>`
    select ${alertColumns(sql)}
    from alerts where id = ${alertId} and tenant = ${tenant}
      ${receivedAt === null ? sql`` : sql`and received_at = ${receivedAt}`}
    limit 1`;
  return row ?? null;
}
