/**
 * VictoriaMetrics vmalert alerts relayed by Alertmanager's webhook (vmalert itself only talks to
 * Alertmanager) → alert drafts, mapped as Keep's victoriametrics provider does (keep-compat §5.2).
 * Batched: `alerts[]` and a per-alert `status` are required.
 */
import { type Static, Type } from 'typebox';
import type { AlertDraft, Severity, Status } from '../alert/alert.js';
import type { NormalizeContext, ProviderAdapter } from './adapter.js';
import { lookup, omit, text, toLabelRecord } from './support.js';

const alertSchema = Type.Object({
  status: Type.String(),
  labels: Type.Object({ alertname: Type.String() }),
  annotations: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  fingerprint: Type.Optional(Type.String()),
  generatorURL: Type.Optional(Type.String()),
});

const schema = Type.Object({ alerts: Type.Array(alertSchema) });

export type VictoriametricsPayload = Static<typeof schema>;
type VictoriametricsAlert = Static<typeof alertSchema>;

const STATUS: Readonly<Record<string, Status>> = {
  firing: 'firing',
  resolved: 'resolved',
  acknowledged: 'acknowledged',
  suppressed: 'suppressed',
  pending: 'pending',
};

const SEVERITY: Readonly<Record<string, Severity>> = {
  critical: 'critical',
  high: 'high',
  warning: 'warning',
  low: 'low',
  test: 'info',
  info: 'info',
};

/** Alert keys with a canonical home; everything else is kept in extra. */
const MAPPED = new Set(['status', 'labels', 'fingerprint', 'generatorURL']);

export const victoriametricsAdapter: ProviderAdapter<VictoriametricsPayload> = {
  type: 'victoriametrics',
  displayName: 'VictoriaMetrics (vmalert)',
  docsUrl: 'https://docs.victoriametrics.com/vmalert/',
  fingerprintFields: [],
  schema,
  normalize(payload, ctx) {
    const { alerts, ...group } = payload;
    return { kind: 'alerts', alerts: alerts.map((alert) => toDraft(alert, group, ctx)) };
  },
};

function toDraft(alert: VictoriametricsAlert, group: Record<string, unknown>, ctx: NormalizeContext): AlertDraft {
  const annotations = alert.annotations ?? {};
  const labels: Record<string, unknown> = alert.labels;
  const extra = omit(alert, MAPPED);
  extra.group = group;
  return {
    id: alert.fingerprint ?? null,
    name: alert.labels.alertname,
    status: lookup(STATUS, alert.status) ?? 'firing',
    // A missing severity label counts as `low`, unlike most providers.
    severity: lookup(SEVERITY, labels.severity ?? 'low') ?? 'low',
    fingerprint: alert.fingerprint ?? null,
    lastReceived: ctx.now.toISOString(),
    description: text(annotations.description),
    message: text(annotations.summary),
    source: ['victoriametrics'],
    service: null,
    environment: null,
    url: alert.generatorURL ?? null,
    labels: toLabelRecord(labels),
    extra,
  };
}
