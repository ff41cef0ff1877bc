import type { TransactionSql } from 'postgres';
import type { Alert } from '../alert/alert.js';
import type { Sql } from '../store/db.js';

const ISO = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

/**
 * The stored occurrence `alertId` of a tenant (last_alert.alert_id names a fingerprint's newest),
 * as a canonical Alert; null once its partition was archived. Uses the alerts_id_hash index.
 */
export async function findStoredAlert(
  sql: Sql | TransactionSql,
  tenant: string,
  alertId: string,
): Promise<Alert | null> {
  const [row] = await sql<Alert[]>`
    select id, event_id as "eventId", fingerprint, tenant, provider_type as "providerType", provider_id as "providerId",
      to_char(received_at at time zone 'UTC', ${sql.unsafe(ISO)}) as "receivedAt", name, status, severity,
      to_char(last_received at time zone 'UTC', ${sql.unsafe(ISO)}) as "lastReceived", description, message, source,
      service, environment, url, labels, extra
    from alerts where id = ${alertId} and tenant = ${tenant} limit 1`;
  return row ?? null;
}
