import type { WebSocket } from 'ws';
import type { StampedEvent } from './events.js';
import { describe } from './sse-transport.js';
import { type DropReason, eventJson, type Notice, type Transport } from './transport.js';

const CLOSE_GRACE_MS = 1000;

const messages = new WeakMap<StampedEvent, Buffer>();

/** The event as one text message, `{"id", ...event}`, encoded once per gateway (see sse-transport). */
function messageOf(stamped: StampedEvent): Buffer {
  let message = messages.get(stamped);
  if (!message) {
    // The event JSON starts with `{`: splice the id in without parsing it again.
    message = Buffer.from(`{"id":"${stamped.id}",${eventJson(stamped).slice(1)}`);
    messages.set(stamped, message);
  }
  return message;
}

/** Close codes (RFC 6455 §7.4.1): 1008 policy violation for a slow reader, 1001 going away. */
const CLOSE_CODES: Record<DropReason, number> = { slow_consumer: 1008, heartbeat_timeout: 1001, shutdown: 1001 };

/**
 * WebSocket subscriber: one text message per event, `{"id", ...event}` as JSON. Liveness by
 * ping/pong: a client that did not answer the previous ping is dropped at the next heartbeat.
 */
export class WebSocketTransport implements Transport {
  readonly name = 'websocket';
  private alive = true;
  private flushed: Promise<void> = Promise.resolve();

  constructor(private readonly socket: WebSocket) {
    socket.on('pong', () => {
      this.alive = true;
    });
  }

  buffered(): number {
    return this.socket.bufferedAmount;
  }

  send(events: readonly StampedEvent[]): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    let last: Promise<void> | undefined;
    for (const [i, stamped] of events.entries()) {
      const message = messageOf(stamped);
      if (i === events.length - 1)
        last = new Promise((resolve) => this.socket.send(message, { binary: false }, () => resolve()));
      else this.socket.send(message, { binary: false });
    }
    if (last) this.flushed = last;
  }

  notice(notice: Notice): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(notice));
  }

  writable(): Promise<void> {
    return this.socket.bufferedAmount === 0 ? Promise.resolve() : this.flushed;
  }

  heartbeat(): boolean {
    if (!this.alive) return false;
    this.alive = false;
    if (this.socket.readyState === this.socket.OPEN) this.socket.ping();
    return true;
  }

  close(reason?: DropReason): void {
    if (this.socket.readyState === this.socket.CLOSED) return;
    if (reason === 'heartbeat_timeout') {
      this.socket.terminate();
      return;
    }
    if (reason) this.notice({ type: 'dropped', reason, message: describe(reason) });
    this.socket.close(reason ? CLOSE_CODES[reason] : 1000, reason ?? 'closed');
    setTimeout(() => this.socket.terminate(), CLOSE_GRACE_MS).unref();
  }

  onClose(listener: () => void): void {
    this.socket.once('close', listener);
  }
}
