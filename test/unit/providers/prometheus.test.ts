import { readFileSync } from 'node:fs';
import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import type { AlertDraft } from '../../../src/alert/alert.js';
import type { NormalizeResult } from '../../../src/providers/adapter.js';
import { type PrometheusPayload, prometheusAdapter } from '../../../src/providers/prometheus.js';

const ctx = { now: new Date('2026-02-27T10:00:00.000Z'), providerId: null };
const validator = Compile(prometheusAdapter.schema);

function fixture(path: string): unknown {
  return JSON.parse(readFileSync(new URL(`../../fixtures/providers/${path}`, import.meta.url), 'utf8'));
}

function load(name: string): PrometheusPayload {
  const payload = fixture(`prometheus/${name}`);
  expect(validator.Check(payload)).toBe(true);
  return payload as PrometheusPayload;
}

function alertsOf(result: NormalizeResult): AlertDraft[] {
  if (result.kind !== 'alerts') throw new Error(`expected alerts, got ${result.kind}`);
  return result.alerts;
}

function single(alert: Record<string, unknown>): AlertDraft {
  const payload = { alerts: [{ labels: { alertname: 'Probe' }, ...alert }] };
  expect(validator.Check(payload)).toBe(true);
  const [draft] = alertsOf(prometheusAdapter.normalize(payload as PrometheusPayload, ctx));
  return draft as AlertDraft;
}

describe('prometheusAdapter metadata', () => {
  it('is the prometheus type, also reachable as alertmanager, fingerprinting on the Alertmanager fingerprint', () => {
    expect(prometheusAdapter.type).toBe('prometheus');
    expect(prometheusAdapter.aliases).toEqual(['alertmanager']);
    expect(prometheusAdapter.fingerprintFields).toEqual(['fingerprint']);
    expect(prometheusAdapter.docsUrl).toMatch(/^https:\/\/prometheus\.io\//);
  });
});

describe('prometheusAdapter.normalize — Alertmanager webhook v4 batch', () => {
  const [firing, resolved] = alertsOf(prometheusAdapter.normalize(load('alertmanager-batch.json'), ctx));

  it('produces one draft per alert', () => {
    expect(firing).toBeDefined();
    expect(resolved).toBeDefined();
  });

  it('maps the firing alert like Keep does', () => {
    expect(firing).toMatchObject({
      id: 'TargetDown',
      name: 'TargetDown',
      status: 'firing',
      severity: 'critical',
      fingerprint: '8e3a5ccd1b5f4f2a',
      lastReceived: '2026-02-27T10:00:00.000Z',
      description: '10.0.3.17:9100 of job node-exporter has been down for more than 5 minutes.',
      message: null,
      source: ['prometheus'],
      service: 'node',
      environment: 'production',
      url: 'http://prometheus.monitoring.svc:9090/graph?g0.expr=up+%3D%3D+0&g0.tab=1',
    });
    // Keys lower-cased, `environment` moved out of the labels.
    expect(firing?.labels).toEqual({
      alertname: 'TargetDown',
      instance: '10.0.3.17:9100',
      job: 'node-exporter',
      severity: 'critical',
      service: 'node',
      team: 'infra',
    });
  });

  it('keeps every vendor field of the firing alert in extra', () => {
    const extra = firing?.extra ?? {};
    expect(Object.keys(extra).sort()).toEqual(
      [
        'annotations',
        'payload',
        'startsAt',
        'endsAt',
        'generatorURL',
        'group',
        'alertname',
        'instance',
        'job',
        'team',
        'value',
      ].sort(),
    );
    // `description` is popped from the annotations, the rest kept with lower-cased keys.
    expect(extra.annotations).toEqual({
      summary: 'Target 10.0.3.17:9100 is down',
      runbook_url: 'https://runbooks.prometheus-operator.dev/runbooks/general/targetdown',
    });
    expect(extra.payload).toEqual({
      startsAt: '2026-02-27T09:41:15.318Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus.monitoring.svc:9090/graph?g0.expr=up+%3D%3D+0&g0.tab=1',
    });
    expect(extra.startsAt).toBe('2026-02-27T09:41:15.318Z');
    expect(extra.generatorURL).toBe('http://prometheus.monitoring.svc:9090/graph?g0.expr=up+%3D%3D+0&g0.tab=1');
    // Labels are copied to top-level attributes; `value` is forced to "" when absent.
    expect(extra).toMatchObject({ alertname: 'TargetDown', instance: '10.0.3.17:9100', job: 'node-exporter' });
    expect(extra.value).toBe('');
    expect(extra).not.toHaveProperty('service');
    expect(extra).not.toHaveProperty('severity');
  });

  it('links the alert to its generatorURL unless a `url` label gives the link', () => {
    expect(single({ generatorURL: 'http://prom:9090/graph?g0.expr=up' }).url).toBe('http://prom:9090/graph?g0.expr=up');
    const labelled = single({
      labels: { alertname: 'Probe', url: 'https://status.example.com' },
      generatorURL: 'http://prom:9090/graph',
    });
    expect(labelled.url).toBe('https://status.example.com');
    expect(labelled.extra.generatorURL).toBe('http://prom:9090/graph');
    expect(single({ generatorURL: '' }).url).toBeNull();
    expect(single({}).url).toBeNull();
  });

  it('keeps the group envelope (receiver, groupKey, externalURL …) in extra.group', () => {
    expect(firing?.extra.group).toEqual({
      version: '4',
      groupKey: '{}/{severity=~"warning|critical"}:{alertname="TargetDown"}',
      truncatedAlerts: 0,
      status: 'firing',
      receiver: 'keep',
      groupLabels: { alertname: 'TargetDown' },
      commonLabels: { alertname: 'TargetDown', job: 'node-exporter' },
      commonAnnotations: {},
      externalURL: 'http://alertmanager.monitoring.svc:9093',
    });
    expect(resolved?.extra.group).toEqual(firing?.extra.group);
  });

  it('maps the resolved alert: summary as description, service from annotations, unknown environment', () => {
    expect(resolved).toMatchObject({
      id: 'TargetDown',
      status: 'resolved',
      severity: 'warning',
      fingerprint: '2b7f0c4e9d1a6e53',
      description: 'Target 10.0.3.21:9100 is down',
      service: 'edge-proxy',
      environment: 'unknown',
    });
    expect(resolved?.extra.annotations).toEqual({ summary: 'Target 10.0.3.21:9100 is down', service: 'edge-proxy' });
  });
});

describe('prometheusAdapter.normalize — body without alerts[]', () => {
  const [draft] = alertsOf(prometheusAdapter.normalize(load('prometheus-api-alert.json'), ctx));

  it('treats the body as one alert, reading `state`', () => {
    expect(draft).toMatchObject({
      id: 'Watchdog',
      name: 'Watchdog',
      status: 'firing',
      severity: 'info',
      fingerprint: null,
      description: 'An alert that should always be firing to certify that Alertmanager is working properly.',
      service: null,
      environment: 'unknown',
      lastReceived: '2026-02-27T10:00:00.000Z',
    });
    expect(draft?.extra).not.toHaveProperty('group');
  });

  it('keeps vendor fields and only defaults value/instance/job when absent', () => {
    expect(draft?.extra).toMatchObject({
      activeAt: '2026-02-20T08:00:14.751Z',
      value: '1e+00',
      instance: '',
      job: '',
      prometheus: 'monitoring/k8s',
    });
  });
});

describe('prometheusAdapter.normalize — field rules', () => {
  it('uses a UUID `id` as id and name', () => {
    const id = '7d9f7e5e-2f7a-4d43-9a52-4a43f1c0e2b1';
    expect(single({ id })).toMatchObject({ id, name: id });
  });

  it('ignores a non-UUID `id` and uses the alertname', () => {
    const draft = single({ id: 'not-a-uuid' });
    expect(draft).toMatchObject({ id: 'Probe', name: 'Probe' });
    expect(draft.extra.payload).toEqual({ id: 'not-a-uuid' });
  });

  it('falls back to the alert name for the description when no description or summary exists', () => {
    expect(single({ annotations: { runbook: 'x' } }).description).toBe('Probe');
  });

  it('lower-cases label keys (a later duplicate wins) and moves any spelling of environment out', () => {
    const draft = single({
      labels: { alertname: 'Probe', Team: 'a', team: 'b', ENVIRONMENT: 'staging' },
      annotations: { Description: 'kept', description: 'popped' },
    });
    expect(draft.labels).toEqual({ alertname: 'Probe', team: 'b' });
    expect(draft.environment).toBe('staging');
    expect(draft.description).toBe('popped');
    expect(draft.extra.annotations).toEqual({ description: 'kept' });
  });

  it('keeps an annotation whose lower-cased key is __proto__ as a plain key', () => {
    const annotations = JSON.parse('{"__PROTO__": {"polluted": true}}');
    const extra = single({ annotations }).extra;
    const stored = extra.annotations as Record<string, unknown>;
    expect(Object.getPrototypeOf(stored)).toBe(Object.prototype);
    expect(Object.keys(stored)).toEqual(['__proto__']);
    expect(stored.polluted).toBeUndefined();
  });

  it('stringifies non-string label values', () => {
    expect(single({ labels: { alertname: 'Probe', shard: 3 } }).labels).toEqual({ alertname: 'Probe', shard: '3' });
  });

  it.each([
    ['firing', 'firing'],
    ['resolved', 'resolved'],
    ['pending', 'firing'],
    ['inactive', 'firing'],
    [undefined, 'firing'],
  ])('maps status %s to %s', (status, expected) => {
    expect(single(status === undefined ? {} : { status }).status).toBe(expected);
  });

  it('prefers `state` over `status`', () => {
    expect(single({ state: 'resolved', status: 'firing' }).status).toBe('resolved');
  });

  it.each([
    ['critical', 'critical'],
    ['error', 'high'],
    ['high', 'high'],
    ['warning', 'warning'],
    ['medium', 'warning'],
    ['info', 'info'],
    ['low', 'low'],
    ['Critical', 'info'],
    ['page', 'info'],
    [undefined, 'info'],
  ])('maps severity label %s to %s', (severity, expected) => {
    const labels = severity === undefined ? { alertname: 'Probe' } : { alertname: 'Probe', severity };
    expect(single({ labels }).severity).toBe(expected);
  });
});

describe('prometheusAdapter.schema', () => {
  it('rejects a payload of another provider (Datadog)', () => {
    expect(validator.Check(fixture('datadog/triggered.json'))).toBe(false);
  });

  it('rejects an alert without labels.alertname', () => {
    const payload = { alerts: [{ status: 'firing', labels: { instance: 'a:9100' } }] };
    expect(validator.Check(payload)).toBe(false);
  });

  it('rejects an alert whose annotations are not an object', () => {
    expect(validator.Check({ alerts: [{ labels: { alertname: 'X' }, annotations: 'oops' }] })).toBe(false);
  });
});
