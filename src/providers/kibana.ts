/**
 * Kibana / Elastic webhooks → alert drafts, mapped as Keep's kibana provider does (keep-compat
 * §5.14). Four single-alert shapes, recognised in Keep's order: Watcher (`payload`), Security
 * detection alert (`kibana`), Keep's connector template (`webhook_body` with JSON strings) and the
 * legacy flat template.
 */
import { type Static, Type } from 'typebox';
import type { AlertDraft, Status } from '../alert/alert.js';
import { parseTimestamp } from '../alert/time.js';
import type { NormalizeContext, NormalizeResult, ProviderAdapter } from './adapter.js';
import { isRecord, lookup, nonEmpty, parseObject, prefixCanonical, scalar, toJsonLabelRecord } from './support.js';

/** Watcher action body `{"payload": ctx, "status": "Alert"}`; Keep needs the execution id. */
const watcher = Type.Object({ payload: Type.Object({ id: Type.String() }) });

/** One document of a Security rule's `context.alerts`, nested form. */
const detection = Type.Object({ kibana: Type.Object({ alert: Type.Object({}) }) });

/** Keep's alerting-rule connector body: context, alert and rule rendered as JSON strings. */
const connector = Type.Object({
  webhook_body: Type.Object({ context_info: Type.String(), alert_info: Type.String(), rule_info: Type.String() }),
});

/** Keep's older flat template (`ruleId: {{rule.id}}`, `name: {{rule.name}}`, …). */
const legacy = Type.Union([Type.Object({ ruleId: Type.String() }), Type.Object({ 'rule.name': Type.String() })]);

const schema = Type.Union([watcher, detection, connector, legacy]);

/** Any of the four Kibana body shapes. */
export type KibanaPayload = Static<typeof schema>;

type Fields = Record<string, unknown>;

/** Case-sensitive, as in Keep: Kibana's own "Recovered" action group name stays firing. */
const STATUS: Readonly<Record<string, Status>> = {
  active: 'firing',
  Alert: 'firing',
  recovered: 'resolved',
};

const DETECTION_DEFAULT_NAME = 'SIEM Kibana Alert';
const FLAT_DEFAULT_NAME = 'Kibana Alert [Could not extract name]';

export const kibanaAdapter: ProviderAdapter<KibanaPayload> = {
  type: 'kibana',
  displayName: 'Kibana',
  docsUrl: 'https://www.elastic.co/guide/en/kibana/current/webhook-action-type.html',
  fingerprintFields: [],
  schema,
  normalize(payload, ctx): NormalizeResult {
    const event: Fields = payload;
    if (isWatcher(event)) return single(fromWatcher(event, ctx));
    if (isDetection(event)) return single(fromDetection(event, ctx));
    const flattened = isRecord(event.webhook_body) ? flattenConnector(event) : null;
    return single(fromFlat(flattened ?? event, ctx));
  },
};

function single(alert: AlertDraft): NormalizeResult {
  return { kind: 'alerts', alerts: [alert] };
}

function isWatcher(event: Fields): event is Fields & { payload: Fields & { id: string } } {
  return isRecord(event.payload) && typeof event.payload.id === 'string';
}

function isDetection(event: Fields): event is Fields & { kibana: Fields & { alert: Fields } } {
  return isRecord(event.kibana) && isRecord(event.kibana.alert);
}

function fromWatcher(event: Fields & { payload: Fields & { id: string } }, ctx: NormalizeContext): AlertDraft {
  const { payload, status, ...rest } = event;
  const metadata = payload.metadata;
  const trigger = isRecord(payload.trigger) ? payload.trigger : {};
  return {
    ...base(ctx),
    id: payload.id,
    name: (isRecord(metadata) ? nonEmpty(metadata.name) : null) ?? payload.id,
    status: lookup(STATUS, status) ?? 'firing',
    fingerprint: nonEmpty(payload.watch_id) ?? payload.id,
    lastReceived: parseTimestamp(trigger.triggered_time) ?? ctx.now.toISOString(),
    extra: { ...vendorExtra(rest), payload },
  };
}

function fromDetection(event: Fields & { kibana: Fields & { alert: Fields } }, ctx: NormalizeContext): AlertDraft {
  const { service, url, message, labels, id, ...rest } = event;
  const alert = event.kibana.alert;
  const rule = isRecord(alert.rule) ? alert.rule : {};
  return {
    ...base(ctx),
    id: scalar(id),
    name: nonEmpty(rule.name) ?? DETECTION_DEFAULT_NAME,
    status: lookup(STATUS, alert.status) ?? 'firing',
    fingerprint: scalar(alert.id),
    description: nonEmpty(rule.description),
    // Keep spreads the document into the alert, so ECS `message` and `labels` land there.
    message: nonEmpty(message),
    service: nonEmpty(service) ?? (isRecord(service) ? nonEmpty(service.name) : null),
    url: nonEmpty(url) ?? (isRecord(url) ? nonEmpty(url.full) : null),
    labels: isRecord(labels) ? toJsonLabelRecord(labels) : {},
    // ECS objects (`service: {name, type}`, `url: {full, …}`) keep their other members here.
    extra: vendorExtra({ ...rest, ...unused({ service, url, message, id }), ...(isRecord(labels) ? {} : { labels }) }),
  };
}

/**
 * Keep's connector body rebuilt into the flat form Keep then maps. Null when any of the three
 * strings is not a JSON object (Keep then maps the body as a flat one; the raw strings stay).
 */
function flattenConnector(event: Fields): Fields | null {
  const { webhook_body: body, ...rest } = event;
  if (!isRecord(body)) return null;
  const context = parseObject(body.context_info);
  const alert = parseObject(body.alert_info);
  const rule = parseObject(body.rule_info);
  if (!context || !alert || !rule) return null;
  const params = isRecord(rule.params) ? rule.params : {};
  const flat: Fields = {
    actionGroup: alert.actionGroup,
    status: alert.actionGroupName,
    actionSubgroup: alert.actionSubgroup,
    isFlapping: alert.flapping,
    kibana_alert_id: alert.id,
    fingerprint: alert.uuid,
    url: context.alertDetailsUrl,
    'context.message': context.message,
    'context.hits': context.matchingDocuments,
    'context.link': context.viewInAppUrl,
    'context.query': params.criteria,
    'context.title': rule.name,
    description: context.reason,
    lastReceived: context.timestamp,
    ruleId: rule.id,
    'rule.spaceId': rule.spaceId,
    ruleUrl: rule.url,
    ruleTags: rule.tags ?? [],
    name: rule.name,
    'rule.type': rule.type,
  };
  for (const key of Object.keys(flat)) if (flat[key] === undefined) delete flat[key];
  // Everything Kibana rendered stays available, parsed, next to Keep's flattened keys.
  return { ...rest, ...flat, webhook_body: { context_info: context, alert_info: alert, rule_info: rule } };
}

/**
 * Keys of a flat body mapped onto canonical fields (Keep spreads the body into its AlertDto); a
 * non-scalar value under one of them is not mapped and stays in `extra`, prefixed.
 */
const FLAT_MAPPED = new Set([
  'id',
  'name',
  'status',
  'fingerprint',
  'lastReceived',
  'description',
  'message',
  'service',
  'url',
]);

/** Legacy flat body (also the rebuilt connector body): Keep spreads it into the alert. */
function fromFlat(event: Fields, ctx: NormalizeContext): AlertDraft {
  const labels = { ...tagLabels(event.ruleTags), ...tagLabels(event.contextTags) };
  const rest: Fields = {};
  for (const [key, value] of Object.entries(event)) if (!FLAT_MAPPED.has(key) || !isScalar(value)) rest[key] = value;
  return {
    ...base(ctx),
    id: scalar(event.id),
    name: flatName(event),
    status: lookup(STATUS, event.status) ?? 'firing',
    // An empty rendered `{{alert.id}}` means "no fingerprint", not the empty string.
    fingerprint: scalar(event.fingerprint),
    lastReceived: parseTimestamp(event.lastReceived) ?? ctx.now.toISOString(),
    description: nonEmpty(event.description),
    message: nonEmpty(event.message),
    service: nonEmpty(event.service),
    environment: labels.environment ?? 'undefined',
    url: nonEmpty(event.url) ?? nonEmpty(event.ruleUrl),
    labels,
    extra: vendorExtra(rest),
  };
}

/** Keep: `name`, else `rule.name`, else `ruleId`, else `message` (first key present), else a default. */
function flatName(event: Fields): string {
  const key = ['name', 'rule.name', 'ruleId'].find((candidate) => Object.hasOwn(event, candidate)) ?? 'message';
  return scalar(event[key]) ?? FLAT_DEFAULT_NAME;
}

/**
 * Rule/context tags of the form `k=v` as labels. A list as Kibana's JSON gives it, or the
 * comma-joined text Mustache renders for `"{{rule.tags}}"`.
 */
function tagLabels(tags: unknown): Record<string, string> {
  const list = typeof tags === 'string' ? tags.split(',') : Array.isArray(tags) ? tags : [];
  const labels: Record<string, string> = {};
  for (const tag of list) {
    if (typeof tag !== 'string') continue;
    const at = tag.indexOf('=');
    if (at !== -1) labels[tag.slice(0, at)] = tag.slice(at + 1);
  }
  return labels;
}

/** Fields every shape shares before its own mapping. Kibana carries no severity (Keep: info). */
function base(ctx: NormalizeContext): AlertDraft {
  return {
    id: null,
    name: '',
    status: 'firing',
    severity: 'info',
    fingerprint: null,
    lastReceived: ctx.now.toISOString(),
    description: null,
    message: null,
    source: ['kibana'],
    service: null,
    environment: null,
    url: null,
    labels: {},
    extra: {},
  };
}

/** Vendor keys for `extra`, with canonical names prefixed so they cannot shadow mapped fields. */
function vendorExtra(fields: Fields): Fields {
  return prefixCanonical(fields, 'kibana_');
}

/** The members that are not plain scalars (and so were not taken as canonical text). */
function unused(fields: Fields): Fields {
  const out: Fields = {};
  for (const [key, value] of Object.entries(fields)) if (value !== undefined && !isScalar(value)) out[key] = value;
  return out;
}

function isScalar(value: unknown): boolean {
  return value === null || typeof value === 'string' || typeof value === 'number';
}
