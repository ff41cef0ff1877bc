import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import type { AlertDraft } from '../../../src/alert/alert.js';
import { type GcpmonitoringPayload, gcpmonitoringAdapter } from '../../../src/providers/gcpmonitoring.js';

const now = new Date('2024-06-01T12:00:00.000Z');
const ctx = { now, providerId: null };
const check = Compile(gcpmonitoringAdapter.schema);

function fixture(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../../fixtures/providers/${path}`, import.meta.url), 'utf8'));
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function single(payload: Record<string, unknown>): AlertDraft {
  expect(check.Check(payload)).toBe(true);
  const result = gcpmonitoringAdapter.normalize(payload as GcpmonitoringPayload, ctx);
  if (result.kind !== 'alerts') throw new Error(`expected alerts, got ${result.kind}`);
  expect(result.alerts).toHaveLength(1);
  return result.alerts[0] as AlertDraft;
}

/** The open incident with `patch` merged into `incident` (undefined removes a key). */
function withIncident(patch: Record<string, unknown>): Record<string, unknown> {
  const payload = fixture('gcpmonitoring/incident-open.json');
  const incident = { ...(payload.incident as Record<string, unknown>), ...patch };
  for (const [key, value] of Object.entries(patch)) if (value === undefined) delete incident[key];
  return { ...payload, incident };
}

describe('gcpmonitoring adapter', () => {
  it('declares its contract', () => {
    expect(gcpmonitoringAdapter.type).toBe('gcpmonitoring');
    expect(gcpmonitoringAdapter.fingerprintFields).toEqual(['incident_id']);
    expect(gcpmonitoringAdapter.docsUrl).toMatch(/^https:\/\/cloud\.google\.com\/monitoring\//);
  });

  it('maps an open incident', () => {
    const payload = fixture('gcpmonitoring/incident-open.json');
    const incident = payload.incident as Record<string, unknown>;
    const alert = single(payload);
    const { summary: _s, state: _st, url: _u, documentation, severity: _sev, ...rest } = incident;
    expect(alert).toEqual({
      id: '0.nkm0f4t0v5ls',
      name: '[CRITICAL] Checkout VM CPU high',
      status: 'firing',
      severity: 'critical',
      fingerprint: sha256('0.nkm0f4t0v5ls'),
      lastReceived: '2024-05-14T10:25:39.000Z',
      description: incident.summary,
      message: null,
      source: ['gcpmonitoring'],
      service: 'checkout',
      environment: null,
      url: 'https://console.cloud.google.com/monitoring/alerting/alerts/0.nkm0f4t0v5ls?project=shop-prod-4411',
      labels: { service: 'checkout', application: 'shop', team: 'payments' },
      extra: {
        version: '1.2',
        incident_id: '0.nkm0f4t0v5ls',
        content: 'CPU on the checkout fleet is saturated. Runbook: https://runbooks.example.com/checkout-cpu',
        application: 'shop',
        documentation,
        gcp: rest,
      },
    });
    expect(Object.keys(alert.extra.gcp as object)).not.toContain('summary');
    expect(alert.extra.gcp).toHaveProperty('policy_user_labels');
  });

  it('maps the closed incident onto the same fingerprint, keeping started_at as lastReceived', () => {
    const open = single(fixture('gcpmonitoring/incident-open.json'));
    const closed = single(fixture('gcpmonitoring/incident-closed.json'));
    expect(closed.status).toBe('resolved');
    expect(closed.fingerprint).toBe(open.fingerprint);
    expect(closed.lastReceived).toBe('2024-05-14T10:25:39.000Z');
    expect((closed.extra.gcp as Record<string, unknown>).ended_at).toBe(1715683239);
  });

  it('maps the console test notification (documentation is a string, started_at 0)', () => {
    const alert = single(fixture('gcpmonitoring/test-notification.json'));
    expect(alert).toMatchObject({
      id: '12345',
      name: 'Test notification',
      status: 'firing',
      severity: 'info',
      fingerprint: sha256('12345'),
      lastReceived: now.toISOString(),
      description: 'Test Incident',
      url: 'http://www.example.com',
      service: null,
      labels: { example: 'label' },
    });
    expect(alert.extra.content).toBeNull();
    expect(alert.extra.documentation).toBe('Test documentation');
  });

  it('names the incident after subject, else summary, else the Keep fallback', () => {
    expect(single(withIncident({ documentation: { content: 'c' } })).name).toBe(
      (fixture('gcpmonitoring/incident-open.json').incident as Record<string, unknown>).summary,
    );
    expect(single(withIncident({ documentation: undefined })).name).toBe(single(withIncident({})).description);
    expect(single(withIncident({ documentation: { subject: '' } })).name).toBe('GCPMontirong Alert (No subject)');
    expect(single(withIncident({ documentation: {}, summary: undefined })).name).toBe(
      'GCPMontirong Alert (No subject)',
    );
    expect(single(withIncident({ documentation: undefined, summary: undefined })).description).toBe('');
  });

  it.each([
    ['open', 'firing'],
    ['OPEN', 'firing'],
    ['closed', 'resolved'],
    ['CLOSED', 'resolved'],
    ['acknowledged', 'firing'],
  ])('maps state %s to %s', (state, expected) => {
    expect(single(withIncident({ state })).status).toBe(expected);
  });

  it.each([
    ['Critical', 'critical'],
    ['CRITICAL', 'critical'],
    ['Error', 'high'],
    ['Warning', 'warning'],
    ['No severity', 'info'],
    [null, 'info'],
  ])('maps incident.severity %s to %s', (severity, expected) => {
    expect(single(withIncident({ severity })).severity).toBe(expected);
  });

  it.each([
    ['CRITICAL', 'critical'],
    ['ERROR', 'high'],
    ['WARNING', 'warning'],
    ['critical', 'info'],
  ])('without incident.severity maps policy label severity %s (as sent) to %s', (label, expected) => {
    const policy_user_labels = { service: 'checkout', severity: label };
    expect(single(withIncident({ severity: undefined, policy_user_labels })).severity).toBe(expected);
  });

  it('uses receive time without started_at and has no url or service when absent', () => {
    const alert = single(withIncident({ started_at: undefined, url: '', policy_user_labels: undefined }));
    expect(alert.lastReceived).toBe(now.toISOString());
    expect(alert.url).toBeNull();
    expect(alert.service).toBeNull();
    expect(alert.labels).toEqual({});
    expect(alert.extra).not.toHaveProperty('application');
  });

  it('rejects payloads of other providers and an incident without incident_id', () => {
    expect(check.Check(fixture('azuremonitoring/metric-alert-fired.json'))).toBe(false);
    expect(check.Check(fixture('zabbix/problem.json'))).toBe(false);
    const noId = withIncident({ incident_id: undefined });
    expect(check.Check(noId)).toBe(false);
    expect([...check.Errors(noId)].map((error) => error.instancePath)).toContain('/incident');
    expect(check.Check({ version: '1.2' })).toBe(false);
  });
});
