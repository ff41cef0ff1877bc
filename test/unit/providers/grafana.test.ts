import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import type { AlertDraft } from '../../../src/alert/alert.js';
import type { NormalizeResult } from '../../../src/providers/adapter.js';
import { type GrafanaPayload, grafanaAdapter } from '../../../src/providers/grafana.js';

const ctx = { now: new Date('2026-02-27T10:00:00.000Z'), providerId: null };
const validator = Compile(grafanaAdapter.schema);
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

function fixture(path: string): unknown {
  return JSON.parse(readFileSync(new URL(`../../fixtures/providers/${path}`, import.meta.url), 'utf8'));
}

function normalize(payload: unknown): AlertDraft[] {
  expect(validator.Check(payload)).toBe(true);
  const result: NormalizeResult = grafanaAdapter.normalize(payload as GrafanaPayload, ctx);
  if (result.kind !== 'alerts') throw new Error(`expected alerts, got ${result.kind}`);
  return result.alerts;
}

function unified(alert: Record<string, unknown>, notification: Record<string, unknown> = {}): AlertDraft {
  const [draft] = normalize({ title: 'Probe', status: 'firing', alerts: [alert], ...notification });
  return draft as AlertDraft;
}

describe('grafanaAdapter metadata', () => {
  it('is the grafana type fingerprinting on the Grafana fingerprint', () => {
    expect(grafanaAdapter.type).toBe('grafana');
    expect(grafanaAdapter.fingerprintFields).toEqual(['fingerprint']);
    expect(grafanaAdapter.docsUrl).toMatch(/^https:\/\/grafana\.com\/docs\//);
  });
});

describe('grafanaAdapter.normalize — unified alerting (Grafana docs example)', () => {
  const [memory, cpu] = normalize(fixture('grafana/unified-firing.json'));

  it('produces one draft per alert, all named after the notification title', () => {
    expect(memory?.name).toBe('[FIRING:2] (blue)');
    expect(cpu?.name).toBe('[FIRING:2] (blue)');
  });

  it('maps the first alert like Keep does', () => {
    expect(memory).toMatchObject({
      id: 'c6eadffa33fcdf37',
      status: 'firing',
      severity: 'info',
      fingerprint: 'c6eadffa33fcdf37',
      lastReceived: '2026-02-27T10:00:00.000Z',
      description: 'The system has high memory usage',
      message: null,
      source: ['grafana'],
      service: null,
      environment: 'unknown',
      url: 'https://play.grafana.org/alerting/1afz29v7z/edit',
      labels: { alertname: 'High memory usage', team: 'blue', zone: 'us-1' },
    });
    expect(cpu).toMatchObject({ id: 'bc97ff14869b13e3', fingerprint: 'bc97ff14869b13e3' });
  });

  it('keeps every vendor field in extra', () => {
    const extra = memory?.extra ?? {};
    expect(Object.keys(extra).sort()).toEqual(
      [
        'annotations',
        'alertStatus',
        'startsAt',
        'endsAt',
        'silenceURL',
        'dashboardUrl',
        'panelUrl',
        'values',
        'group',
        'alertname',
        'team',
        'zone',
        'value',
        'datasource',
      ].sort(),
    );
    expect(extra).toMatchObject({
      alertStatus: 'firing',
      values: { B: 44.23943737541908, C: 1 },
      dashboardUrl: '',
      value: '',
      datasource: '',
      alertname: 'High memory usage',
      silenceURL:
        'https://play.grafana.org/alerting/silence/new?alertmanager=grafana&matchers=alertname%3DT2%2Cteam%3Dblue%2Czone%3Dus-1',
    });
    expect(extra.annotations).toEqual({
      description: 'The system has high memory usage',
      runbook_url: 'https://myrunbook.com/runbook/1234',
      summary: 'This alert was triggered for zone us-1',
    });
    expect(extra.group).toMatchObject({
      receiver: 'My Super Webhook',
      status: 'firing',
      orgId: 1,
      externalURL: 'https://play.grafana.org/',
      groupKey: '{}:{}',
      title: '[FIRING:2] (blue)',
      state: 'alerting',
    });
    expect(extra.group).not.toHaveProperty('alerts');
  });
});

describe('grafanaAdapter.normalize — resolved notification without alert fingerprint', () => {
  const [draft] = normalize(fixture('grafana/unified-resolved.json'));

  it('hashes the labels as Python json.dumps renders them (insertion order)', () => {
    const labelsJson =
      '{"alertname": "Checkout error rate", "grafana_folder": "Payments", "severity": "critical", ' +
      '"deployment_environment": "prod-eu", "environment": "production", "service": "checkout"}';
    expect(draft?.fingerprint).toBe(sha256(labelsJson));
    expect(draft?.id).toBeNull();
  });

  it('maps status, severity, environment, service and relative links', () => {
    expect(draft).toMatchObject({
      name: '[RESOLVED] Checkout error rate Payments (checkout)',
      status: 'resolved',
      severity: 'critical',
      description: 'Checkout 5xx ratio above 5%',
      environment: 'prod-eu',
      // Keep copies the `service` label onto the empty service attribute.
      service: 'checkout',
      url: 'https://grafana.example.com/alerting/grafana/cdxq1b7u8w3y8c/view?orgId=1',
    });
    expect(draft?.extra).toMatchObject({
      imageUrl: 'https://grafana.example.com/public/img/attachments/checkout-error-rate.png',
      dashboardUrl: 'https://grafana.example.com/d/checkout-slo?orgId=1',
      panelUrl: 'https://grafana.example.com/d/checkout-slo?orgId=1&viewPanel=4',
      valueString: "[ var='A' labels={service=checkout} value=0.031 ], [ var='C' labels={service=checkout} value=0 ]",
      grafana_folder: 'Payments',
      deployment_environment: 'prod-eu',
      alertStatus: 'resolved',
    });
    expect(draft?.extra).not.toHaveProperty('severity');
    expect(draft?.extra).not.toHaveProperty('environment');
  });
});

describe('grafanaAdapter.normalize — link', () => {
  it('links the rule (generatorURL), else the panel, else the dashboard, relative ones against externalURL', () => {
    const links = { generatorURL: '/alerting/r1/view', panelURL: '/d/x?viewPanel=2', dashboardURL: '/d/x' };
    const base = { externalURL: 'https://grafana.example.com/' };
    expect(unified(links, base).url).toBe('https://grafana.example.com/alerting/r1/view');
    expect(unified({ ...links, generatorURL: '' }, base).url).toBe('https://grafana.example.com/d/x?viewPanel=2');
    expect(unified({ ...links, generatorURL: '', panelURL: '' }, base).url).toBe('https://grafana.example.com/d/x');
    expect(unified({ labels: {} }, base).url).toBeNull();
  });
});

describe('grafanaAdapter.normalize — fingerprint fallbacks', () => {
  it('uses a `fingerprint` label when the alert has no fingerprint', () => {
    expect(unified({ labels: { alertname: 'A', fingerprint: 'from-label' } }).fingerprint).toBe('from-label');
  });

  it('hashes alertname + service when there are no labels', () => {
    expect(unified({ labels: {} }).fingerprint).toBe(sha256(''));
    expect(unified({ alertname: 'Disk', service: 'db' }).fingerprint).toBe(sha256('Diskdb'));
  });

  it('prefers deployment_environment, then environment, for the environment', () => {
    expect(unified({ labels: { environment: 'staging' } }).environment).toBe('staging');
  });
});

describe('grafanaAdapter.normalize — status and severity tables', () => {
  it.each([
    ['ok', 'resolved'],
    ['resolved', 'resolved'],
    ['normal', 'resolved'],
    ['paused', 'suppressed'],
    ['alerting', 'firing'],
    ['pending', 'pending'],
    ['no_data', 'pending'],
    ['firing', 'firing'],
    ['Resolved', 'firing'],
  ])('maps notification status %s to %s', (status, expected) => {
    expect(unified({ labels: { alertname: 'A' }, status: 'resolved' }, { status }).status).toBe(expected);
  });

  it('ignores the per-alert status (Keep reads the notification status)', () => {
    expect(unified({ labels: { alertname: 'A' }, status: 'resolved' }, { status: 'firing' }).status).toBe('firing');
  });

  it.each([
    ['critical', 'critical'],
    ['high', 'high'],
    ['warning', 'warning'],
    ['info', 'info'],
    ['low', 'info'],
    ['error', 'info'],
    [undefined, 'info'],
  ])('maps severity label %s to %s', (severity, expected) => {
    const labels = severity === undefined ? { alertname: 'A' } : { alertname: 'A', severity };
    expect(unified({ labels }).severity).toBe(expected);
  });
});

describe('grafanaAdapter.normalize — legacy dashboard alert (evalMatches)', () => {
  const [draft] = normalize(fixture('grafana/legacy-alerting.json'));

  it('maps the rule as a single critical alert', () => {
    expect(draft).toEqual({
      id: '42',
      name: 'Test notification',
      status: 'firing',
      severity: 'critical',
      fingerprint: '42',
      lastReceived: '2026-02-27T10:00:00.000Z',
      description: 'Someone is testing the alert notification within Grafana.',
      message: null,
      source: ['grafana'],
      service: null,
      environment: null,
      // Keep leaves it empty; the rule's page is the link to follow.
      url: 'http://localhost:3000/',
      labels: {
        metric: '',
        ruleId: '42',
        ruleName: 'Test notification',
        ruleUrl: 'http://localhost:3000/',
        state: 'alerting',
      },
      extra: {
        dashboardId: 1,
        evalMatches: [
          { value: 100, metric: 'High value', tags: null },
          { value: 200, metric: 'Higher Value', tags: null },
        ],
        imageUrl: 'https://grafana.com/static/assets/img/blog/mixed_styles.png',
        orgId: 0,
        panelId: 1,
        tags: { 'tag name': 'tag value' },
        title: '[Alerting] Test notification',
      },
    });
  });

  it.each([
    ['alerting', 'firing'],
    ['ok', 'resolved'],
    ['no_data', 'resolved'],
    ['paused', 'resolved'],
  ])('maps legacy state %s to %s', (state, expected) => {
    const [legacy] = normalize({ evalMatches: [], ruleId: 1, ruleName: 'R', state });
    expect(legacy?.status).toBe(expected);
  });
});

describe('grafanaAdapter.schema', () => {
  it('rejects a payload of another provider (Alertmanager webhook without title)', () => {
    expect(validator.Check(fixture('prometheus/alertmanager-batch.json'))).toBe(false);
  });

  it('rejects a unified notification without title', () => {
    const { title: _title, ...withoutTitle } = fixture('grafana/unified-firing.json') as Record<string, unknown>;
    expect(validator.Check(withoutTitle)).toBe(false);
  });

  it('rejects a legacy notification without ruleName', () => {
    const { ruleName: _ruleName, ...withoutRule } = fixture('grafana/legacy-alerting.json') as Record<string, unknown>;
    expect(validator.Check(withoutRule)).toBe(false);
  });
});
