import type { Status } from '../alert/alert.js';
import type { Sql } from '../store/db.js';
import { findStoredAlert } from './latest-alert.js';
import { type Action, applyAction } from './transitions.js';

/** A change an operator made, as recorded and streamed. */
export interface LifecycleChange {
  tenant: string;
  fingerprint: string;
  action: Action;
  from: Status;
  to: Status;
  actor: string;
  note: string | null;
  at: string;
  /** last_alert.alert_id: the fingerprint's newest stored occurrence. */
  alertId: string;
}

export type TransitionResult =
  | { outcome: 'applied'; change: LifecycleChange }
  | { outcome: 'not_found' }
  | { outcome: 'refused'; state: Status; allowedFrom: readonly Status[] };

/** One alert_lifecycle entry as the API shows it. */
export interface HistoryEntry {
  action: string;
  from: string | null;
  to: string;
  actor: string;
  note: string | null;
  details: Record<string, unknown> | null;
  at: string;
}

/**
 * Lifecycle state per fingerprint (on last_alert) and its append-only history (alert_lifecycle).
 * Times are read as epoch ms: the drizzle client leaves raw timestamptz values as PostgreSQL text.
 */
export class LifecycleStore {
  constructor(private readonly sql: Sql) {}

  /**
   * Applies an operator action in one transaction: the row is locked, so a concurrent batch write or
   * action sees the result, and the state and its history entry commit together.
   */
  async transition(
    tenant: string,
    fingerprint: string,
    action: Action,
    actor: string,
    note: string | null,
  ): Promise<TransitionResult> {
    return this.sql.begin(async (tx) => {
      const [row] = await tx<{ state: Status; status: Status; alert_id: string }[]>`
        select state, status, alert_id from last_alert where tenant = ${tenant} and fingerprint = ${fingerprint} for update`;
      if (!row) return { outcome: 'not_found' } as const;
      const next = applyAction(action, row.state, row.status);
      if (!next.ok) return { outcome: 'refused', state: row.state, allowedFrom: next.allowedFrom } as const;
      await tx`
        update last_alert set previous_state = state, state = ${next.to}, muted = ${next.muted}
        where tenant = ${tenant} and fingerprint = ${fingerprint}`;
      const [entry] = await tx<{ at_ms: number }[]>`
        insert into alert_lifecycle (tenant, fingerprint, action, from_state, to_state, actor, note)
        values (${tenant}, ${fingerprint}, ${action}, ${row.state}, ${next.to}, ${actor}, ${note})
        returning (extract(epoch from at) * 1000)::float8 as at_ms`;
      const at = new Date(entry?.at_ms ?? Date.now()).toISOString();
      return {
        outcome: 'applied',
        change: { tenant, fingerprint, action, from: row.state, to: next.to, actor, note, at, alertId: row.alert_id },
      } as const;
    });
  }

  /** The fingerprint's state, or null when the tenant has no such fingerprint. */
  async state(tenant: string, fingerprint: string): Promise<{ state: Status; muted: boolean } | null> {
    const [row] = await this.sql<{ state: Status; muted: boolean }[]>`
      select state, muted from last_alert where tenant = ${tenant} and fingerprint = ${fingerprint}`;
    return row ?? null;
  }

  /** Newest first. */
  async history(tenant: string, fingerprint: string, limit: number): Promise<HistoryEntry[]> {
    const rows = await this.sql<
      {
        action: string;
        from_state: string | null;
        to_state: string;
        actor: string;
        note: string | null;
        details: Record<string, unknown> | null;
        at_ms: number;
      }[]
    >`
      select action, from_state, to_state, actor, note, details, (extract(epoch from at) * 1000)::float8 as at_ms
      from alert_lifecycle
      where tenant = ${tenant} and fingerprint = ${fingerprint} order by at desc, id desc limit ${limit}`;
    return rows.map((row) => ({
      action: row.action,
      from: row.from_state,
      to: row.to_state,
      actor: row.actor,
      note: row.note,
      details: row.details,
      at: new Date(row.at_ms).toISOString(),
    }));
  }

  /** The change's alert as a lifecycle event carries it: newest occurrence, status = new state. */
  async alertOf(change: LifecycleChange) {
    const alert = await findStoredAlert(this.sql, change.tenant, change.alertId);
    return alert ? { ...alert, status: change.to } : null;
  }
}
