import type { Logger } from 'pino';
import * as metrics from '../metrics.js';
import { closeRedis, type RedisClient } from '../redis.js';
import type { RealtimeEventLog } from './event-log.js';
import { compareIds } from './events.js';
import type { StreamHub } from './hub.js';

const PAGE = 1000;

/**
 * A gateway's one Redis pub/sub subscription to the realtime notices, relayed to its StreamHub:
 * each notice names the newest event id, and the relay reads what it has not relayed yet from the
 * stream, one read at a time, so it relays every id once and in order, also across a reconnect
 * (pub/sub loses the notices sent meanwhile, the stream does not). With no client connected it
 * reads nothing and only moves its position.
 */
export class RealtimeRelay {
  /** The last id relayed (or passed while nobody listened). */
  private lastId = '0-0';
  /** The newest id announced. */
  private newest = '0-0';
  private reading: Promise<void> | undefined;
  private stopped = false;

  constructor(
    /** A dedicated connection: a subscribed connection can run no other command. */
    private readonly subscriber: RedisClient,
    private readonly log: RealtimeEventLog,
    private readonly hub: StreamHub,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.subscriber.on('message', (_channel: string, id: string) => this.announce(id));
    // ioredis re-subscribes by itself after a reconnect ('ready'); what was announced meanwhile is lost,
    // so the newest id comes from the stream itself.
    this.subscriber.on('ready', () => {
      this.log.lastId().then(
        (id) => this.announce(id),
        (error: unknown) => this.logger.warn({ err: error }, 'could not read the newest realtime event id'),
      );
    });
    await this.subscriber.subscribe(this.log.channel);
    this.lastId = await this.log.lastId();
    this.newest = this.lastId;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await closeRedis(this.subscriber);
    await this.reading;
  }

  private announce(id: string): void {
    if (compareIds(id, this.newest) > 0) this.newest = id;
    this.catchUp();
  }

  private catchUp(): void {
    if (this.reading || this.stopped) return;
    if (this.hub.size === 0) {
      this.lastId = this.newest;
      return;
    }
    this.reading = this.readNew().finally(() => {
      this.reading = undefined;
    });
  }

  /** Reads and relays pages until the last announced id (or Redis fails: the next notice retries). */
  private async readNew(): Promise<void> {
    try {
      while (!this.stopped && compareIds(this.newest, this.lastId) > 0) {
        const page = await this.log.after(this.lastId, PAGE);
        const last = page.at(-1);
        if (!last) return;
        this.lastId = last.id;
        if (compareIds(last.id, this.newest) > 0) this.newest = last.id;
        metrics.streamRelayedEvents.inc(page.length);
        this.hub.dispatch(page);
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'could not read realtime events; the next notice retries');
    }
  }
}
