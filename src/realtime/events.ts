/** What the realtime streams carry, and where in Redis it travels. */
import type { Alert } from '../alert/alert.js';
import type { LifecycleChange } from '../lifecycle/lifecycle-store.js';

/** A committed new or changed alert. */
export interface AlertEvent {
  type: 'alert';
  change: 'new' | 'changed';
  alert: Alert;
}

/** An operator changed a fingerprint's lifecycle state. */
export type LifecycleEvent = Omit<LifecycleChange, 'alertId'> & {
  type: 'lifecycle';
  /** The fingerprint's latest stored occurrence (status set to `to`); null when no longer stored. */
  alert: Alert | null;
};

export type StreamEvent = AlertEvent | LifecycleEvent;

declare const eventJsonBrand: unique symbol;

/** A StreamEvent as the stream stores it: JSON. */
export type EventJson = string & { readonly [eventJsonBrand]: true };

export function eventJson(event: StreamEvent): EventJson {
  return JSON.stringify(event) as EventJson;
}

/** eventJson of `{ type: 'alert', change, alert }` from the alert's JSON, spliced in rather than re-serialized. */
export function alertEventJson(change: AlertEvent['change'], alertJson: string): EventJson {
  return `{"type":"alert","change":"${change}","alert":${alertJson}}` as EventJson;
}

/** An event with its Redis stream id (also its SSE `id`, the resume position). */
export interface StampedEvent {
  id: string;
  event: StreamEvent;
}

/** The Redis stream holding the replay window; pub/sub uses the same name as its channel. */
export function streamKey(prefix: string): string {
  return `${prefix}:realtime:events`;
}

export function tenantOf(event: StreamEvent): string {
  return event.type === 'alert' ? event.alert.tenant : event.tenant;
}

/** Redis stream ids are `<ms>-<seq>`; the only form Last-Event-ID may take. */
export const STREAM_ID = /^\d{1,20}-\d{1,20}$/;

/** Orders two stream ids (negative: a before b). */
export function compareIds(a: string, b: string): number {
  const [aMs = '0', aSeq = '0'] = a.split('-');
  const [bMs = '0', bSeq = '0'] = b.split('-');
  const ms = BigInt(aMs) - BigInt(bMs);
  if (ms !== 0n) return ms < 0n ? -1 : 1;
  const seq = BigInt(aSeq) - BigInt(bSeq);
  return seq === 0n ? 0 : seq < 0n ? -1 : 1;
}
