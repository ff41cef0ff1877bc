import { workerAnnouncementKey, workerRegistryKey } from '../pipeline/shard-ownership.js';
import type { RedisClient } from '../redis.js';

/** A live batch worker as its heartbeat and announcement describe it. */
export interface WorkerView {
  id: string;
  lastSeenSecondsAgo: number;
  /** Shards it owned at its last heartbeat (empty if it has not announced yet). */
  shards: number[];
  host: string | null;
  pid: number | null;
}

interface Announcement {
  shards?: unknown;
  host?: unknown;
  pid?: unknown;
}

function parseAnnouncement(text: string | null): Announcement {
  if (!text) return {};
  try {
    return JSON.parse(text) as Announcement;
  } catch {
    return {};
  }
}

/**
 * Reads the live-worker registry that ShardOwnership maintains: workers whose heartbeat is newer
 * than `livenessMs`, with the shards each announced, oldest heartbeat first.
 */
export async function readWorkers(
  redis: RedisClient,
  namespace: string,
  livenessMs: number,
  now = Date.now(),
): Promise<WorkerView[]> {
  const flat = await redis.zrangebyscore(workerRegistryKey(namespace), now - livenessMs, '+inf', 'WITHSCORES');
  const live: { id: string; seenAt: number }[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) live.push({ id: flat[i] as string, seenAt: Number(flat[i + 1]) });
  if (live.length === 0) return [];
  const announcements = await redis.mget(...live.map((worker) => workerAnnouncementKey(namespace, worker.id)));
  return live.map((worker, index) => {
    const announcement = parseAnnouncement(announcements[index] ?? null);
    return {
      id: worker.id,
      lastSeenSecondsAgo: Math.max(0, (now - worker.seenAt) / 1000),
      shards: Array.isArray(announcement.shards) ? announcement.shards.filter(Number.isInteger) : [],
      host: typeof announcement.host === 'string' ? announcement.host : null,
      pid: typeof announcement.pid === 'number' ? announcement.pid : null,
    };
  });
}
