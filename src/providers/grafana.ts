/**
 * Grafana webhook contact point → alert drafts, mapped as Keep's grafana provider does
 * (keep-compat §5.3). Unified alerting is batched (`alerts[]`, name and status taken from the
 * notification); the legacy dashboard-alert shape (`evalMatches`) is a single alert.
 */
import { type Static, Type } from 'typebox';
import type { AlertDraft, Severity, Status } from '../alert/alert.js';
import { sha256Hex } from '../alert/hash.js';
import { pythonJsonDumps } from '../alert/python-json.js';
import type { NormalizeContext, NormalizeResult, ProviderAdapter } from './adapter.js';
import { copyLabelsToAttributes } from './prometheus.js';
import { lookup, nonEmpty, omit, text, toLabelRecord } from './support.js';

const unifiedAlertSchema = Type.Object({
  labels: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  annotations: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  fingerprint: Type.Optional(Type.String()),
  generatorURL: Type.Optional(Type.String()),
  imageURL: Type.Optional(Type.String()),
});

const unifiedSchema = Type.Object({
  title: Type.String(),
  status: Type.Optional(Type.String()),
  externalURL: Type.Optional(Type.String()),
  alerts: Type.Array(unifiedAlertSchema),
});

const legacySchema = Type.Object({
  evalMatches: Type.Array(Type.Unknown()),
  ruleName: Type.String(),
  ruleId: Type.Optional(Type.Union([Type.Integer(), Type.String()])),
  state: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
  ruleUrl: Type.Optional(Type.String()),
});

const schema = Type.Union([unifiedSchema, legacySchema]);

export type GrafanaPayload = Static<typeof schema>;
type UnifiedPayload = Static<typeof unifiedSchema>;
type UnifiedAlert = Static<typeof unifiedAlertSchema>;
type LegacyPayload = Static<typeof legacySchema>;

const STATUS: Readonly<Record<string, Status>> = {
  ok: 'resolved',
  resolved: 'resolved',
  normal: 'resolved',
  paused: 'suppressed',
  alerting: 'firing',
  pending: 'pending',
  no_data: 'pending',
};

const SEVERITY: Readonly<Record<string, Severity>> = {
  critical: 'critical',
  high: 'high',
  warning: 'warning',
  info: 'info',
};

/** Per-alert fields Keep renames into extra (Grafana name → extra key). */
const RENAMED: Readonly<Record<string, string>> = {
  dashboardURL: 'dashboardUrl',
  panelURL: 'panelUrl',
  imageURL: 'imageUrl',
  // Keep ignores the per-alert status (it uses the notification's); kept under a non-clashing key.
  status: 'alertStatus',
};

/** Per-alert fields with a canonical home. */
const MAPPED = new Set(['labels', 'fingerprint', 'generatorURL']);

/** Legacy fields with a canonical home or a place in the labels. */
const LEGACY_MAPPED = new Set(['ruleId', 'ruleName', 'state', 'message', 'ruleUrl', 'metric']);

export const grafanaAdapter: ProviderAdapter<GrafanaPayload> = {
  type: 'grafana',
  displayName: 'Grafana Alerting',
  docsUrl:
    'https://grafana.com/docs/grafana/latest/alerting/configure-notifications/manage-contact-points/integrations/webhook-notifier/',
  fingerprintFields: ['fingerprint'],
  schema,
  normalize(payload, ctx): NormalizeResult {
    if ('evalMatches' in payload) return { kind: 'alerts', alerts: [legacyDraft(payload, ctx)] };
    const { alerts, ...group } = payload;
    return { kind: 'alerts', alerts: alerts.map((alert) => unifiedDraft(alert, group, ctx)) };
  },
};

function unifiedDraft(alert: UnifiedAlert, group: Omit<UnifiedPayload, 'alerts'>, ctx: NormalizeContext): AlertDraft {
  const labels = alert.labels ?? {};
  const annotations = alert.annotations ?? {};
  const extra: Record<string, unknown> = { annotations };
  for (const [key, value] of Object.entries(alert)) {
    if (MAPPED.has(key) || key === 'annotations') continue;
    extra[Object.hasOwn(RENAMED, key) ? (RENAMED[key] as string) : key] = value;
  }
  const imageUrl = absolute(alert.imageURL, group.externalURL);
  if (imageUrl !== null) extra.imageUrl = imageUrl;
  extra.group = group;
  const draft: AlertDraft = {
    id: alert.fingerprint ?? null,
    // Keep names every alert of the notification after the notification title.
    name: group.title,
    status: lookup(STATUS, group.status) ?? 'firing',
    severity: lookup(SEVERITY, labels.severity) ?? 'info',
    fingerprint: unifiedFingerprint(alert, labels),
    lastReceived: ctx.now.toISOString(),
    description: text(annotations.description || annotations.summary),
    message: null,
    source: ['grafana'],
    service: null,
    environment: text(labels.deployment_environment ?? labels.environment ?? 'unknown'),
    url: absolute(alertLink(alert), group.externalURL),
    labels: toLabelRecord(labels),
    extra,
  };
  copyLabelsToAttributes(draft, labels);
  for (const key of ['value', 'datasource']) {
    if (!Object.hasOwn(extra, key)) extra[key] = '';
  }
  return draft;
}

/** Alert fingerprint, else a `fingerprint` label, else a hash of the labels as Python dumps them. */
function unifiedFingerprint(alert: UnifiedAlert, labels: Record<string, unknown>): string {
  if (alert.fingerprint) return alert.fingerprint;
  if (typeof labels.fingerprint === 'string' && labels.fingerprint !== '') return labels.fingerprint;
  if (Object.keys(labels).length > 0) return sha256Hex(pythonJsonDumps(labels));
  const raw: Record<string, unknown> = alert;
  return sha256Hex(`${text(raw.alertname) ?? ''}${text(raw.service) ?? ''}`);
}

/** The rule's page (what Keep links); without one, the panel or dashboard the alert sits on. */
function alertLink(alert: UnifiedAlert): string | null {
  const raw: Record<string, unknown> = alert;
  return nonEmpty(alert.generatorURL) ?? nonEmpty(raw.panelURL) ?? nonEmpty(raw.dashboardURL);
}

function legacyDraft(payload: LegacyPayload, ctx: NormalizeContext): AlertDraft {
  const ruleId = payload.ruleId === undefined ? '' : String(payload.ruleId);
  const raw: Record<string, unknown> = payload;
  const extra = omit(raw, LEGACY_MAPPED);
  return {
    id: ruleId === '' ? null : ruleId,
    name: payload.ruleName,
    status: payload.state === 'alerting' ? 'firing' : 'resolved',
    severity: 'critical',
    fingerprint: ruleId === '' ? null : ruleId,
    lastReceived: ctx.now.toISOString(),
    description: payload.message ?? '',
    message: null,
    source: ['grafana'],
    service: null,
    environment: null,
    url: payload.ruleUrl || null,
    labels: {
      metric: text(raw.metric) ?? '',
      ruleId,
      ruleName: payload.ruleName,
      ruleUrl: payload.ruleUrl ?? '',
      state: payload.state ?? '',
    },
    extra,
  };
}

/** Resolves a Grafana-relative link ("/alerting/…") against the notification's externalURL. */
function absolute(link: string | null | undefined, base: string | undefined): string | null {
  if (link === undefined || link === null || link === '') return null;
  if (!base || /^[a-z][a-z0-9+.-]*:/i.test(link)) return link;
  try {
    return new URL(link, base).toString();
  } catch {
    return link;
  }
}
