/**
 * Azure Monitor action-group webhook using the common alert schema → alert drafts, mapped as Keep's
 * azuremonitoring provider does (keep-compat §5.11). Single: one payload is one alert instance.
 */
import { type Static, Type } from 'typebox';
import type { AlertDraft, Severity, Status } from '../alert/alert.js';
import { parseTimestamp } from '../alert/time.js';
import type { NormalizeContext, NormalizeResult, ProviderAdapter } from './adapter.js';
import { get, isRecord, lookup, toLabelRecord } from './support.js';

const schema = Type.Object({
  schemaId: Type.Optional(Type.String()),
  data: Type.Object({
    essentials: Type.Object({
      alertId: Type.String(),
      alertRule: Type.String(),
    }),
  }),
});

export type AzuremonitoringPayload = Static<typeof schema>;

const SEVERITY: Readonly<Record<string, Severity>> = {
  Sev0: 'critical',
  Sev1: 'high',
  Sev2: 'warning',
  Sev3: 'info',
  Sev4: 'low',
};

const STATUS: Readonly<Record<string, Status>> = { Fired: 'firing', Resolved: 'resolved' };

const PORTAL_ALERT_URL =
  'https://portal.azure.com/#view/Microsoft_Azure_Monitoring_Alerts/AlertDetails.ReactView/alertId~/';

export const azuremonitoringAdapter: ProviderAdapter<AzuremonitoringPayload> = {
  type: 'azuremonitoring',
  displayName: 'Azure Monitor',
  docsUrl: 'https://learn.microsoft.com/en-us/azure/azure-monitor/alerts/alerts-common-schema',
  fingerprintFields: [],
  schema,
  normalize(payload, ctx): NormalizeResult {
    return { kind: 'alerts', alerts: [toDraft(payload, ctx)] };
  },
};

function toDraft(payload: AzuremonitoringPayload, ctx: NormalizeContext): AlertDraft {
  const { data: _data, ...envelope } = payload;
  const data: Record<string, unknown> = payload.data;
  const { essentials: _essentials, alertContext: _context, customProperties, ...restOfData } = data;
  const essentials: Record<string, unknown> = payload.data.essentials;
  const segments = payload.data.essentials.alertId.split('/');
  const alertId = segments[segments.length - 1] ?? '';
  const subscription = segments[2];
  // Keep uses firedDateTime whenever present, so a resolution keeps the fire time.
  const fired = essentials.firedDateTime;
  const when = fired === undefined || fired === null ? essentials.resolvedDateTime : fired;
  return {
    id: alertId,
    name: payload.data.essentials.alertRule,
    status: lookup(STATUS, essentials.monitorCondition) ?? 'firing',
    severity: lookup(SEVERITY, essentials.severity) ?? 'info',
    fingerprint: null,
    lastReceived: parseTimestamp(when) ?? ctx.now.toISOString(),
    description: description(essentials),
    message: null,
    source: ['azuremonitoring'],
    service: null,
    environment: null,
    url: subscription ? portalUrl(subscription, alertId) : null,
    // customProperties is null for non-metric alerts: no labels then.
    labels: isRecord(customProperties) ? toLabelRecord(customProperties) : {},
    extra: {
      ...envelope,
      ...restOfData,
      groups: get(essentials, 'alertTargetIDs', []),
      monitor_id: get(essentials, 'originAlertId', ''),
      alertContext: get(data, 'alertContext', {}),
      essentials,
      customProperties: get(data, 'customProperties', {}),
    },
  };
}

/** Portal deep link to the alert instance, built from the subscription in the alertId path. */
function portalUrl(subscription: string, alertId: string): string {
  const path = `/subscriptions/${subscription}/providers/Microsoft.AlertsManagement/alerts/${alertId}`;
  return PORTAL_ALERT_URL + path.replaceAll('/', '%2F');
}

/** Keep's essentials.get("description", ""): absent → "", explicit null stays null. */
function description(essentials: Record<string, unknown>): string | null {
  const value = essentials.description;
  if (value === undefined) return '';
  if (value === null) return null;
  return typeof value === 'string' ? value : JSON.stringify(value);
}
