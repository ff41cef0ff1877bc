import type { Alert } from '../alert/alert.js';
import { type SerializedAlert, serializeAlerts } from '../alert/content-hash.js';
import type { DedupRule } from '../alert/dedup-rules.js';
import { shardOf } from '../alert/identity.js';
import type { RedisClient } from '../redis.js';
import { EntryAppender } from './entry-appender.js';
import { type Lane, laneOf, shardClockKey, shardTag, streamKey } from './ingest-streams.js';

/** One request's alerts as accepted by the gateway, before they are split by shard and lane. */
export interface IngestRequest {
  requestId: string;
  tenant: string;
  providerType: string;
  providerId: string | null;
  alerts: Alert[];
  /** The provider payload as received, when raw storage selected it. */
  raw?: unknown;
}

/**
 * What the worker needs of an entry to decide its alerts: everything but the alert bodies, which
 * only the alerts that are stored (not duplicates) are parsed for.
 */
export interface EntryHead {
  requestId: string;
  tenant: string;
  providerType: string;
  providerId: string | null;
  /** The gateway's accept time, shared by every alert of a request. */
  receivedAt: string;
  /** Per alert, in order: its fingerprint and its contentHash under the tenant's dedup rule (computed once, where the gateway scales out). */
  fingerprints: string[];
  hashes: string[];
  /** The raw payload rides on the request's first part only. */
  raw?: unknown;
}

/** One stream entry decoded whole: the alerts of one request that fall into one shard and lane (dead letters keep this form). */
export interface IngestPart extends Omit<EntryHead, 'receivedAt' | 'fingerprints'> {
  alerts: Alert[];
}

/**
 * The entry field: the head's JSON, then each alert's JSON, one per line (JSON text has no raw
 * newline), so a reader can take the head alone and parse an alert only when it needs it.
 */
export const ENTRY_FIELD = 'entry';

/**
 * Producer side of the ingest log: appends each request as one entry per (shard, lane) it touches.
 * The appends of every request parsed in one event-loop turn travel together (EntryAppender: group
 * commit across requests and shards). Resolves once Redis holds them all.
 */
export class IngestLog {
  private readonly appender: EntryAppender;

  constructor(
    readonly redis: RedisClient,
    readonly namespace: string,
    readonly shards: number,
    private readonly ruleFor: (tenant: string, providerType: string, providerId: string | null) => DedupRule,
  ) {
    this.appender = new EntryAppender(redis, ENTRY_FIELD);
  }

  /** Appends the request's parts; returns how many entries were written. Fails fast when Redis is away. */
  async append(request: IngestRequest): Promise<number> {
    if (this.redis.status !== 'ready') throw new Error(`Redis is not connected (${this.redis.status})`);
    const { ignoreFields } = this.ruleFor(request.tenant, request.providerType, request.providerId);
    const parts = new Map<
      number,
      { shard: number; lane: Lane; receivedAt: string; fingerprints: string[]; hashes: string[]; alerts: string[] }
    >();
    const serialized = serializeAlerts(request.alerts, ignoreFields);
    for (const [index, alert] of request.alerts.entries()) {
      const shard = shardOf(alert.tenant, alert.fingerprint, this.shards);
      const lane = laneOf(alert.severity);
      const key = lane === 'urgent' ? -1 - shard : shard; // one number per (shard, lane)
      let slot = parts.get(key);
      if (!slot) {
        slot = { shard, lane, receivedAt: alert.receivedAt, fingerprints: [], hashes: [], alerts: [] };
        parts.set(key, slot);
      }
      const { json, contentHash } = serialized[index] as SerializedAlert;
      slot.alerts.push(json);
      slot.fingerprints.push(alert.fingerprint);
      slot.hashes.push(contentHash);
    }
    const { requestId, tenant, providerType, providerId } = request;
    let raw = request.raw;
    const writes: Promise<string>[] = [];
    for (const { shard, lane, receivedAt, fingerprints, hashes, alerts } of parts.values()) {
      const head = { requestId, tenant, providerType, providerId, receivedAt, fingerprints, hashes, raw };
      writes.push(this.write(shard, lane, encodeEntry(head, alerts)));
      raw = undefined;
    }
    await Promise.all(writes);
    return parts.size;
  }

  /**
   * Appends parts as they are (dead-letter replays), keeping their hashes: in their alerts' shard,
   * urgent when any alert is.
   */
  async appendParts(parts: readonly IngestPart[]): Promise<void> {
    await Promise.all(
      parts.map((part) => {
        const alert = part.alerts[0] as Alert;
        const lane: Lane = part.alerts.some((item) => laneOf(item.severity) === 'urgent') ? 'urgent' : 'normal';
        const json = part.alerts.map((item) => JSON.stringify(item));
        return this.write(shardOf(alert.tenant, alert.fingerprint, this.shards), lane, encodeEntry(headOf(part), json));
      }),
    );
  }

  private write(shard: number, lane: Lane, entry: string): Promise<string> {
    const { namespace } = this;
    return this.appender.append(
      shardClockKey(namespace, shard),
      streamKey(namespace, shard, lane),
      shardTag(namespace, shard),
      entry,
    );
  }
}

/** The head of an entry that holds `part` (a request's alerts share their receive time). */
export function headOf({ alerts, ...rest }: IngestPart): EntryHead {
  return { ...rest, receivedAt: alerts[0]?.receivedAt ?? '', fingerprints: alerts.map((alert) => alert.fingerprint) };
}

/** An entry's value (see ENTRY_FIELD); the alerts' JSON is spliced in as written, not re-serialized. */
function encodeEntry(head: EntryHead, alerts: readonly string[]): string {
  return `${JSON.stringify(head)}\n${alerts.join('\n')}`;
}
