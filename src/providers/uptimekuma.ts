/**
 * Uptime Kuma webhook notifications (`{heartbeat, monitor, msg}`, JSON body) → alert drafts,
 * mapped as Keep's uptimekuma provider does (keep-compat §5.15). Single.
 */
import { type Static, Type } from 'typebox';
import type { AlertDraft, Status } from '../alert/alert.js';
import { parseTimestamp } from '../alert/time.js';
import type { NormalizeContext, NormalizeResult, ProviderAdapter } from './adapter.js';
import { lookup, nonEmpty } from './support.js';

/** Heartbeat status: 0 down, 1 up, 2 pending, 3 maintenance. */
const heartbeat = Type.Object({
  status: Type.Union([Type.Number(), Type.String()]),
  msg: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  localDateTime: Type.Optional(Type.String()),
  timezoneOffset: Type.Optional(Type.Union([Type.String(), Type.Number()])),
});

const monitor = Type.Object({
  id: Type.Optional(Type.Union([Type.Number(), Type.String()])),
  name: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  url: Type.Optional(Type.Union([Type.String(), Type.Null()])),
});

/**
 * Uptime Kuma always sends all three keys; `heartbeat` and `monitor` are null in the "Test"
 * notification, and `heartbeat` alone is null in certificate-expiry notifications.
 */
const schema = Type.Object({
  heartbeat: Type.Union([heartbeat, Type.Null()]),
  monitor: Type.Union([monitor, Type.Null()]),
  msg: Type.String(),
});

/** An Uptime Kuma webhook body (JSON content type). */
export type UptimekumaPayload = Static<typeof schema>;

const STATUS: Readonly<Record<string, Status>> = {
  down: 'firing',
  unavailable: 'firing',
  firing: 'firing',
  '0': 'firing',
  up: 'resolved',
  available: 'resolved',
  resolved: 'resolved',
  '1': 'resolved',
};

export const uptimekumaAdapter: ProviderAdapter<UptimekumaPayload> = {
  type: 'uptimekuma',
  displayName: 'Uptime Kuma',
  docsUrl: 'https://github.com/louislam/uptime-kuma/blob/master/server/notification-providers/webhook.js',
  fingerprintFields: [],
  schema,
  normalize(payload, ctx): NormalizeResult {
    // Keep fails on the test notification; answering 202 without an alert keeps the button green.
    if (payload.monitor === null) return { kind: 'skip', reason: 'Uptime Kuma test notification (no monitor)' };
    return { kind: 'alerts', alerts: [toDraft(payload, payload.monitor, ctx)] };
  },
};

type Monitor = NonNullable<UptimekumaPayload['monitor']>;

function toDraft(payload: UptimekumaPayload, monitor: Monitor, ctx: NormalizeContext): AlertDraft {
  const { heartbeat: beat, monitor: _monitor, msg, ...rest } = payload;
  const description = nonEmpty(msg) ?? nonEmpty(beat?.msg) ?? null;
  return {
    id: monitor.id === undefined ? null : String(monitor.id),
    name: nonEmpty(monitor.name) ?? 'unknown',
    status: beat ? (lookup(STATUS, String(beat.status)) ?? 'firing') : 'firing',
    // Uptime Kuma has no severity.
    severity: 'info',
    fingerprint: null,
    lastReceived: (beat && localTime(beat.localDateTime, beat.timezoneOffset)) ?? ctx.now.toISOString(),
    description,
    message: null,
    source: ['uptimekuma'],
    service: null,
    environment: null,
    url: null,
    labels: {},
    extra: { ...rest, monitor_url: monitor.url ?? null, msg, heartbeat: beat, monitor },
  };
}

/**
 * heartbeat.localDateTime ("YYYY-MM-DD HH:mm:ss" in the server's zone) plus its offset: a string
 * ("+02:00") is appended, a number is taken as minutes east of UTC. Without an offset, UTC.
 */
function localTime(local: string | undefined, offset: string | number | undefined): string | null {
  if (local === undefined || local.trim() === '') return null;
  const iso = local.trim().replace(' ', 'T');
  return parseTimestamp(`${iso}${offsetText(offset)}`);
}

function offsetText(offset: string | number | undefined): string {
  if (typeof offset === 'string') return offset.trim() === '' ? 'Z' : offset.trim();
  if (typeof offset !== 'number' || !Number.isFinite(offset)) return 'Z';
  const minutes = Math.abs(Math.trunc(offset));
  const hh = String(Math.floor(minutes / 60)).padStart(2, '0');
  const mm = String(minutes % 60).padStart(2, '0');
  return `${offset < 0 ? '-' : '+'}${hh}:${mm}`;
}
