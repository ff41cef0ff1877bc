/**
 * Datadog webhook (the payload template Keep installs, keep-compat §5.4) → one alert draft.
 * Datadog renders every `$VARIABLE` into a JSON string, so ids and epochs arrive as strings.
 */
import { type Static, Type } from 'typebox';
import type { AlertDraft, Severity, Status } from '../alert/alert.js';
import { fieldsFingerprint } from '../alert/fingerprint.js';
import { fromEpochMillis } from '../alert/time.js';
import type { NormalizeResult, ProviderAdapter } from './adapter.js';
import { lookup, nonEmpty, omit, toLabelRecord } from './support.js';

const FINGERPRINT_FIELDS = ['groups', 'monitor_id'] as const;

const schema = Type.Object({
  title: Type.String(),
  /** $LAST_UPDATED: epoch milliseconds. */
  last_updated: Type.Union([Type.String({ pattern: '^\\d+$' }), Type.Integer({ minimum: 0 })]),
  body: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  message: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  alert_transition: Type.Optional(Type.String()),
  severity: Type.Optional(Type.Union([Type.String(), Type.Integer()])),
  scopes: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  tags: Type.Optional(Type.Union([Type.String(), Type.Record(Type.String(), Type.Unknown()), Type.Null()])),
  url: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  id: Type.Optional(Type.Union([Type.String(), Type.Integer(), Type.Null()])),
  monitor_id: Type.Optional(Type.Union([Type.String(), Type.Integer(), Type.Null()])),
  alert_query: Type.Optional(Type.Union([Type.String(), Type.Null()])),
});

export type DatadogPayload = Static<typeof schema>;

const STATUS: Readonly<Record<string, Status>> = {
  Triggered: 'firing',
  Recovered: 'resolved',
  Muted: 'suppressed',
};

const SEVERITY: Readonly<Record<string, Severity>> = {
  P1: 'critical',
  '1': 'critical',
  P2: 'high',
  '2': 'high',
  P3: 'warning',
  '3': 'warning',
  P4: 'info',
  '4': 'info',
};

/** Template keys with a canonical home; every other key is kept in extra as received. */
const MAPPED = new Set([
  'title',
  'body',
  'message',
  'url',
  'id',
  'last_updated',
  'severity',
  'tags',
  'scopes',
  'monitor_id',
  'alert_query',
]);

export const datadogAdapter: ProviderAdapter<DatadogPayload> = {
  type: 'datadog',
  displayName: 'Datadog',
  docsUrl: 'https://docs.datadoghq.com/integrations/webhooks/',
  fingerprintFields: FINGERPRINT_FIELDS,
  schema,
  normalize(payload, ctx): NormalizeResult {
    const tags = parseTags(payload.tags);
    // $ALERT_SCOPE is split on bare commas, as Keep does: the fingerprint depends on the exact pieces.
    const groups = payload.scopes ? payload.scopes.split(',') : ['*'];
    const monitorId = payload.monitor_id ?? null;
    const details = extractDetails(payload.body ?? null);
    const raw: Record<string, unknown> = payload;
    const extra = omit(raw, MAPPED);
    Object.assign(extra, {
      groups,
      tags,
      monitor_id: monitorId,
      alert_query: payload.alert_query ?? null,
      imageUrl: details.imageUrl,
      extra_details: details,
    });
    const draft: AlertDraft = {
      id: payload.id === undefined || payload.id === null ? null : String(payload.id),
      name: payload.title,
      status: lookup(STATUS, payload.alert_transition) ?? 'firing',
      severity: lookup(SEVERITY, payload.severity === undefined ? undefined : String(payload.severity)) ?? 'info',
      fingerprint: fieldsFingerprint({ groups, monitor_id: monitorId }, FINGERPRINT_FIELDS, payload.title),
      lastReceived: fromEpochMillis(payload.last_updated) ?? ctx.now.toISOString(),
      description: payload.message || payload.body || null,
      message: payload.body ?? null,
      source: ['datadog'],
      service: typeof tags.service === 'string' ? tags.service : null,
      environment: null,
      url: alertLink(payload, details),
      labels: toLabelRecord(tags),
      extra,
    };
    return { kind: 'alerts', alerts: [draft] };
  },
};

/**
 * The template's `url`; else `link` (where Datadog's default payload puts $LINK), else the monitor
 * status link in the rendered body.
 */
function alertLink(payload: DatadogPayload, details: AlertDetails): string | null {
  const raw: Record<string, unknown> = payload;
  return nonEmpty(payload.url) ?? nonEmpty(raw.link) ?? nonEmpty(details.monitor_status_url);
}

/** $TAGS ("k:v,monitor,k2:v2") → {k: v}; bare tags (the `monitor` marker) carry no value and are dropped. */
function parseTags(tags: DatadogPayload['tags']): Record<string, unknown> {
  if (tags === undefined || tags === null) return {};
  if (typeof tags !== 'string') {
    const { monitor: _monitor, ...rest } = tags;
    return rest;
  }
  const parsed: Record<string, unknown> = {};
  for (const tag of tags.split(',')) {
    const separator = tag.indexOf(':');
    if (separator > 0) parsed[tag.slice(0, separator).trim()] = tag.slice(separator + 1).trim();
  }
  delete parsed.monitor;
  return parsed;
}

/** Links and facts Keep scrapes from the rendered $EVENT_MSG markdown (best effort). */
interface AlertDetails {
  metric_graph_url: string | null;
  metric_query: string | null;
  trigger_time: string | null;
  monitor_status_url: string | null;
  edit_monitor_url: string | null;
  related_logs_url: string | null;
  alert_message: string | null;
  mentioned_users: string[];
  imageUrl: string | null;
}

function extractDetails(body: string | null): AlertDetails {
  const details: AlertDetails = {
    metric_graph_url: null,
    metric_query: null,
    trigger_time: null,
    monitor_status_url: null,
    edit_monitor_url: null,
    related_logs_url: null,
    alert_message: null,
    mentioned_users: [],
    imageUrl: null,
  };
  if (!body) return details;
  // Python's str.strip("%%%\n") strips any run of '%' and newlines from both ends.
  const text = body.replace(/^[%\n]+|[%\n]+$/g, '');
  const find = (pattern: RegExp) => pattern.exec(text)?.[1] ?? null;
  details.metric_graph_url = find(/\[!\[Metric Graph\]\((.*?)\)\]/);
  details.trigger_time = find(/The monitor was last triggered at (.*?)\./);
  details.monitor_status_url = find(/\[Monitor Status\]\((.*?)\)/);
  details.edit_monitor_url = find(/\[Edit Monitor\]\((.*?)\)/);
  details.related_logs_url = find(/\[Related Logs\]\((.*?)\)/);
  details.mentioned_users = [...text.matchAll(/@(\S+)/g)].map((match) => match[1] as string);
  const firstLine = text.split('\n').find((line) => line !== '' && !line.startsWith('%%%') && !line.startsWith('@'));
  details.alert_message = firstLine === undefined ? null : firstLine.trim();
  details.imageUrl = details.metric_graph_url;
  return details;
}
