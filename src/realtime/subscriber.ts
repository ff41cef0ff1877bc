import type { SearchFilters } from '../search/types.js';
import { eventMatches } from './alert-filter.js';
import type { RealtimeEventLog } from './event-log.js';
import { compareIds, type StampedEvent } from './events.js';
import { type DropReason, eventJson, type Transport } from './transport.js';

/** Events read from the replay window per round trip. */
const REPLAY_PAGE = 500;

/**
 * One stream client: its tenant's filters, its transport, and a bounded buffer. Events are written
 * as they come; when more than `bufferBytes` are still waiting for this client as new events arrive
 * (or at a heartbeat) it is dropped with `slow_consumer`, so a stalled reader costs at most that
 * plus one relayed batch of memory and never slows the others.
 *
 * A client resuming with Last-Event-ID first replays the stream window from that id (with
 * back-pressure) while live events queue up behind it (within the same byte budget), then switches
 * to live delivery, skipping what the replay already sent.
 */
export class Subscriber {
  /** Live events that arrived during replay; null once live. */
  private pending: StampedEvent[] | null = [];
  private pendingBytes = 0;
  private closed = false;

  constructor(
    readonly filters: SearchFilters,
    readonly transport: Transport,
    private readonly bufferBytes: number,
    private readonly onDrop: (subscriber: Subscriber, reason: DropReason) => void,
  ) {
    transport.onClose(() => {
      this.closed = true;
    });
  }

  get tenant(): string {
    return this.filters.tenant;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Replays from `lastEventId` (if any), then goes live. Rejects if Redis fails mid-replay (the route closes the stream). */
  async start(log: RealtimeEventLog, lastEventId: string | null): Promise<void> {
    let cursor = lastEventId;
    if (lastEventId !== null) {
      const check = await log.check(lastEventId);
      if (check !== 'ok') {
        this.transport.notice({
          type: 'gap',
          reason: check === 'trimmed' ? 'replay_window_exceeded' : 'unknown_position',
          lastEventId,
        });
      }
      if (check === 'unknown') cursor = null;
      while (cursor !== null && !this.closed) {
        const page = await log.after(cursor, REPLAY_PAGE);
        const wanted = page.filter((stamped) => eventMatches(this.filters, stamped.event));
        if (wanted.length > 0) {
          this.transport.send(wanted);
          await this.transport.writable();
        }
        cursor = page.at(-1)?.id ?? cursor;
        if (page.length < REPLAY_PAGE) break;
      }
    }
    const queued = this.pending ?? [];
    this.pending = null;
    this.pendingBytes = 0;
    if (this.closed) return;
    const after = cursor;
    this.deliver(after === null ? queued : queued.filter((stamped) => compareIds(stamped.id, after) > 0));
  }

  /** Offers a batch of live events (any tenant's); keeps the ones this client wants. */
  offer(events: readonly StampedEvent[]): void {
    if (this.closed) return;
    const wanted = events.filter((stamped) => eventMatches(this.filters, stamped.event));
    if (wanted.length === 0) return;
    if (this.pending) {
      this.pending.push(...wanted);
      for (const stamped of wanted) this.pendingBytes += estimateBytes(stamped);
      if (this.pendingBytes > this.bufferBytes) this.drop('slow_consumer');
      return;
    }
    this.deliver(wanted);
  }

  /** Sends a heartbeat; drops a client that stopped answering them. */
  heartbeat(): void {
    if (this.closed) return;
    if (this.transport.buffered() > this.bufferBytes) this.drop('slow_consumer');
    else if (!this.transport.heartbeat()) this.drop('heartbeat_timeout');
  }

  /** Ends the subscription, telling the client why. */
  drop(reason: DropReason): void {
    if (this.closed) return;
    this.closed = true;
    this.onDrop(this, reason);
    this.transport.close(reason);
  }

  /**
   * Judged by what is still queued from earlier writes, not counting this one: a reader keeping up
   * has taken the last batch by the time the next arrives, however large that batch was.
   */
  private deliver(events: readonly StampedEvent[]): void {
    if (events.length === 0) return;
    if (this.transport.buffered() > this.bufferBytes) {
      this.drop('slow_consumer');
      return;
    }
    this.transport.send(events);
  }
}

/** Size of an event's frame (its JSON, computed once per gateway anyway, plus the framing). */
function estimateBytes(stamped: StampedEvent): number {
  return eventJson(stamped).length + 64;
}
