import type { TransactionSql } from 'postgres';

/** What the last_alert upsert returns per fingerprint: enough to tell the transition it made. */
export interface SourceTransitionRow {
  tenant: string;
  fingerprint: string;
  provider_type: string;
  /** State before this write; null for a fingerprint seen for the first time. */
  previous_state: string | null;
  state: string;
}

/**
 * Appends the state changes an occurrence caused (e.g. a resolved alert resolving an acknowledged
 * one) to alert_lifecycle, inside the batch's transaction: a replayed batch is deduplicated before
 * it gets here, so history written after the commit could be lost for good; written here it is
 * exactly as durable as the state itself.
 */
export async function recordSourceTransitions(tx: TransactionSql, rows: readonly SourceTransitionRow[]): Promise<void> {
  const changed = rows
    .filter((row) => row.previous_state !== null && row.previous_state !== row.state)
    .map((row) => ({
      tenant: row.tenant,
      fingerprint: row.fingerprint,
      from_state: row.previous_state,
      to_state: row.state,
      actor: row.provider_type,
    }));
  if (changed.length === 0) return;
  await tx`
    insert into alert_lifecycle (tenant, fingerprint, action, from_state, to_state, actor)
    select tenant, fingerprint, 'source', from_state, to_state, actor
    from jsonb_to_recordset(${JSON.stringify(changed)}::jsonb) as r(tenant text, fingerprint text, from_state text,
      to_state text, actor text)`;
}
