import type { TransactionSql } from 'postgres';
import type { Alert } from '../alert/alert.js';
import { contentHash } from '../alert/content-hash.js';
import type { DedupDecision, DedupState, LastHashLookup } from '../alert/dedup.js';
import type { DedupRuleCache } from '../alert/dedup-rules.js';
import { recordSourceTransitions, type SourceTransitionRow } from '../lifecycle/source-transitions.js';
import type { IngestPart } from '../queue/ingest-queues.js';
import { insertAlertRows } from './alert-rows.js';
import type { Sql } from './db.js';
import { ensurePartitions, isMissingPartitionError } from './partitions.js';

/** A stored alert and whether its fingerprint was new or had changed. */
export interface CommittedAlert {
  alert: Alert;
  change: 'new' | 'changed';
}

export interface BatchOutcome {
  committed: CommittedAlert[];
  /** Full duplicates dropped, by provider type. */
  duplicates: Map<string, number>;
}

interface Decided {
  alert: Alert;
  hash: string;
  decision: DedupDecision;
}

/** Per-fingerprint summary written to last_alert: the newest stored occurrence plus duplicates seen. */
interface LastAlertRow {
  tenant: string;
  fingerprint: string;
  shard: number;
  alert_id: string | null;
  provider_type: string;
  content_hash: string;
  status: string;
  severity: string;
  seen_at: string;
  duplicates: number;
}

/**
 * Writes one shard's batch of request parts in a single transaction: dedup decisions, last_alert
 * upsert, alerts and raw payloads into their daily partitions. Idempotent: a replayed part inserts nothing
 * twice because alert ids are deterministic.
 */
export class BatchWriter {
  constructor(
    private readonly sql: Sql,
    private readonly rules: DedupRuleCache,
  ) {}

  async write(shard: number, parts: readonly IngestPart[], dedup: DedupState): Promise<BatchOutcome> {
    const alerts = parts.flatMap((part) => part.alerts);
    const decided = await this.decide(alerts, dedup);
    const lastRows = summarize(shard, decided);
    const stored = decided.filter((item) => item.decision !== 'duplicate');
    const raws = parts.filter((part) => part.raw !== undefined);

    const transaction = () =>
      this.sql.begin(async (tx) => {
        const upserted = lastRows.length > 0 ? await upsertLastAlerts(tx, lastRows) : [];
        await recordSourceTransitions(tx, upserted);
        const firstSeen = new Map(upserted.map((row) => [`${row.tenant}\u0000${row.fingerprint}`, row]));
        if (stored.length > 0) {
          await insertAlertRows(
            tx,
            stored.map(({ alert, hash }) => ({
              alert,
              contentHash: hash,
              startedAt: firstSeen.get(`${alert.tenant}\u0000${alert.fingerprint}`)?.first_seen ?? alert.receivedAt,
            })),
          );
        }
        if (raws.length > 0) await insertRaw(tx, raws);
        return firstSeen;
      });
    let upserted: Awaited<ReturnType<typeof transaction>>;
    try {
      upserted = await transaction();
    } catch (error) {
      if (!isMissingPartitionError(error)) throw error;
      const times = alerts.map((alert) => Date.parse(alert.receivedAt));
      await ensurePartitions(this.sql, new Date(Math.min(...times)), new Date(Math.max(...times)));
      upserted = await transaction();
    }

    for (const item of stored) dedup.remember(item.alert.tenant, item.alert.fingerprint, item.hash);
    return { committed: classify(stored, upserted), duplicates: countDuplicates(decided) };
  }

  private async decide(alerts: readonly Alert[], dedup: DedupState): Promise<Decided[]> {
    const withHash = alerts.map((alert) => {
      const rule = this.rules.ruleFor(alert.tenant, alert.providerType, alert.providerId);
      return { alert, hash: contentHash(alert, rule.ignoreFields), fullDeduplication: rule.fullDeduplication };
    });
    const decisions = await dedup.decide(
      withHash.map(({ alert, hash, fullDeduplication }) => ({
        tenant: alert.tenant,
        fingerprint: alert.fingerprint,
        contentHash: hash,
        fullDeduplication,
      })),
      this.lookupLastHashes,
    );
    return withHash.map((item, i) => ({ alert: item.alert, hash: item.hash, decision: decisions[i] as DedupDecision }));
  }

  private readonly lookupLastHashes: LastHashLookup = async (keys) => {
    const rows = await this.sql<{ tenant: string; fingerprint: string; content_hash: string }[]>`
      select l.tenant, l.fingerprint, l.content_hash from last_alert l
      join unnest(${keys.map((key) => key.tenant)}::text[], ${keys.map((key) => key.fingerprint)}::text[]) as k(tenant, fingerprint)
        on l.tenant = k.tenant and l.fingerprint = k.fingerprint`;
    return new Map(rows.map((row) => [`${row.tenant}\u0000${row.fingerprint}`, row.content_hash]));
  };
}

function summarize(shard: number, decided: readonly Decided[]): LastAlertRow[] {
  const rows = new Map<string, LastAlertRow>();
  for (const { alert, hash, decision } of decided) {
    const key = `${alert.tenant}\u0000${alert.fingerprint}`;
    const row = rows.get(key);
    if (decision === 'duplicate') {
      if (row) {
        row.duplicates++;
        row.seen_at = alert.receivedAt;
      } else {
        rows.set(key, { ...baseRow(shard, alert, hash), alert_id: null, duplicates: 1 });
      }
    } else {
      rows.set(key, { ...baseRow(shard, alert, hash), alert_id: alert.id, duplicates: row?.duplicates ?? 0 });
    }
  }
  return [...rows.values()];
}

function baseRow(shard: number, alert: Alert, hash: string): Omit<LastAlertRow, 'alert_id' | 'duplicates'> {
  return {
    tenant: alert.tenant,
    fingerprint: alert.fingerprint,
    shard,
    provider_type: alert.providerType,
    content_hash: hash,
    status: alert.status,
    severity: alert.severity,
    seen_at: alert.receivedAt,
  };
}

type Upserted = SourceTransitionRow & { first_seen: string; inserted: boolean };

/**
 * Upserts fingerprints that got a stored occurrence and bumps the counters of those that only saw
 * duplicates. A row only replaces the stored state when it is not older than it, so a retried,
 * older job never rolls the last state back.
 */
async function upsertLastAlerts(tx: TransactionSql, rows: LastAlertRow[]): Promise<Upserted[]> {
  const stored = rows.filter((row) => row.alert_id !== null);
  const duplicatesOnly = rows.filter((row) => row.alert_id === null);
  if (duplicatesOnly.length > 0) {
    await tx`
      update last_alert as l set duplicate_count = l.duplicate_count + r.duplicates, last_seen = greatest(l.last_seen, r.seen_at)
      from jsonb_to_recordset(${JSON.stringify(duplicatesOnly)}::jsonb) as r(tenant text, fingerprint text, seen_at timestamptz, duplicates bigint)
      where l.tenant = r.tenant and l.fingerprint = r.fingerprint`;
  }
  if (stored.length === 0) return [];
  return tx<Upserted[]>`
    insert into last_alert as l (tenant, fingerprint, shard, alert_id, provider_type, content_hash, status, severity,
                                 first_seen, last_seen, duplicate_count, state, episode_started_at)
    select tenant, fingerprint, shard, alert_id, provider_type, content_hash, status, severity, seen_at, seen_at, duplicates,
           status, seen_at
    from jsonb_to_recordset(${JSON.stringify(stored)}::jsonb) as r(tenant text, fingerprint text, shard int, alert_id uuid,
      provider_type text, content_hash text, status text, severity text, seen_at timestamptz, duplicates bigint)
    on conflict (tenant, fingerprint) do update set
      alert_id = case when excluded.last_seen >= l.last_seen then excluded.alert_id else l.alert_id end,
      content_hash = case when excluded.last_seen >= l.last_seen then excluded.content_hash else l.content_hash end,
      status = case when excluded.last_seen >= l.last_seen then excluded.status else l.status end,
      severity = case when excluded.last_seen >= l.last_seen then excluded.severity else l.severity end,
      shard = excluded.shard,
      last_seen = greatest(l.last_seen, excluded.last_seen),
      duplicate_count = l.duplicate_count + excluded.duplicate_count,
      -- Lifecycle (rules in src/lifecycle/transitions.ts): an operator suppression holds, a resolved
      -- occurrence resolves, an acknowledgement holds until then, else the status of the source applies.
      previous_state = l.state,
      state = case
        when excluded.last_seen < l.last_seen then l.state
        when l.muted then 'suppressed'
        when excluded.status = 'resolved' then 'resolved'
        when l.state = 'acknowledged' then l.state
        else excluded.status end,
      episode_started_at = case
        when excluded.last_seen >= l.last_seen and l.state = 'resolved' and excluded.status <> 'resolved' then excluded.last_seen
        else l.episode_started_at end
    returning tenant, fingerprint, first_seen, (xmax = 0) as inserted, provider_type, previous_state, state`;
}

async function insertRaw(tx: TransactionSql, parts: readonly IngestPart[]): Promise<void> {
  const rows = parts.map((part) => ({
    received_at: part.alerts[0]?.receivedAt,
    request_id: part.requestId,
    tenant: part.tenant,
    provider_type: part.providerType,
    payload: part.raw,
  }));
  await tx`
    insert into alert_raw (received_at, request_id, tenant, provider_type, payload)
    select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(received_at timestamptz, request_id uuid, tenant text,
      provider_type text, payload jsonb)
    on conflict do nothing`;
}

/** The first stored occurrence of a fingerprint that last_alert did not know is new; the rest changed. */
function classify(stored: readonly Decided[], upserted: Map<string, Upserted>): CommittedAlert[] {
  const seen = new Set<string>();
  return stored.map(({ alert, decision }) => {
    const key = `${alert.tenant}\u0000${alert.fingerprint}`;
    const isNew = decision === 'unseen' && upserted.get(key)?.inserted === true && !seen.has(key);
    seen.add(key);
    return { alert, change: isNew ? 'new' : 'changed' };
  });
}

function countDuplicates(decided: readonly Decided[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of decided) {
    if (item.decision === 'duplicate')
      counts.set(item.alert.providerType, (counts.get(item.alert.providerType) ?? 0) + 1);
  }
  return counts;
}
