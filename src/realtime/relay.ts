import type { Logger } from 'pino';
import * as metrics from '../metrics.js';
import { closeRedis, type RedisClient } from '../redis.js';
import type { RealtimeEventLog } from './event-log.js';
import { compareIds, type StampedEvent } from './events.js';
import type { StreamHub } from './hub.js';

const GAP_PAGE = 1000;

/**
 * A gateway's one Redis pub/sub subscription to the realtime channel, relayed to its StreamHub.
 * Pub/sub loses what is published while the connection is down, so after a reconnect the relay
 * reads the missed ids from the stream before it relays live messages again (those arriving
 * meanwhile wait), and it never relays an id twice.
 */
export class RealtimeRelay {
  private lastId: string | null = null;
  /** Live messages held back while a gap is being filled; null when not filling. */
  private held: StampedEvent[][] | null = null;
  private stopped = false;

  constructor(
    /** A dedicated connection: a subscribed connection can run no other command. */
    private readonly subscriber: RedisClient,
    private readonly log: RealtimeEventLog,
    private readonly hub: StreamHub,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.subscriber.on('message', (_channel: string, message: string) => this.receive(message));
    // ioredis re-subscribes by itself after a reconnect; 'ready' marks that point.
    this.subscriber.on('ready', () => {
      if (this.lastId !== null && this.held === null) void this.fillGap();
    });
    await this.subscriber.subscribe(this.log.channel);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await closeRedis(this.subscriber);
  }

  private receive(message: string): void {
    let events: StampedEvent[];
    try {
      events = JSON.parse(message) as StampedEvent[];
    } catch (error) {
      this.logger.warn({ err: error }, 'unreadable realtime message ignored');
      return;
    }
    if (this.held) this.held.push(events);
    else this.relay(events);
  }

  private relay(events: readonly StampedEvent[]): void {
    const after = this.lastId;
    const fresh = after === null ? events : events.filter((stamped) => compareIds(stamped.id, after) > 0);
    const last = fresh.at(-1);
    if (!last) return;
    this.lastId = last.id;
    metrics.streamRelayedEvents.inc(fresh.length);
    this.hub.dispatch(fresh);
  }

  private async fillGap(): Promise<void> {
    this.held = [];
    try {
      for (;;) {
        if (this.stopped || this.lastId === null) break;
        const page = await this.log.after(this.lastId, GAP_PAGE);
        this.relay(page);
        if (page.length < GAP_PAGE) break;
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'could not replay realtime events missed during a Redis reconnect');
    } finally {
      const held = this.held;
      this.held = null;
      for (const events of held) this.relay(events);
    }
  }
}
