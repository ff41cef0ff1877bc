/**
 * Prometheus Alertmanager webhook (`webhook_config`, payload version 4) → alert drafts, mapped as
 * Keep's prometheus provider does (keep-compat §5.1). Batched: one draft per `alerts[]` item; a
 * body without `alerts` is a single alert (e.g. an item of Prometheus' own /api/v1/alerts).
 */
import { type Static, Type } from 'typebox';
import type { AlertDraft, Severity, Status } from '../alert/alert.js';
import type { ProviderAdapter } from './adapter.js';
import { defineOwn, get, lookup, nonEmpty, omit, text, toLabelRecord } from './support.js';

const alertSchema = Type.Object({
  labels: Type.Object({ alertname: Type.String() }),
  annotations: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  status: Type.Optional(Type.String()),
  state: Type.Optional(Type.String()),
  fingerprint: Type.Optional(Type.String()),
});

const schema = Type.Union([Type.Object({ alerts: Type.Array(alertSchema) }), alertSchema]);

export type PrometheusPayload = Static<typeof schema>;
type PrometheusAlert = Static<typeof alertSchema>;

const STATUS: Readonly<Record<string, Status>> = { firing: 'firing', resolved: 'resolved' };

const SEVERITY: Readonly<Record<string, Severity>> = {
  critical: 'critical',
  error: 'high',
  high: 'high',
  warning: 'warning',
  medium: 'warning',
  info: 'info',
  low: 'low',
};

/** Raw alert keys consumed by the mapping itself (never spread into extra). */
const CONSUMED = new Set(['labels', 'annotations', 'state', 'status', 'fingerprint']);

/** Draft keys a vendor field must not shadow when spread into extra. */
const RESERVED = new Set(['id', 'name', 'status', 'severity', 'fingerprint', 'lastReceived', 'source', 'labels']);

/** AlertDto attributes that are never null after construction, so Keep never overwrites them with a label. */
const ALWAYS_SET = new Set([
  ...RESERVED,
  'firingCounter',
  'unresolvedCounter',
  'isFullDuplicate',
  'isPartialDuplicate',
  'pushed',
  'deleted',
  'dismissed',
  'isNoisy',
  'enriched_fields',
]);

const NULLABLE_TEXT = ['description', 'message', 'service', 'environment', 'url'] as const;
type NullableText = (typeof NULLABLE_TEXT)[number];

const UUID = /^(urn:uuid:)?\{?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\}?$/i;

export const prometheusAdapter: ProviderAdapter<PrometheusPayload> = {
  type: 'prometheus',
  aliases: ['alertmanager'],
  displayName: 'Prometheus Alertmanager',
  docsUrl: 'https://prometheus.io/docs/alerting/latest/configuration/#webhook_config',
  fingerprintFields: ['fingerprint'],
  schema,
  normalize(payload, ctx) {
    const lastReceived = ctx.now.toISOString();
    if ('alerts' in payload) {
      const { alerts, ...group } = payload;
      return { kind: 'alerts', alerts: alerts.map((alert) => toDraft(alert, group, lastReceived)) };
    }
    return { kind: 'alerts', alerts: [toDraft(payload, null, lastReceived)] };
  },
};

function toDraft(alert: PrometheusAlert, group: Record<string, unknown> | null, lastReceived: string): AlertDraft {
  const raw: Record<string, unknown> = alert;
  const id = typeof raw.id === 'string' && UUID.test(raw.id) ? raw.id : alert.labels.alertname;
  const rawAnnotations = alert.annotations ?? {};
  // Keep pops `description` from the annotations as received (before lower-casing the keys).
  const rawDescription = get(rawAnnotations, 'description', undefined);
  const description = rawDescription ? rawDescription : get(rawAnnotations, 'summary', id);
  const annotations = lowerKeys(rawAnnotations, 'description');
  const { labels, environment } = splitLabels(alert.labels);
  const payload = omit(raw, CONSUMED);
  const extra: Record<string, unknown> = { annotations, payload };
  for (const key of Object.keys(payload)) {
    if (key !== 'id' && !RESERVED.has(key)) extra[key] = payload[key];
  }
  if (group) extra.group = group;
  const draft: AlertDraft = {
    id,
    name: id,
    status: lookup(STATUS, alert.state || alert.status) ?? 'firing',
    severity: lookup(SEVERITY, labels.severity) ?? 'info',
    fingerprint: alert.fingerprint ?? null,
    lastReceived,
    description: text(description),
    message: null,
    source: ['prometheus'],
    service: text(get(labels, 'service', get(annotations, 'service', null))),
    environment: text(environment),
    url: null,
    labels: toLabelRecord(labels),
    extra,
  };
  copyLabelsToAttributes(draft, labels);
  // Keep leaves `url` empty and keeps the link only as extra.generatorURL; a `url` label wins.
  draft.url ??= nonEmpty(raw.generatorURL);
  for (const key of ['value', 'instance', 'job']) {
    if (!Object.hasOwn(extra, key)) extra[key] = '';
  }
  return draft;
}

/**
 * Keep sets every label as a top-level attribute of the alert unless that attribute is already
 * set: empty canonical text fields are filled, other labels land in extra if not present there.
 */
export function copyLabelsToAttributes(draft: AlertDraft, labels: Record<string, unknown>): void {
  for (const key of Object.keys(labels)) {
    const value = labels[key];
    if (value === null || value === undefined || ALWAYS_SET.has(key)) continue;
    if (isNullableText(key)) {
      if (draft[key] === null) draft[key] = text(value);
    } else if (!Object.hasOwn(draft.extra, key)) {
      draft.extra[key] = value;
    }
  }
}

function isNullableText(key: string): key is NullableText {
  return (NULLABLE_TEXT as readonly string[]).includes(key);
}

/** `source` without the key `except`, the other keys lower-cased as Keep reads them (a later duplicate wins). */
function lowerKeys(source: Record<string, unknown>, except: string): Record<string, unknown> {
  const lowered: Record<string, unknown> = {};
  for (const key of Object.keys(source)) if (key !== except) defineOwn(lowered, key.toLowerCase(), source[key]);
  return lowered;
}

/**
 * The labels with lower-cased keys (a later duplicate wins), without `environment`, which Keep
 * moves out of them: built without it, since deleting a key would slow every later read of the object.
 */
function splitLabels(source: Record<string, unknown>): { labels: Record<string, unknown>; environment: unknown } {
  const labels: Record<string, unknown> = {};
  let environment: unknown = 'unknown';
  for (const key of Object.keys(source)) {
    const lowered = key.toLowerCase();
    if (lowered === 'environment') environment = source[key];
    else defineOwn(labels, lowered, source[key]);
  }
  return { labels, environment };
}
