import type { StampedEvent } from './events.js';

/** Why the server ended a subscription (metric label and the reason sent to the client). */
export type DropReason = 'slow_consumer' | 'heartbeat_timeout' | 'shutdown';

/** A notice to the client that is not an event: a gap in the replay, or why it is being dropped. */
export type Notice =
  | { type: 'gap'; reason: 'replay_window_exceeded' | 'unknown_position'; lastEventId: string }
  | { type: 'dropped'; reason: DropReason; message: string };

/** One subscriber's connection, SSE or WebSocket: writes frames and reports what is still queued. */
export interface Transport {
  readonly name: 'sse' | 'websocket';
  /** Bytes queued in this process for the client (not yet taken by the kernel). */
  buffered(): number;
  send(events: readonly StampedEvent[]): void;
  notice(notice: Notice): void;
  /** Resolves once queued bytes were handed to the kernel, or the connection closed. */
  writable(): Promise<void>;
  /** Keeps proxies from timing out an idle connection; false when the client stopped answering. */
  heartbeat(): boolean;
  /** Ends the connection; with a reason the client is told why first (best effort). */
  close(reason?: DropReason): void;
  onClose(listener: () => void): void;
}

const serialized = new WeakMap<StampedEvent, string>();

/** The event's JSON, computed once per gateway however many subscribers receive it. */
export function eventJson(stamped: StampedEvent): string {
  let json = serialized.get(stamped);
  if (json === undefined) {
    json = JSON.stringify(stamped.event);
    serialized.set(stamped, json);
  }
  return json;
}
