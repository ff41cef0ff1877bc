import type { RedisClient } from '../redis.js';
import { compareIds, type EventJson, type StampedEvent, type StreamEvent, streamKey } from './events.js';

/**
 * Appends each event to the stream (trimmed to about MAXLEN entries) and publishes the last id as a
 * notice; relays read the new entries from the stream. Publishing the events themselves meant
 * building one message of all of them, which cost Redis three times what the appends cost.
 */
const APPEND = `
local last
for i = 2, #ARGV do
  last = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'e', ARGV[i])
end
redis.call('PUBLISH', KEYS[1], last)
return last`;

/** Events per script call. */
const APPEND_CHUNK = 500;

type WithAppend = RedisClient & {
  alertgateRealtimeAppend(key: string, maxLen: number, ...events: string[]): Promise<string>;
};

/** Where a resume position stands relative to the replay window. */
export type ResumeCheck = 'ok' | 'trimmed' | 'unknown';

/**
 * The realtime event log in Redis: a stream bounded by `maxLen` entries for Last-Event-ID replay,
 * plus a pub/sub channel of the same name that tells every gateway when there is more to read.
 */
export class RealtimeEventLog {
  readonly key: string;
  private readonly redis: WithAppend;

  constructor(
    redis: RedisClient,
    prefix: string,
    private readonly maxLen: number,
  ) {
    this.key = streamKey(prefix);
    redis.defineCommand('alertgateRealtimeAppend', { numberOfKeys: 1, lua: APPEND });
    this.redis = redis as WithAppend;
  }

  /** The pub/sub channel that carries the last id of every append (a notice: the events stay in the stream). */
  get channel(): string {
    return this.key;
  }

  /**
   * Appends events in order. The commands are sent before the first await, so appends started one
   * after the other reach Redis in that order even when nobody waits in between.
   */
  async append(events: readonly EventJson[]): Promise<void> {
    const calls: Promise<string>[] = [];
    // Chunks bound how long one script holds Redis.
    for (let start = 0; start < events.length; start += APPEND_CHUNK) {
      const chunk = events.slice(start, start + APPEND_CHUNK);
      calls.push(this.redis.alertgateRealtimeAppend(this.key, this.maxLen, ...chunk));
    }
    await Promise.all(calls);
  }

  /** The id of the newest event appended so far ('0-0' before the first). */
  async lastId(): Promise<string> {
    const [newest] = await this.redis.xrevrange(this.key, '+', '-', 'COUNT', 1);
    return newest?.[0] ?? '0-0';
  }

  /** Up to `count` events after `afterId` (exclusive), oldest first. */
  async after(afterId: string, count: number): Promise<StampedEvent[]> {
    const entries = await this.redis.xrange(this.key, `(${afterId}`, '+', 'COUNT', count);
    return entries.map(([id, fields]) => ({ id, event: JSON.parse(fields[1] ?? 'null') as StreamEvent }));
  }

  /**
   * Whether replay from `afterId` is complete: `trimmed` when entries after it may have been cut off
   * by MAXLEN (it is older than the oldest entry left and entries were trimmed; Redis does not track
   * trimmed ids, so the last trimmed id itself also counts), `unknown` when the id is newer than
   * anything written (e.g. Redis was emptied).
   */
  async check(afterId: string): Promise<ResumeCheck> {
    let info: unknown[];
    try {
      info = (await this.redis.xinfo('STREAM', this.key)) as unknown[];
    } catch {
      return 'unknown'; // no stream at all: nothing was written since Redis was emptied
    }
    const field = (name: string) => {
      const index = info.indexOf(name);
      return index >= 0 ? info[index + 1] : undefined;
    };
    if (compareIds(afterId, String(field('last-generated-id') ?? '0-0')) > 0) return 'unknown';
    const trimmedSome = Number(field('entries-added') ?? 0) > Number(field('length') ?? 0);
    const oldest = String(field('recorded-first-entry-id') ?? '0-0');
    return trimmedSome && compareIds(afterId, oldest) < 0 ? 'trimmed' : 'ok';
  }
}
