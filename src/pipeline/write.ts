import { randomUUID } from 'node:crypto';
import type { TransactionSql } from 'postgres';
import { type AlertKey, alertKey } from '../alert/alert-key.js';
import { recordSourceTransitions, type SourceTransitionRow } from '../lifecycle/source-transitions.js';
import { insertAlertRows } from '../store/alert-rows.js';
import type { Sql } from '../store/db.js';
import { ensurePartitions, isMissingPartitionError } from '../store/partitions.js';
import type { CommittedAlert, CommittedBatch } from './committed-batch.js';
import type { DecidedAlert, StoredAlert } from './decide.js';
import type { EntryHead } from './ingest-log.js';
import { commitOffsets, type OffsetMove } from './offsets.js';

export interface WriteInput {
  decided: readonly DecidedAlert[];
  /** Heads of the entries that carry the request's raw payload. */
  raws: readonly EntryHead[];
  offsets: readonly OffsetMove[];
  /** Outbox rows whose outputs all ran: deleted in this transaction, which costs no extra round trip. */
  drainedOutbox: readonly string[];
  /** Names a shard's outbox rows (the namespace's shard tag). */
  shardKeyOf(shard: number): string;
}

export interface WriteResult {
  /** Per shard, the stored alerts that are now current; each one has its outbox row. */
  batches: CommittedBatch[];
  /** The content hash each written fingerprint ends with, for the shard's dedup state. */
  lastHashes: { shard: number; tenant: string; fingerprint: string; hash: string }[];
  /** Full duplicates dropped, by provider type. */
  duplicates: Map<string, number>;
  /** Stored occurrences older than the fingerprint's state (their lane was overtaken): history only. */
  stale: number;
}

/** Per-fingerprint summary written to last_alert: the newest stored occurrence plus duplicates seen. */
interface LastAlertRow {
  tenant: string;
  fingerprint: string;
  shard: number;
  provider_type: string;
  content_hash: string;
  seen_at: string;
  entry_position: string;
  duplicates: number;
  /** The stored occurrence's id, status and severity; null while the batch saw only duplicates. */
  alert_id: string | null;
  status: string | null;
  severity: string | null;
}

type Upserted = SourceTransitionRow & {
  shard: number;
  first_seen: string;
  inserted: boolean;
  episode_started_at: string | null;
  entry_position: string;
  content_hash: string;
};

/**
 * The write stage: one transaction stores the batch's alerts and raw payloads in their daily
 * partitions, upserts last_alert, records source transitions, moves the stream offsets (fenced)
 * and writes one outbox row per shard. SQL only: the decisions were made before.
 */
export async function writeBatch(sql: Sql, input: WriteInput): Promise<WriteResult> {
  const lastRows = summarize(input.decided);
  const stored = input.decided.filter((item): item is StoredAlert => item.decision !== 'duplicate');
  const outboxIds = new Map<number, string>();
  for (const item of stored) if (!outboxIds.has(item.shard)) outboxIds.set(item.shard, randomUUID());

  const transaction = () =>
    sql.begin(async (tx) => {
      if (input.drainedOutbox.length > 0)
        await tx`delete from ingest_outbox where id = any(${input.drainedOutbox as string[]}::uuid[])`;
      const upserted = await upsertLastAlerts(tx, lastRows);
      await recordSourceTransitions(tx, upserted);
      const states = new Map(upserted.map((row) => [alertKey(row.tenant, row.fingerprint), row]));
      if (stored.length > 0) {
        await insertAlertRows(
          tx,
          stored.map(({ alert, hash, key }) => ({
            alert,
            contentHash: hash,
            startedAt: states.get(key)?.first_seen ?? alert.receivedAt,
          })),
        );
      }
      if (input.raws.length > 0) await insertRaw(tx, input.raws);
      const { batches, stale } = committedBatches(stored, states, outboxIds);
      await insertOutbox(tx, batches, input.shardKeyOf);
      await commitOffsets(tx, input.offsets);
      return { upserted, batches, stale };
    });

  let result: Awaited<ReturnType<typeof transaction>>;
  try {
    result = await transaction();
  } catch (error) {
    if (!isMissingPartitionError(error)) throw error;
    const times = stored.map((item) => Date.parse(item.receivedAt));
    await ensurePartitions(sql, new Date(Math.min(...times)), new Date(Math.max(...times)));
    result = await transaction();
  }
  return {
    batches: result.batches,
    lastHashes: result.upserted.map((row) => ({
      shard: row.shard,
      tenant: row.tenant,
      fingerprint: row.fingerprint,
      hash: row.content_hash,
    })),
    duplicates: countDuplicates(input.decided),
    stale: result.stale,
  };
}

function summarize(decided: readonly DecidedAlert[]): LastAlertRow[] {
  const rows = new Map<AlertKey, LastAlertRow>();
  for (const item of decided) {
    const row = rows.get(item.key);
    if (item.decision === 'duplicate' && row) {
      row.duplicates++;
      row.seen_at = item.receivedAt;
      continue;
    }
    const stored = item.decision === 'duplicate' ? null : item.alert;
    rows.set(item.key, {
      tenant: item.tenant,
      fingerprint: item.fingerprint,
      shard: item.shard,
      provider_type: item.providerType,
      content_hash: item.hash,
      seen_at: item.receivedAt,
      entry_position: item.position,
      duplicates: stored ? (row?.duplicates ?? 0) : 1,
      alert_id: stored?.id ?? null,
      status: stored?.status ?? null,
      severity: stored?.severity ?? null,
    });
  }
  return [...rows.values()];
}

/**
 * Upserts fingerprints that got a stored occurrence and bumps the counters of those that only saw
 * duplicates. The state only moves forward by log position: an older occurrence (read late because
 * the urgent lane overtook it) is stored as history but never replaces a newer state.
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
                                 first_seen, last_seen, duplicate_count, state, episode_started_at, entry_position)
    select tenant, fingerprint, shard, alert_id, provider_type, content_hash, status, severity, seen_at, seen_at, duplicates,
           status, seen_at, entry_position
    from jsonb_to_recordset(${JSON.stringify(stored)}::jsonb) as r(tenant text, fingerprint text, shard int, alert_id uuid,
      provider_type text, content_hash text, status text, severity text, seen_at timestamptz, duplicates bigint,
      entry_position bigint)
    on conflict (tenant, fingerprint) do update set
      alert_id = case when excluded.entry_position >= l.entry_position then excluded.alert_id else l.alert_id end,
      content_hash = case when excluded.entry_position >= l.entry_position then excluded.content_hash else l.content_hash end,
      status = case when excluded.entry_position >= l.entry_position then excluded.status else l.status end,
      severity = case when excluded.entry_position >= l.entry_position then excluded.severity else l.severity end,
      shard = excluded.shard,
      last_seen = greatest(l.last_seen, excluded.last_seen),
      duplicate_count = l.duplicate_count + excluded.duplicate_count,
      -- Lifecycle (rules in src/lifecycle/transitions.ts): an operator suppression holds, a resolved
      -- occurrence resolves, an acknowledgement holds until then, else the status of the source applies.
      previous_state = l.state,
      state = case
        when excluded.entry_position < l.entry_position then l.state
        when l.muted then 'suppressed'
        when excluded.status = 'resolved' then 'resolved'
        when l.state = 'acknowledged' then l.state
        else excluded.status end,
      episode_started_at = case
        when excluded.entry_position >= l.entry_position and l.state = 'resolved' and excluded.status <> 'resolved'
          then excluded.last_seen
        else l.episode_started_at end,
      entry_position = greatest(l.entry_position, excluded.entry_position)
    returning tenant, fingerprint, shard, first_seen, (xmax = 0) as inserted, provider_type, previous_state, state,
      episode_started_at, entry_position::text as entry_position, content_hash`;
}

/**
 * The stored alerts in batch order, each with the state its fingerprint was left in, except those
 * of fingerprints whose state was already newer than anything this batch held (stale: history).
 */
function committedBatches(
  stored: readonly StoredAlert[],
  states: ReadonlyMap<AlertKey, Upserted>,
  outboxIds: ReadonlyMap<number, string>,
): { batches: CommittedBatch[]; stale: number } {
  const lastPosition = new Map<AlertKey, string>();
  for (const { key, position } of stored) lastPosition.set(key, position);
  const byShard = new Map<number, CommittedBatch>();
  const seen = new Set<AlertKey>();
  let stale = 0;
  for (const { alert, json, decision, shard, key } of stored) {
    const state = states.get(key);
    const first = !seen.has(key);
    seen.add(key);
    if (!state) continue;
    if (state.entry_position !== lastPosition.get(key)) {
      stale++;
      continue;
    }
    const committed: CommittedAlert = {
      alert,
      json,
      change: decision === 'unseen' && state.inserted && first ? 'new' : 'changed',
      state: state.state,
      episodeStartedAt: state.episode_started_at === null ? null : new Date(state.episode_started_at).toISOString(),
    };
    let batch = byShard.get(shard);
    if (!batch) {
      batch = { id: outboxIds.get(shard) as string, shard, alerts: [] };
      byShard.set(shard, batch);
    }
    batch.alerts.push(committed);
  }
  return { batches: [...byShard.values()], stale };
}

async function insertOutbox(
  tx: TransactionSql,
  batches: readonly CommittedBatch[],
  shardKeyOf: (shard: number) => string,
): Promise<void> {
  if (batches.length === 0) return;
  const rows = batches.map((batch) => {
    const times = batch.alerts.map(({ alert }) => alert.receivedAt).sort();
    return {
      id: batch.id,
      shard_key: shardKeyOf(batch.shard),
      alert_ids: batch.alerts.map(({ alert }) => alert.id),
      received_from: times[0],
      received_to: times[times.length - 1],
    };
  });
  await tx`
    insert into ingest_outbox (id, shard_key, alert_ids, received_from, received_to)
    select id, shard_key, array(select jsonb_array_elements_text(alert_ids))::uuid[], received_from, received_to
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(id uuid, shard_key text, alert_ids jsonb,
      received_from timestamptz, received_to timestamptz)`;
}

async function insertRaw(tx: TransactionSql, heads: readonly EntryHead[]): Promise<void> {
  const rows = heads.map((head) => ({
    received_at: head.receivedAt,
    request_id: head.requestId,
    tenant: head.tenant,
    provider_type: head.providerType,
    payload: head.raw,
  }));
  await tx`
    insert into alert_raw (received_at, request_id, tenant, provider_type, payload)
    select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(received_at timestamptz, request_id uuid, tenant text,
      provider_type text, payload jsonb)
    on conflict do nothing`;
}

function countDuplicates(decided: readonly DecidedAlert[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of decided) {
    if (item.decision === 'duplicate') counts.set(item.providerType, (counts.get(item.providerType) ?? 0) + 1);
  }
  return counts;
}
