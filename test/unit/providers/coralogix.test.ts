import { readFileSync } from 'node:fs';
import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import type { AlertDraft } from '../../../src/alert/alert.js';
import { type CoralogixPayload, coralogixAdapter } from '../../../src/providers/coralogix.js';

const now = new Date('2024-06-01T12:00:00.000Z');
const ctx = { now, providerId: null };
const check = Compile(coralogixAdapter.schema);

type Field = { key: string; value: unknown };

function fixture(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../../fixtures/providers/${path}`, import.meta.url), 'utf8'));
}

function single(payload: Record<string, unknown>): AlertDraft {
  expect(check.Check(payload)).toBe(true);
  const result = coralogixAdapter.normalize(payload as CoralogixPayload, ctx);
  if (result.kind !== 'alerts') throw new Error(`expected alerts, got ${result.kind}`);
  expect(result.alerts).toHaveLength(1);
  return result.alerts[0] as AlertDraft;
}

/** The trigger fixture with its `fields` list replaced. */
function withFields(fields: Field[], patch: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...fixture('coralogix/trigger.json'), ...patch, fields };
}

describe('coralogix adapter', () => {
  it('declares its contract', () => {
    expect(coralogixAdapter.type).toBe('coralogix');
    expect(coralogixAdapter.fingerprintFields).toEqual(['alertUniqueIdentifier']);
    expect(coralogixAdapter.docsUrl).toMatch(/^https:\/\/coralogix\.com\/docs\/.*outbound-webhooks/);
  });

  it('maps a trigger notification', () => {
    const payload = fixture('coralogix/trigger.json');
    const alert = single(payload);
    const fields = Object.fromEntries((payload.fields as Field[]).map((f) => [f.key, f.value]));
    expect(alert).toEqual({
      id: '780c892f-f4db-43cb-a833-5f13a5523e96',
      name: 'Payments API error logs',
      status: 'firing',
      severity: 'high',
      // Keep leaves the default (sha256 of the name) to the gateway.
      fingerprint: null,
      lastReceived: '2024-08-14T21:28:56.254Z',
      description: 'More than 20 error logs from payments-api in 10 minutes',
      message: null,
      source: ['coralogix'],
      service: null,
      environment: null,
      url: 'https://acme.app.coralogix.com/#/insights?id=a6a74b7a-0d04-4806-9cf9-2d2c65ce444b',
      // fields.text is a JSON log line: its keys become labels, values stringified.
      labels: { level: 'error', region: 'eu-west-1', retries: '3' },
      extra: {
        uuid: '36fa9188-d097-439f-aad8-eb492169ac87',
        alert_id: '49a4afb5-9231-418d-94ea-3a7546779658',
        threshold: '20',
        timewindow: '10',
        group_by_labels: '["kubernetes.pod_name"]',
        alert_url: 'https://acme.app.coralogix.com/#/insights?id=a6a74b7a-0d04-4806-9cf9-2d2c65ce444b',
        log_url: 'https://acme.app.coralogix.com/#/query-new/logs?id=uQAA2PuhsqCRkFj8HsWufQ',
        icon_url: 'https://dashboard.coralogix.com/assets/invite.png',
        coralogix_service: 'payments-api',
        duration: '',
        errors: '',
        spans: '',
        alertUniqueIdentifier: '780c892f-f4db-43cb-a833-5f13a5523e96',
        team: 'acme',
        priority: 'P2',
        computer: 'payments-api-6d5f7c9b8-x2kqz',
        fields,
      },
    });
    expect(alert.extra.fields).toMatchObject({ timestampMs: 1723670936254, metaLabelsList: ['alert_type:security'] });
  });

  it('maps a resolve notification whose lowercase severity Keep does not know', () => {
    const alert = single(fixture('coralogix/resolve.json'));
    expect(alert.status).toBe('resolved');
    // "warning" is not in Keep's map ("warn" is); the P3 priority decides.
    expect(alert.severity).toBe('warning');
    expect(alert.lastReceived).toBe('2024-08-14T21:48:02.001Z');
    // Plain-text fields.text: no labels, the text stays in extra.fields.
    expect(alert.labels).toEqual({});
    expect((alert.extra.fields as Record<string, unknown>).text).toBe('payment provider timeout after 3 retries');
    expect(alert.extra).not.toHaveProperty('coralogix_service');
  });

  it.each([
    ['trigger', 'firing'],
    ['resolve', 'resolved'],
    ['Resolve', 'firing'],
    ['unknown', 'firing'],
  ])('maps alert_action %s to %s', (action, expected) => {
    expect(single(withFields([], { alert_action: action })).status).toBe(expected);
  });

  it.each([
    ['debug', 'low'],
    ['verbose', 'low'],
    ['info', 'info'],
    ['warn', 'warning'],
    ['error', 'high'],
    ['critical', 'critical'],
  ])('maps severityLowercase %s to %s over the priority', (level, expected) => {
    const fields = [
      { key: 'severityLowercase', value: level },
      { key: 'priority', value: 'P5' },
    ];
    expect(single(withFields(fields)).severity).toBe(expected);
  });

  it.each([
    ['P1', 'critical'],
    ['P2', 'high'],
    ['P3', 'warning'],
    ['P4', 'info'],
    ['P5', 'low'],
    ['P9', 'info'],
  ])('maps priority %s to %s without a known severityLowercase', (priority, expected) => {
    expect(single(withFields([{ key: 'priority', value: priority }])).severity).toBe(expected);
  });

  it('defaults to info, receive time and no id when fields are absent', () => {
    const { fields: _, ...payload } = fixture('coralogix/trigger.json');
    const alert = single(payload);
    expect(alert.severity).toBe('info');
    expect(alert.lastReceived).toBe(now.toISOString());
    expect(alert.id).toBeNull();
    expect(alert.labels).toEqual({});
    expect(alert.extra).not.toHaveProperty('fields');
  });

  it('links the alert_url, else the log_url, else nothing', () => {
    const { alert_url: _alert, ...withoutAlertUrl } = fixture('coralogix/trigger.json');
    expect(single(withoutAlertUrl).url).toBe(
      'https://acme.app.coralogix.com/#/query-new/logs?id=uQAA2PuhsqCRkFj8HsWufQ',
    );
    const { log_url: _log, ...withoutLinks } = withoutAlertUrl;
    expect(single(withoutLinks).url).toBeNull();
  });

  it('takes labels from fields.labels when there is no text, and ignores non-object JSON', () => {
    const labelsOnly = [{ key: 'labels', value: '{"team":"payments","tier":1}' }];
    expect(single(withFields(labelsOnly)).labels).toEqual({ team: 'payments', tier: '1' });
    expect(single(withFields([{ key: 'labels', value: { zone: 'b' } }])).labels).toEqual({ zone: 'b' });
    expect(single(withFields([{ key: 'text', value: '[1,2]' }])).labels).toEqual({});
    const broken = single(withFields([{ key: 'text', value: '{"team":' }]));
    expect(broken.labels).toEqual({});
    expect(broken.extra.fields).toEqual({ text: '{"team":' });
  });

  it('lets a later duplicate field win and stringifies a numeric unique identifier', () => {
    const fields = [
      { key: 'alertUniqueIdentifier', value: 'first' },
      { key: 'alertUniqueIdentifier', value: 12345 },
    ];
    expect(single(withFields(fields)).id).toBe('12345');
  });

  it('rejects another provider payload and a payload missing a required field', () => {
    expect(check.Check(fixture('signalfx/anomalous-critical.json'))).toBe(false);
    for (const key of ['name', 'alert_action']) {
      const { [key]: _, ...missing } = fixture('coralogix/trigger.json');
      expect(check.Check(missing)).toBe(false);
    }
    expect(check.Check(withFields([{ value: 'no key' } as unknown as Field]))).toBe(false);
  });
});
