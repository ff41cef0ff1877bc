import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import type { AlertDraft } from '../../../src/alert/alert.js';
import { type NetdataPayload, netdataAdapter, netdataChallengeResponse } from '../../../src/providers/netdata.js';

const now = new Date('2024-06-01T12:00:00.000Z');
const ctx = { now, providerId: null };
const check = Compile(netdataAdapter.schema);

function fixture(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../../fixtures/providers/${path}`, import.meta.url), 'utf8'));
}

function single(payload: Record<string, unknown>): AlertDraft {
  expect(check.Check(payload)).toBe(true);
  const result = netdataAdapter.normalize(payload as NetdataPayload, ctx);
  if (result.kind !== 'alerts') throw new Error(`expected alerts, got ${result.kind}`);
  expect(result.alerts).toHaveLength(1);
  return result.alerts[0] as AlertDraft;
}

function alertNotification(patch: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...fixture('netdata/alert-critical.json'), ...patch };
}

describe('netdata adapter', () => {
  it('declares its contract', () => {
    expect(netdataAdapter.type).toBe('netdata');
    expect(netdataAdapter.fingerprintFields).toEqual([]);
    expect(netdataAdapter.docsUrl).toMatch(/^https:\/\/learn\.netdata\.cloud\/.*webhook$/);
  });

  it('maps an alert notification', () => {
    const alert = single(fixture('netdata/alert-critical.json'));
    expect(alert).toEqual({
      id: null,
      // Netdata sends no `name`; the alert name stands in.
      name: 'disk_space_usage',
      // Alert notifications carry no status.text: Keep reports them as firing.
      status: 'firing',
      severity: 'critical',
      fingerprint: null,
      lastReceived: '2024-05-14T10:25:00.000Z',
      description: null,
      message: 'Critical: disk space usage on /var at 97% on db-primary-1',
      source: ['netdata'],
      service: null,
      environment: null,
      url: 'https://app.netdata.cloud/alerts/redirect?transition=8f3a1c2b-7d6e-4f5a-9b8c-1d2e3f4a5b6c',
      labels: {},
      extra: {
        alert: 'disk_space_usage',
        info: 'Disk / partition space utilization',
        chart: 'disk_space._var',
        context: 'disk.space',
        space: 'Acme production',
        Rooms: { Databases: 'https://app.netdata.cloud/spaces/acme-production/rooms/databases' },
        family: '/var',
        alert_class: 'Utilization',
        duration: '5 minutes',
        additional_active_critical_alerts: 1,
        additional_active_warning_alerts: 3,
      },
    });
  });

  it('maps a reachability notification', () => {
    const alert = single(fixture('netdata/reachability-unreachable.json'));
    expect(alert.name).toBe('db-primary-1');
    expect(alert.status).toBe('firing');
    expect(alert.severity).toBe('critical');
    expect(alert.message).toBe('db-primary-1 is unreachable');
    expect(alert.url).toBe(
      'https://app.netdata.cloud/spaces/acme-production/rooms/databases/nodes/4c2d1e3f-5a6b-4c7d-8e9f-0a1b2c3d4e5f',
    );
    expect(alert.lastReceived).toBe(now.toISOString());
    expect(alert.extra).toEqual({ host: 'db-primary-1' });
  });

  it.each([
    ['warning', 'warning'],
    ['info', 'info'],
    ['critical', 'critical'],
    ['clear', 'info'],
    ['Critical', 'info'],
  ])('maps severity %s to %s', (severity, expected) => {
    expect(single(alertNotification({ severity })).severity).toBe(expected);
  });

  it.each([
    [{ reachable: true, text: 'reachable' }, 'resolved'],
    [{ reachable: false, text: 'unreachable' }, 'firing'],
    [{ text: 'Reachable' }, 'firing'],
    [{ reachable: true }, 'firing'],
    ['reachable', 'firing'],
  ])('maps status %j to %s', (status, expected) => {
    expect(single(alertNotification({ status })).status).toBe(expected);
  });

  it('prefers explicit id and name, and url when alert_url is empty', () => {
    const alert = single(
      alertNotification({ id: 7, name: 'custom', alert_url: '', url: 'https://app.netdata.cloud/x' }),
    );
    expect(alert.id).toBe('7');
    expect(alert.name).toBe('custom');
    expect(alert.url).toBe('https://app.netdata.cloud/x');
  });

  it('falls back to the message for the name and to receive time for a bad date', () => {
    const { alert: _, ...payload } = alertNotification({ date: 'not a date' });
    const alert = single(payload);
    expect(alert.name).toBe('Critical: disk space usage on /var at 97% on db-primary-1');
    expect(alert.lastReceived).toBe(now.toISOString());
    expect(alert.extra.date).toBe('not a date');
  });

  it('rejects another provider payload and a payload missing a required field', () => {
    expect(check.Check(fixture('uptimekuma/down.json'))).toBe(false);
    for (const key of ['message', 'severity']) {
      const { [key]: _, ...missing } = fixture('netdata/reachability-unreachable.json');
      expect(check.Check(missing)).toBe(false);
    }
  });
});

describe('netdata challenge', () => {
  it('answers with the base64 HMAC-SHA256 of the token keyed with Keep’s secret', () => {
    const token = 'b1e4f7c2-9a3d-4e8b-a6f0-2c5d7e9f1a3b';
    const expected = createHmac('sha256', 'keep-netdata-webhook-integration').update(token).digest('base64');
    expect(netdataChallengeResponse(token)).toEqual({ response_token: `sha256=${expected}` });
  });

  it('matches a known vector', () => {
    // Python: base64.b64encode(hmac.new(b"keep-netdata-webhook-integration", b"test", hashlib.sha256).digest())
    expect(netdataChallengeResponse('test').response_token).toBe('sha256=bl0zF+ckuS/5dP1HSnl2HErn1vXuJMXs/7WUwmTdZM0=');
  });
});
