import type { ServerResponse } from 'node:http';
import type { StampedEvent } from './events.js';
import { type DropReason, eventJson, type Notice, type Transport } from './transport.js';

const frames = new WeakMap<StampedEvent, Buffer>();

/**
 * The event's SSE frame, encoded once per gateway: every subscriber is handed the same Buffer, so
 * fanning an event out to a thousand streams costs a thousand writes, not a thousand encodings.
 */
function frameOf(stamped: StampedEvent): Buffer {
  let frame = frames.get(stamped);
  if (!frame) {
    frame = Buffer.from(`id: ${stamped.id}\nevent: ${stamped.event.type}\ndata: ${eventJson(stamped)}\n\n`);
    frames.set(stamped, frame);
  }
  return frame;
}

/** Time a dropped client gets to take its last bytes before the socket is destroyed. */
const CLOSE_GRACE_MS = 1000;

/** Server-Sent Events over a hijacked Fastify response (text/event-stream, one frame per event). */
export class SseTransport implements Transport {
  readonly name = 'sse';

  constructor(private readonly response: ServerResponse) {}

  /** Sends the headers and the reconnect delay; the response stays open until close(). */
  open(requestId: string, retryMs: number): void {
    this.response.socket?.setTimeout(0); // heartbeats, not the socket idle timeout, keep this alive
    this.response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no', // nginx would otherwise buffer the stream
      'x-request-id': requestId,
    });
    this.response.write(`retry: ${retryMs}\n\n`);
  }

  buffered(): number {
    return this.response.writableLength;
  }

  send(events: readonly StampedEvent[]): void {
    if (events.length === 1) {
      this.response.write(frameOf(events[0] as StampedEvent));
      return;
    }
    this.response.write(Buffer.concat(events.map(frameOf)));
  }

  notice(notice: Notice): void {
    const { type, ...data } = notice;
    this.response.write(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  writable(): Promise<void> {
    if (!this.response.writableNeedDrain || this.response.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.response.off('drain', done);
        this.response.off('close', done);
        resolve();
      };
      this.response.on('drain', done);
      this.response.on('close', done);
    });
  }

  heartbeat(): boolean {
    this.response.write(': heartbeat\n\n');
    return true;
  }

  close(reason?: DropReason): void {
    if (this.response.destroyed) return;
    if (reason) this.notice({ type: 'dropped', reason, message: describe(reason) });
    // The response finishes as soon as the socket has taken its bytes, and a kept-alive socket then
    // outlives it with them still queued: so the socket itself is destroyed, not the response.
    const { socket } = this.response;
    this.response.end();
    // A stalled client never takes the rest: destroy so its buffer is freed.
    setTimeout(() => socket?.destroy(), CLOSE_GRACE_MS).unref();
  }

  onClose(listener: () => void): void {
    this.response.once('close', listener);
  }
}

export function describe(reason: DropReason): string {
  switch (reason) {
    case 'slow_consumer':
      return 'the client read too slowly: its buffer on the server exceeded the limit';
    case 'heartbeat_timeout':
      return 'the client did not answer a heartbeat';
    case 'shutdown':
      return 'the server is shutting down; reconnect with Last-Event-ID';
  }
}
