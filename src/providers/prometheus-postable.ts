/**
 * Prometheus's own alert list — Alertmanager API `postableAlerts`, what Prometheus posts to
 * `/api/v2/alerts` (and `/api/v1/alerts`) — turned into the alert items Alertmanager's webhook
 * would carry for it, so the prometheus adapter maps both alike and both get the same fingerprint.
 */
import { type Static, Type } from 'typebox';
import { Compile } from 'typebox/compile';
import { type Rejection, rejection } from '../alert/rejection.js';
import { prometheusAdapter } from './prometheus.js';

const postableAlerts = Type.Array(
  Type.Object({
    labels: Type.Record(Type.String(), Type.String(), { minProperties: 1 }),
    annotations: Type.Optional(Type.Record(Type.String(), Type.String())),
    startsAt: Type.Optional(Type.String({ format: 'date-time' })),
    endsAt: Type.Optional(Type.String({ format: 'date-time' })),
    generatorURL: Type.Optional(Type.String()),
  }),
);

const compiled = Compile(postableAlerts);

/** One item of an Alertmanager webhook's `alerts`: the shape the prometheus adapter maps. */
export interface WebhookAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt?: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

/** Go's zero time: Alertmanager shows it as the end of an alert that has not ended. */
const NOT_ENDED = '0001-01-01T00:00:00Z';

/**
 * Validates a postable alert list and converts it as Alertmanager does before notifying: an
 * `endsAt` at or before `now` makes the alert resolved; a firing alert's `endsAt` (Prometheus sends
 * a moving "valid until" with every re-send) is hidden, so re-sends of one alert are identical.
 * Invalid input is refused whole (naming the path), like every ingestion payload.
 */
export function toWebhookAlerts(body: unknown, now: Date): { kind: 'payload'; payload: WebhookAlert[] } | Rejection {
  for (const error of compiled.Errors(body)) return invalid(error.instancePath || '/', error.message);
  const alerts = body as Static<typeof postableAlerts>;
  const misordered = alerts.findIndex(
    (alert) =>
      alert.startsAt !== undefined &&
      alert.endsAt !== undefined &&
      Date.parse(alert.startsAt) > Date.parse(alert.endsAt),
  );
  if (misordered >= 0) return invalid(`/${misordered}/endsAt`, 'must not be before startsAt');
  return { kind: 'payload', payload: alerts.map((alert) => toWebhookAlert(alert, now)) };
}

function toWebhookAlert(alert: Static<typeof postableAlerts>[number], now: Date): WebhookAlert {
  const endsAt = alert.endsAt === undefined ? null : Date.parse(alert.endsAt);
  const resolved = endsAt !== null && endsAt <= now.getTime();
  return {
    status: resolved ? 'resolved' : 'firing',
    labels: alert.labels,
    annotations: alert.annotations ?? {},
    ...(alert.startsAt === undefined ? {} : { startsAt: alert.startsAt }),
    endsAt: resolved ? (alert.endsAt as string) : NOT_ENDED,
    generatorURL: alert.generatorURL ?? '',
    fingerprint: labelSetFingerprint(alert.labels),
  };
}

function invalid(path: string, message: string): Rejection {
  return rejection('invalid_payload', `Alertmanager API alert list ${path}: ${message}`, {
    path,
    details: { provider: prometheusAdapter.type, docs: 'https://prometheus.io/docs/alerting/latest/clients/' },
  });
}

const SEPARATOR = 0xff;
const encoder = new TextEncoder();

/**
 * Alertmanager's alert fingerprint (prometheus/common `LabelSet.Fingerprint`): 64-bit FNV-1a over
 * each label name and value in name order, each followed by 0xff, as 16 lower-case hex digits.
 * Computed in two 32-bit halves: this runs for every alert Prometheus posts.
 */
export function labelSetFingerprint(labels: Readonly<Record<string, string>>): string {
  let high = 0xcbf29ce4;
  let low = 0x84222325;
  const add = (byte: number) => {
    low = (low ^ byte) >>> 0;
    // × 0x100000001b3 = × 0x1b3 plus a shift left by 40 (the low half moves 8 bits into the high half).
    const lowProduct = low * 0x1b3;
    high = (high * 0x1b3 + Math.floor(lowProduct / 0x1_0000_0000) + ((low << 8) >>> 0)) >>> 0;
    low = lowProduct >>> 0;
  };
  // Go compares the names byte by byte (UTF-8); JavaScript's sort compares UTF-16 units.
  const sorted = Object.entries(labels)
    .map(([name, value]) => [encoder.encode(name), value] as const)
    .sort(([a], [b]) => Buffer.compare(a, b));
  for (const [name, value] of sorted) {
    for (const byte of name) add(byte);
    add(SEPARATOR);
    for (const byte of encoder.encode(value)) add(byte);
    add(SEPARATOR);
  }
  return high.toString(16).padStart(8, '0') + low.toString(16).padStart(8, '0');
}
