import type { Alert } from '../alert/alert.js';
import type { RedisClient } from '../redis.js';
import { ENTRY_FIELD, type EntryHead, headOf, type IngestPart } from './ingest-log.js';
import { LANES, type Lane, streamKey } from './ingest-streams.js';

/** One entry read from a shard's lane. */
export interface LogEntry {
  shard: number;
  lane: Lane;
  stream: string;
  id: string;
  head: EntryHead;
  /** Each alert's JSON, in the head's order: parsed (alertAt) only for the alerts that are stored. */
  alerts: string[];
}

/** Where reading resumes in a shard: the last entry id taken from each lane. */
export type ShardCursor = Record<Lane, string>;

type XReadReply = [stream: string, entries: [id: string, fields: string[]][]][] | null;

/**
 * Reads owned shards' lanes after their cursors: one non-blocking XREAD per shard (both lanes,
 * `count` entries each at most), all issued together so the client pipelines them. Entries come
 * back in id order within each lane.
 */
export async function readShards(
  redis: RedisClient,
  namespace: string,
  cursors: ReadonlyMap<number, ShardCursor>,
  count: number,
): Promise<LogEntry[]> {
  const replies = await Promise.all(
    [...cursors].map(async ([shard, cursor]) => {
      const keys = LANES.map((lane) => streamKey(namespace, shard, lane));
      const reply = (await redis.xread(
        'COUNT',
        count,
        'STREAMS',
        ...keys,
        ...LANES.map((lane) => cursor[lane]),
      )) as XReadReply;
      return { shard, keys, reply };
    }),
  );
  const entries: LogEntry[] = [];
  for (const { shard, keys, reply } of replies) {
    for (const [stream, items] of reply ?? []) {
      const lane = LANES[keys.indexOf(stream)] as Lane;
      for (const [id, fields] of items) entries.push({ shard, lane, stream, id, ...decodeEntry(fields) });
    }
  }
  return entries;
}

/** The entry's `index`th alert, parsed, with its JSON. */
export function alertAt(entry: Pick<LogEntry, 'alerts'>, index: number): { alert: Alert; json: string } {
  const json = entry.alerts[index] as string;
  return { alert: JSON.parse(json) as Alert, json };
}

/** The whole entry as one object (for the dead letters). */
export function wholePart({ head, alerts }: Pick<LogEntry, 'head' | 'alerts'>): IngestPart {
  const { receivedAt: _receivedAt, fingerprints: _fingerprints, ...rest } = head;
  return { ...rest, alerts: alerts.map((json) => JSON.parse(json) as Alert) };
}

function decodeEntry([field, value]: string[]): Pick<LogEntry, 'head' | 'alerts'> {
  if (field === ENTRY_FIELD) {
    const lines = (value as string).split('\n');
    return { head: JSON.parse(lines[0] as string) as EntryHead, alerts: lines.slice(1) };
  }
  // Written by a release before the head/alerts split (field `part`): the whole part as one object.
  const part = JSON.parse(value as string) as IngestPart;
  return { head: headOf(part), alerts: part.alerts.map((alert) => JSON.stringify(alert)) };
}
