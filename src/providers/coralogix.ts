/**
 * Coralogix generic outbound webhooks → alert drafts, mapped as Keep's coralogix provider does
 * (keep-compat §5.13). Single: one notification is one alert trigger or resolution.
 */
import { type Static, Type } from 'typebox';
import type { AlertDraft, Severity, Status } from '../alert/alert.js';
import { parseTimestamp } from '../alert/time.js';
import type { NormalizeContext, NormalizeResult, ProviderAdapter } from './adapter.js';
import { isRecord, lookup, nonEmpty, parseObject, prefixCanonical, toJsonLabelRecord } from './support.js';

/** `{key, value}` pairs of the body's `fields` list; values are usually strings, sometimes not. */
const field = Type.Object({ key: Type.String(), value: Type.Unknown() });

/** Keep needs `alert_action`; `name` has no fallback (AlertDto requires it). */
const schema = Type.Object({
  name: Type.String(),
  alert_action: Type.String(),
  description: Type.Optional(Type.String()),
  fields: Type.Optional(Type.Array(field)),
});

/** A Coralogix generic outbound webhook body. */
export type CoralogixPayload = Static<typeof schema>;

const STATUS: Readonly<Record<string, Status>> = {
  trigger: 'firing',
  resolve: 'resolved',
};

/** fields.severityLowercase; note Keep lists `warn`, while Coralogix's level is named Warning. */
const SEVERITY: Readonly<Record<string, Severity>> = {
  debug: 'low',
  verbose: 'low',
  info: 'info',
  warn: 'warning',
  error: 'high',
  critical: 'critical',
};

/** fields.priority, used when severityLowercase gives no known level. */
const PRIORITY: Readonly<Record<string, Severity>> = {
  P1: 'critical',
  P2: 'high',
  P3: 'warning',
  P4: 'info',
  P5: 'low',
};

/** `fields` entries Keep promotes to top-level alert extras. */
const FIELD_EXTRAS = ['alertUniqueIdentifier', 'team', 'priority', 'computer'];

export const coralogixAdapter: ProviderAdapter<CoralogixPayload> = {
  type: 'coralogix',
  displayName: 'Coralogix',
  docsUrl:
    'https://coralogix.com/docs/user-guides/alerting/outbound-webhooks/generic-outbound-webhooks-alert-webhooks/',
  // Display-only in Keep: the alert itself keeps the default fingerprint (sha256 of the name).
  fingerprintFields: ['alertUniqueIdentifier'],
  schema,
  normalize(payload, ctx): NormalizeResult {
    return { kind: 'alerts', alerts: [toDraft(payload, ctx)] };
  },
};

function toDraft(payload: CoralogixPayload, ctx: NormalizeContext): AlertDraft {
  const { name, description, alert_action, fields: list, ...body } = payload;
  // Later duplicates win, as in Keep's dict comprehension.
  const fields: Record<string, unknown> = {};
  for (const item of list ?? []) fields[item.key] = item.value;

  // Every other body key (alert_id, uuid, threshold, alert_url, log_url, icon_url, …) is kept;
  // one that would shadow a canonical field (e.g. `service: "$SERVICE"`) is prefixed.
  const extra = prefixCanonical(body, 'coralogix_');
  for (const key of FIELD_EXTRAS) if (fields[key] !== undefined) extra[key] = fields[key];
  if (list !== undefined) extra.fields = fields;

  const uniqueId = fields.alertUniqueIdentifier;
  return {
    id: uniqueId === undefined || uniqueId === null ? null : String(uniqueId),
    name,
    status: lookup(STATUS, alert_action) ?? 'firing',
    severity: lookup(SEVERITY, fields.severityLowercase) ?? lookup(PRIORITY, fields.priority) ?? 'info',
    fingerprint: null,
    lastReceived: parseTimestamp(fields.timestampISO) ?? ctx.now.toISOString(),
    description: description ?? null,
    message: null,
    source: ['coralogix'],
    service: null,
    environment: null,
    url: alertLink(body),
    labels: labelsFrom(Object.hasOwn(fields, 'text') ? fields.text : fields.labels),
    extra,
  };
}

/** Keep leaves `url` empty; the alert's insight page (else its logs) is the link to follow. */
function alertLink(body: Record<string, unknown>): string | null {
  return nonEmpty(body.alert_url) ?? nonEmpty(body.log_url);
}

/**
 * Labels from fields.text (or fields.labels): a JSON object, possibly serialized; anything else
 * (plain text, a list, invalid JSON) gives no labels — the raw value stays in `extra.fields`.
 */
function labelsFrom(value: unknown): Record<string, string> {
  const decoded = typeof value === 'string' ? parseObject(value) : value;
  return isRecord(decoded) ? toJsonLabelRecord(decoded) : {};
}
