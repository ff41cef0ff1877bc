import type { RedisClient } from '../redis.js';

/**
 * XADDs with ids from each shard's clock rather than the stream's own: ids then increase across
 * both lanes of a shard, not just within one, so "newer" means the same in either lane even within
 * one millisecond. KEYS are (clock, stream) pairs; ARGV[1] is the field, ARGV[2…] one value per pair.
 * Each clock is read and written once per call, however many of its entries the call carries.
 * Returns the ids in order.
 */
const APPEND_ENTRIES = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local ms, seq, last, ids = {}, {}, {}, {}
for pair = 1, #KEYS / 2 do
  local key = KEYS[pair * 2 - 1]
  if not ms[key] then
    local stored = redis.call('GET', key) or '0-0'
    local storedMs, storedSeq = string.match(stored, '^(%d+)-(%d+)$')
    ms[key], seq[key] = tonumber(storedMs), tonumber(storedSeq)
  end
  if now > ms[key] then ms[key], seq[key] = now, 0 else seq[key] = seq[key] + 1 end
  last[key] = string.format('%.0f-%.0f', ms[key], seq[key])
  ids[pair] = redis.call('XADD', KEYS[pair * 2], last[key], ARGV[1], ARGV[pair + 1])
end
for key, id in pairs(last) do redis.call('SET', key, id) end
return ids
`;

type AppendEntries = (keyCount: number, ...keysThenArgs: string[]) => Promise<string[]>;

interface PendingEntry {
  clock: string;
  stream: string;
  value: string;
  /** Redis Cluster slot group: entries of one group may share a script call. */
  group: string;
  resolve(id: string): void;
  reject(error: unknown): void;
}

/**
 * Group commit for stream appends: every entry appended in one event-loop turn goes out in one
 * script call per hash slot (one call in all on a single Redis), so the gateway pays one command
 * and Redis one script run for many requests instead of one each.
 */
export class EntryAppender {
  private readonly appendEntries: AppendEntries;
  private pending: PendingEntry[] = [];

  constructor(
    private readonly redis: RedisClient,
    private readonly field: string,
  ) {
    if (!('appendIngestEntries' in redis)) {
      redis.defineCommand('appendIngestEntries', { lua: APPEND_ENTRIES });
      // This class batches already, and auto-pipelining would place the call on a cluster node by
      // its first argument (the key count), not by its keys. A new array: ioredis shares its
      // default one among clients.
      const ignored = redis.options.autoPipeliningIgnoredCommands ?? [];
      redis.options.autoPipeliningIgnoredCommands = [...ignored, 'appendIngestEntries'];
    }
    this.appendEntries = (redis as unknown as { appendIngestEntries: AppendEntries }).appendIngestEntries.bind(redis);
  }

  /**
   * Appends `value` to `stream` with an id from `clock`; resolves with the id once Redis holds it.
   * `slot` names the keys' hash tag: entries of different slots never share a call on a cluster.
   */
  append(clock: string, stream: string, slot: string, value: string): Promise<string> {
    return new Promise((resolve, reject) => {
      if (this.pending.length === 0) setImmediate(() => this.flush());
      this.pending.push({ clock, stream, value, group: this.redis.isCluster ? slot : '', resolve, reject });
    });
  }

  private flush(): void {
    const groups = new Map<string, PendingEntry[]>();
    for (const entry of this.pending) {
      const group = groups.get(entry.group);
      if (group) group.push(entry);
      else groups.set(entry.group, [entry]);
    }
    this.pending = [];
    for (const entries of groups.values()) {
      const keys = entries.flatMap((entry) => [entry.clock, entry.stream]);
      this.appendEntries(keys.length, ...keys, this.field, ...entries.map((entry) => entry.value)).then(
        (ids) => {
          for (const [index, entry] of entries.entries()) entry.resolve(ids[index] as string);
        },
        (error: unknown) => {
          for (const entry of entries) entry.reject(error);
        },
      );
    }
  }
}
