import { readFileSync } from 'node:fs';
import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import type { AlertDraft } from '../../../src/alert/alert.js';
import { type AzuremonitoringPayload, azuremonitoringAdapter } from '../../../src/providers/azuremonitoring.js';

const now = new Date('2024-06-01T12:00:00.000Z');
const ctx = { now, providerId: 'azure-prod' };
const check = Compile(azuremonitoringAdapter.schema);
const SUBSCRIPTION = '11111111-2222-3333-4444-555555555555';

function fixture(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../../fixtures/providers/${path}`, import.meta.url), 'utf8'));
}

function single(payload: Record<string, unknown>): AlertDraft {
  expect(check.Check(payload)).toBe(true);
  const result = azuremonitoringAdapter.normalize(payload as AzuremonitoringPayload, ctx);
  if (result.kind !== 'alerts') throw new Error(`expected alerts, got ${result.kind}`);
  expect(result.alerts).toHaveLength(1);
  return result.alerts[0] as AlertDraft;
}

/** The fired metric alert with `patch` merged into data.essentials (undefined removes a key). */
function withEssentials(patch: Record<string, unknown>): Record<string, unknown> {
  const payload = fixture('azuremonitoring/metric-alert-fired.json');
  const data = payload.data as Record<string, unknown>;
  const essentials = { ...(data.essentials as Record<string, unknown>), ...patch };
  for (const [key, value] of Object.entries(patch)) if (value === undefined) delete essentials[key];
  return { ...payload, data: { ...data, essentials } };
}

function portalUrl(alertId: string): string {
  return (
    'https://portal.azure.com/#view/Microsoft_Azure_Monitoring_Alerts/AlertDetails.ReactView/alertId~/' +
    `%2Fsubscriptions%2F${SUBSCRIPTION}%2Fproviders%2FMicrosoft.AlertsManagement%2Falerts%2F${alertId}`
  );
}

describe('azuremonitoring adapter', () => {
  it('declares its contract', () => {
    expect(azuremonitoringAdapter.type).toBe('azuremonitoring');
    expect(azuremonitoringAdapter.fingerprintFields).toEqual([]);
    expect(azuremonitoringAdapter.docsUrl).toContain('alerts-common-schema');
  });

  it('maps a fired metric alert', () => {
    const payload = fixture('azuremonitoring/metric-alert-fired.json');
    const data = payload.data as Record<string, unknown>;
    const alert = single(payload);
    expect(alert).toEqual({
      id: 'b9569717-bc32-442f-add5-83a997729330',
      name: 'checkout-vm-high-cpu',
      status: 'firing',
      severity: 'high',
      fingerprint: null,
      lastReceived: '2024-05-14T10:25:47.031Z',
      description: 'Average CPU above 85% for 5 minutes',
      message: null,
      source: ['azuremonitoring'],
      service: null,
      environment: null,
      url: portalUrl('b9569717-bc32-442f-add5-83a997729330'),
      labels: { team: 'payments', runbook: 'https://runbooks.example.com/checkout-cpu' },
      extra: {
        schemaId: 'azureMonitorCommonAlertSchema',
        groups: [
          `/subscriptions/${SUBSCRIPTION}/resourcegroups/checkout-rg/providers/microsoft.compute/virtualmachines/checkout-vm-01`,
        ],
        monitor_id: `${SUBSCRIPTION}_checkout-rg_microsoft.insights_metricAlerts_checkout-vm-high-cpu_-117781227`,
        alertContext: data.alertContext,
        essentials: data.essentials,
        customProperties: data.customProperties,
      },
    });
  });

  it('keeps the fire time on a resolution that carries both timestamps', () => {
    const alert = single(fixture('azuremonitoring/metric-alert-resolved.json'));
    expect(alert.status).toBe('resolved');
    expect(alert.lastReceived).toBe('2024-05-14T10:25:47.031Z');
    expect(alert.id).toBe('b9569717-bc32-442f-add5-83a997729330');
  });

  it('uses resolvedDateTime only when firedDateTime is absent, and receive time when both are', () => {
    const resolvedOnly = withEssentials({ firedDateTime: undefined, resolvedDateTime: '2024-05-14T10:40:16.2246313Z' });
    expect(single(resolvedOnly).lastReceived).toBe('2024-05-14T10:40:16.224Z');
    expect(single(withEssentials({ firedDateTime: undefined })).lastReceived).toBe(now.toISOString());
  });

  it('maps a log search alert whose customProperties is null', () => {
    const alert = single(fixture('azuremonitoring/log-alert-fired.json'));
    expect(alert).toMatchObject({
      id: '0c3f4d4b-9d6a-4c8e-9a34-1b7e3c0f9e21',
      name: 'checkout-5xx-log-search',
      severity: 'warning',
      status: 'firing',
      lastReceived: '2024-05-14T11:02:05.152Z',
      labels: {},
      url: portalUrl('0c3f4d4b-9d6a-4c8e-9a34-1b7e3c0f9e21'),
    });
    expect(alert.extra.customProperties).toBeNull();
  });

  it.each([
    ['Sev0', 'critical'],
    ['Sev1', 'high'],
    ['Sev2', 'warning'],
    ['Sev3', 'info'],
    ['Sev4', 'low'],
    ['sev0', 'info'],
    ['Critical', 'info'],
  ])('maps severity %s to %s', (severity, expected) => {
    expect(single(withEssentials({ severity })).severity).toBe(expected);
  });

  it.each([
    ['Fired', 'firing'],
    ['Resolved', 'resolved'],
    ['resolved', 'firing'],
    [undefined, 'firing'],
  ])('maps monitorCondition %s to %s', (monitorCondition, expected) => {
    expect(single(withEssentials({ monitorCondition })).status).toBe(expected);
  });

  it('defaults the Keep extras when the payload omits them, and has no url without a subscription', () => {
    const alert = single(
      withEssentials({
        alertId: 'b9569717',
        alertTargetIDs: undefined,
        originAlertId: undefined,
        description: undefined,
      }),
    );
    expect(alert.id).toBe('b9569717');
    expect(alert.url).toBeNull();
    expect(alert.description).toBe('');
    expect(alert.extra.groups).toEqual([]);
    expect(alert.extra.monitor_id).toBe('');
    expect(single(withEssentials({ description: null })).description).toBeNull();
  });

  it('rejects payloads of other providers and payloads missing a required field', () => {
    expect(check.Check(fixture('gcpmonitoring/incident-open.json'))).toBe(false);
    expect(check.Check(fixture('cloudwatch/alarm-notification.json'))).toBe(false);
    const noRule = withEssentials({ alertRule: undefined });
    expect(check.Check(noRule)).toBe(false);
    expect([...check.Errors(noRule)].map((error) => error.instancePath)).toContain('/data/essentials');
    expect(check.Check(withEssentials({ alertId: undefined }))).toBe(false);
  });
});
