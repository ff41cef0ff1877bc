/**
 * PagerDuty → alert drafts, mapped as Keep's pagerduty provider does (keep-compat §5.5). Two
 * shapes: a webhook v3 event (`{event: {event_type, data}}`; only incident data becomes an alert,
 * other events are skipped) and a flat PagerDuty alert object (REST `alert` resource).
 */
import { type Static, Type } from 'typebox';
import type { AlertDraft, Severity, Status } from '../alert/alert.js';
import { parseTimestamp } from '../alert/time.js';
import type { NormalizeContext, NormalizeResult, ProviderAdapter } from './adapter.js';
import { isRecord, lookup, omit, text, toLabelRecord } from './support.js';

/** Incident data (type `incident`, the default when absent) must carry a title; other data types pass. */
const eventDataSchema = Type.Union([
  Type.Object({
    type: Type.Optional(Type.Literal('incident')),
    title: Type.String(),
    service: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    custom_fields: Type.Optional(Type.Array(Type.Unknown())),
    acknowledgers: Type.Optional(Type.Array(Type.Unknown())),
  }),
  Type.Object({ type: Type.String({ pattern: '^(?!incident$)' }) }),
]);

const v3Schema = Type.Object({
  event: Type.Object({ event_type: Type.Optional(Type.String()), data: eventDataSchema }),
});

/** Anything but an object under `event`, so a v3 envelope never falls through to the flat shape. */
const notAnEnvelope = Type.Union([
  Type.Null(),
  Type.String(),
  Type.Number(),
  Type.Boolean(),
  Type.Array(Type.Unknown()),
]);

const flatSchema = Type.Object({
  summary: Type.String(),
  event: Type.Optional(notAnEnvelope),
  id: Type.Optional(Type.String()),
  alert_key: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  status: Type.Optional(Type.String()),
  severity: Type.Optional(Type.String()),
  html_url: Type.Optional(Type.String()),
  created_at: Type.Optional(Type.String()),
  service: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  body: Type.Optional(Type.Object({ cef_details: Type.Optional(Type.Record(Type.String(), Type.Unknown())) })),
});

const schema = Type.Union([v3Schema, flatSchema]);

export type PagerdutyPayload = Static<typeof schema>;
type V3Payload = Static<typeof v3Schema>;
type FlatPayload = Static<typeof flatSchema>;

const STATUS: Readonly<Record<string, Status>> = { triggered: 'firing', resolved: 'resolved' };

const URGENCY: Readonly<Record<string, Severity>> = { high: 'high', low: 'info' };

const PRIORITY: Readonly<Record<string, Severity>> = { P1: 'critical', P2: 'high', P3: 'warning', P4: 'info' };

const ALERT_SEVERITY: Readonly<Record<string, Severity>> = {
  critical: 'critical',
  error: 'high',
  warning: 'warning',
  info: 'info',
};

/** Incident keys with a canonical home (Keep pops these; the rest of `data` is spread as extras). */
const INCIDENT_MAPPED = new Set(['id', 'self', 'status', 'created_at', 'title', 'service', 'description']);

export const pagerdutyAdapter: ProviderAdapter<PagerdutyPayload> = {
  type: 'pagerduty',
  displayName: 'PagerDuty',
  docsUrl: 'https://developer.pagerduty.com/docs/webhooks-overview',
  fingerprintFields: ['alert_key'],
  schema,
  normalize(payload, ctx): NormalizeResult {
    if (!isV3(payload)) return { kind: 'alerts', alerts: [flatDraft(payload, ctx)] };
    const { event } = payload;
    const type = text(readKey(event.data, 'type')) ?? 'incident';
    if (type !== 'incident') {
      return { kind: 'skip', reason: `PagerDuty ${event.event_type ?? 'event'} carries ${type} data, not an incident` };
    }
    return { kind: 'alerts', alerts: [incidentDraft(payload, ctx)] };
  },
};

/** Keep takes the v3 path whenever `event` is an object. */
function isV3(payload: PagerdutyPayload): payload is V3Payload {
  return 'event' in payload && isRecord(payload.event);
}

function incidentDraft(payload: V3Payload, ctx: NormalizeContext): AlertDraft {
  const { data, ...envelope } = payload.event;
  const incident: Record<string, unknown> = data;
  const title = text(incident.title) ?? '';
  // Keep links the API resource (`self`) when present, the web page (`html_url`) otherwise.
  const url = Object.hasOwn(incident, 'self') ? incident.self : incident.html_url;
  const service = text(readKey(incident.service, 'summary')) ?? 'unknown';
  const extra = omit(incident, INCIDENT_MAPPED);
  extra.event = envelope;
  return {
    id: text(incident.id),
    name: title,
    status: lookup(STATUS, incident.status) ?? 'firing',
    severity: incidentSeverity(incident),
    fingerprint: null,
    lastReceived: parseTimestamp(incident.created_at) ?? ctx.now.toISOString(),
    description: text(incident.description),
    message: null,
    source: ['pagerduty'],
    service,
    environment: text(environmentField(incident.custom_fields)) ?? 'unknown',
    url: text(url),
    labels: toLabelRecord({
      urgency: incident.urgency,
      acknowledgers: asArray(incident.acknowledgers).map((ack) => readKey(ack, 'summary')),
      last_updated_by: readKey(incident.last_status_change_by, 'summary'),
      conference_bridge: isRecord(incident.conference_bridge)
        ? readKey(incident.conference_bridge, 'summary')
        : incident.conference_bridge,
      impacted_services: service,
    }),
    extra,
  };
}

/** Urgency decides when it is high/low; otherwise the priority name P1–P4; else info. */
function incidentSeverity(incident: Record<string, unknown>): Severity {
  return lookup(URGENCY, incident.urgency) ?? lookup(PRIORITY, readKey(incident.priority, 'summary')) ?? 'info';
}

function environmentField(customFields: unknown): unknown {
  const field = asArray(customFields).find((item) => readKey(item, 'name') === 'environment');
  return readKey(field, 'value');
}

function flatDraft(payload: FlatPayload, ctx: NormalizeContext): AlertDraft {
  const origin = text(readKey(payload.body?.cef_details, 'source_origin'));
  const raw: Record<string, unknown> = payload;
  const fingerprint = Object.hasOwn(raw, 'alert_key') ? payload.alert_key : payload.id;
  return {
    id: payload.id ?? null,
    name: payload.summary,
    status: lookup(STATUS, payload.status) ?? 'firing',
    severity: lookup(ALERT_SEVERITY, payload.severity) ?? 'info',
    fingerprint: fingerprint ?? null,
    lastReceived: parseTimestamp(payload.created_at) ?? ctx.now.toISOString(),
    description: null,
    message: null,
    source: origin ? ['pagerduty', origin] : ['pagerduty'],
    service: text(readKey(payload.service, 'name')),
    environment: null,
    url: payload.html_url ?? null,
    labels: {},
    extra: { original_alert: payload },
  };
}

function readKey(value: unknown, key: string): unknown {
  return isRecord(value) ? value[key] : undefined;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
