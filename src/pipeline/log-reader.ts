import type { RedisClient } from '../redis.js';
import { type IngestPart, PART_FIELD } from './ingest-log.js';
import { LANES, type Lane, streamKey } from './ingest-streams.js';

/** One entry read from a shard's lane. */
export interface LogEntry {
  shard: number;
  lane: Lane;
  stream: string;
  id: string;
  part: IngestPart;
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
      for (const [id, fields] of items) entries.push({ shard, lane, stream, id, part: decodePart(fields) });
    }
  }
  return entries;
}

function decodePart(fields: string[]): IngestPart {
  const index = fields.indexOf(PART_FIELD);
  return JSON.parse(fields[index + 1] as string) as IngestPart;
}
