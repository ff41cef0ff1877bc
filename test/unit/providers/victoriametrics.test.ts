import { readFileSync } from 'node:fs';
import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import type { AlertDraft } from '../../../src/alert/alert.js';
import type { NormalizeResult } from '../../../src/providers/adapter.js';
import { type VictoriametricsPayload, victoriametricsAdapter } from '../../../src/providers/victoriametrics.js';

const ctx = { now: new Date('2026-02-27T10:00:00.000Z'), providerId: null };
const validator = Compile(victoriametricsAdapter.schema);

function fixture(path: string): unknown {
  return JSON.parse(readFileSync(new URL(`../../fixtures/providers/${path}`, import.meta.url), 'utf8'));
}

function alertsOf(result: NormalizeResult): AlertDraft[] {
  if (result.kind !== 'alerts') throw new Error(`expected alerts, got ${result.kind}`);
  return result.alerts;
}

function single(alert: Record<string, unknown>): AlertDraft {
  const payload = { alerts: [{ status: 'firing', labels: { alertname: 'Probe' }, ...alert }] };
  expect(validator.Check(payload)).toBe(true);
  const [draft] = alertsOf(victoriametricsAdapter.normalize(payload as VictoriametricsPayload, ctx));
  return draft as AlertDraft;
}

describe('victoriametricsAdapter metadata', () => {
  it('is the victoriametrics type without Keep fingerprint fields', () => {
    expect(victoriametricsAdapter.type).toBe('victoriametrics');
    expect(victoriametricsAdapter.fingerprintFields).toEqual([]);
    expect(victoriametricsAdapter.docsUrl).toMatch(/^https:\/\/docs\.victoriametrics\.com\//);
  });
});

describe('victoriametricsAdapter.normalize — Alertmanager webhook carrying vmalert alerts', () => {
  const payload = fixture('victoriametrics/vmalert-batch.json');
  expect(validator.Check(payload)).toBe(true);
  const [firing, resolved] = alertsOf(victoriametricsAdapter.normalize(payload as VictoriametricsPayload, ctx));

  it('maps the firing alert like Keep does', () => {
    expect(firing).toEqual({
      id: '4c5d4e55b9a4a2c1',
      name: 'TooManyRestarts',
      status: 'firing',
      severity: 'critical',
      fingerprint: '4c5d4e55b9a4a2c1',
      lastReceived: '2026-02-27T10:00:00.000Z',
      description: 'Job vmstorage (instance vmstorage-0:8482) has restarted more than twice in the last 15 minutes.',
      message: 'vmstorage is restarting too often',
      source: ['victoriametrics'],
      service: null,
      environment: null,
      url: 'http://vmalert.monitoring:8880/vmalert/alert?group_id=14473891562463236520&alert_id=2914786221407916227',
      labels: {
        alertgroup: 'vm-health',
        alertname: 'TooManyRestarts',
        instance: 'vmstorage-0:8482',
        job: 'vmstorage',
        severity: 'critical',
      },
      extra: {
        annotations: {
          description:
            'Job vmstorage (instance vmstorage-0:8482) has restarted more than twice in the last 15 minutes.',
          summary: 'vmstorage is restarting too often',
        },
        startsAt: '2026-02-27T09:44:30Z',
        endsAt: '0001-01-01T00:00:00Z',
        group: {
          receiver: 'keep',
          status: 'firing',
          groupLabels: { alertgroup: 'vm-health' },
          commonLabels: { alertgroup: 'vm-health', job: 'vmstorage' },
          commonAnnotations: {},
          externalURL: 'http://alertmanager.monitoring:9093',
          version: '4',
          groupKey: '{}:{alertgroup="vm-health"}',
          truncatedAlerts: 0,
        },
      },
    });
  });

  it('maps the resolved alert; a missing severity label is low and a missing description null', () => {
    expect(resolved).toMatchObject({
      id: '9f0e2d3c4b5a6978',
      name: 'DiskRunsOutOfSpace',
      status: 'resolved',
      severity: 'low',
      description: null,
      message: 'Disk of vmstorage-1 will run out of space soon',
      extra: { endsAt: '2026-02-27T09:50:00Z' },
    });
  });
});

describe('victoriametricsAdapter.normalize — field rules', () => {
  it('leaves id and fingerprint null without an Alertmanager fingerprint', () => {
    expect(single({})).toMatchObject({ id: null, fingerprint: null, url: null });
  });

  it.each([
    ['firing', 'firing'],
    ['resolved', 'resolved'],
    ['acknowledged', 'acknowledged'],
    ['suppressed', 'suppressed'],
    ['pending', 'pending'],
    ['maintenance', 'firing'],
    ['inactive', 'firing'],
  ])('maps status %s to %s', (status, expected) => {
    expect(single({ status }).status).toBe(expected);
  });

  it.each([
    ['critical', 'critical'],
    ['high', 'high'],
    ['warning', 'warning'],
    ['low', 'low'],
    ['test', 'info'],
    ['info', 'info'],
    ['error', 'low'],
    ['Critical', 'low'],
    [undefined, 'low'],
  ])('maps severity label %s to %s', (severity, expected) => {
    const labels = severity === undefined ? { alertname: 'Probe' } : { alertname: 'Probe', severity };
    expect(single({ labels }).severity).toBe(expected);
  });
});

describe('victoriametricsAdapter.schema', () => {
  it('rejects a payload of another provider (PagerDuty v3)', () => {
    expect(validator.Check(fixture('pagerduty/v3-incident-priority-updated.json'))).toBe(false);
  });

  it('rejects a body without alerts[] (a bare alert)', () => {
    expect(validator.Check(fixture('prometheus/prometheus-api-alert.json'))).toBe(false);
  });

  it('rejects an alert without status', () => {
    expect(validator.Check({ alerts: [{ labels: { alertname: 'X' } }] })).toBe(false);
  });
});
