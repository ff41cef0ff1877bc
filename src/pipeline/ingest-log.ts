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

/** One stream entry: the alerts of one request that fall into one shard and lane, with their content hashes. */
export interface IngestPart {
  requestId: string;
  tenant: string;
  providerType: string;
  providerId: string | null;
  alerts: Alert[];
  /** contentHash of each alert under the tenant's dedup rule, computed once, where the gateway scales out. */
  hashes: string[];
  /** The raw payload rides on the request's first part only. */
  raw?: unknown;
}

/** The entry field that holds an IngestPart as JSON. */
export const PART_FIELD = 'part';

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
    this.appender = new EntryAppender(redis, PART_FIELD);
  }

  /** Appends the request's parts; returns how many entries were written. Fails fast when Redis is away. */
  async append(request: IngestRequest): Promise<number> {
    if (this.redis.status !== 'ready') throw new Error(`Redis is not connected (${this.redis.status})`);
    const { ignoreFields } = this.ruleFor(request.tenant, request.providerType, request.providerId);
    const parts = new Map<number, { shard: number; lane: Lane; hashes: string[]; alerts: string[] }>();
    const serialized = serializeAlerts(request.alerts, ignoreFields);
    for (const [index, alert] of request.alerts.entries()) {
      const shard = shardOf(alert.tenant, alert.fingerprint, this.shards);
      const lane = laneOf(alert.severity);
      const key = lane === 'urgent' ? -1 - shard : shard; // one number per (shard, lane)
      let slot = parts.get(key);
      if (!slot) {
        slot = { shard, lane, hashes: [], alerts: [] };
        parts.set(key, slot);
      }
      const { json, contentHash } = serialized[index] as SerializedAlert;
      slot.alerts.push(json);
      slot.hashes.push(contentHash);
    }
    const { requestId, tenant, providerType, providerId } = request;
    let raw = request.raw;
    const writes: Promise<string>[] = [];
    for (const { shard, lane, hashes, alerts } of parts.values()) {
      writes.push(
        this.write(shard, lane, encodePart({ requestId, tenant, providerType, providerId, hashes, raw }, alerts)),
      );
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
        const { alerts, ...header } = part;
        const json = alerts.map((item) => JSON.stringify(item));
        return this.write(shardOf(alert.tenant, alert.fingerprint, this.shards), lane, encodePart(header, json));
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

/** An IngestPart's JSON from its header and its alerts' JSON, which is spliced in rather than re-serialized. */
function encodePart(header: Omit<IngestPart, 'alerts'>, alerts: readonly string[]): string {
  return `${JSON.stringify(header).slice(0, -1)},"alerts":[${alerts.join(',')}]}`;
}
