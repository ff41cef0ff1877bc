import type { RedisClient } from '../redis.js';
import { entryTime, LANES, type Lane, streamKey } from './ingest-streams.js';

/** One shard's backlog: entries not yet committed (the log is trimmed up to the committed offsets). */
export interface ShardDepth {
  shard: number;
  /** Entries per lane. */
  entries: Record<Lane, number>;
  /** Epoch ms of the oldest entry still in the shard's lanes, null when both are empty. */
  oldestAt: number | null;
}

/** Reads every shard's lane lengths and oldest entry ids; the client pipelines the commands. */
export async function sampleLogDepth(redis: RedisClient, namespace: string, shards: number): Promise<ShardDepth[]> {
  return Promise.all(
    Array.from({ length: shards }, async (_, shard) => {
      const lanes = await Promise.all(
        LANES.map(async (lane) => {
          const key = streamKey(namespace, shard, lane);
          const [length, first] = await Promise.all([redis.xlen(key), redis.xrange(key, '-', '+', 'COUNT', 1)]);
          const id = first[0]?.[0];
          return { lane, length, oldestAt: id === undefined ? null : entryTime(id) };
        }),
      );
      const stamps = lanes.flatMap((lane) => (lane.oldestAt === null ? [] : [lane.oldestAt]));
      return {
        shard,
        entries: Object.fromEntries(lanes.map((lane) => [lane.lane, lane.length])) as Record<Lane, number>,
        oldestAt: stamps.length === 0 ? null : Math.min(...stamps),
      };
    }),
  );
}
