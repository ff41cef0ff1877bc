import { readFileSync } from 'node:fs';
import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import type { AlertDraft } from '../../../src/alert/alert.js';
import { type ZabbixPayload, zabbixAdapter } from '../../../src/providers/zabbix.js';

const now = new Date('2024-06-01T12:00:00.000Z');
const ctx = { now, providerId: 'zabbix-prod' };
const check = Compile(zabbixAdapter.schema);

function fixture(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../../fixtures/providers/${path}`, import.meta.url), 'utf8'));
}

function single(payload: Record<string, unknown>): AlertDraft {
  expect(check.Check(payload)).toBe(true);
  const result = zabbixAdapter.normalize(payload as ZabbixPayload, ctx);
  if (result.kind !== 'alerts') throw new Error(`expected alerts, got ${result.kind}`);
  expect(result.alerts).toHaveLength(1);
  return result.alerts[0] as AlertDraft;
}

/** The problem fixture with `patch` applied (undefined removes a key). */
function problem(patch: Record<string, unknown> = {}): Record<string, unknown> {
  const payload = { ...fixture('zabbix/problem.json'), ...patch };
  for (const [key, value] of Object.entries(patch)) if (value === undefined) delete payload[key];
  return payload;
}

describe('zabbix adapter', () => {
  it('declares its contract', () => {
    expect(zabbixAdapter.type).toBe('zabbix');
    expect(zabbixAdapter.fingerprintFields).toEqual([]);
    expect(zabbixAdapter.docsUrl).toMatch(/^https:\/\/www\.zabbix\.com\/documentation\//);
  });

  it('maps a problem event', () => {
    const payload = fixture('zabbix/problem.json');
    expect(single(payload)).toEqual({
      id: '3412098',
      name: 'High CPU utilization (over 90% for 5m)',
      status: 'firing',
      severity: 'high',
      fingerprint: null,
      lastReceived: '2024-05-14T10:25:39.000Z',
      description: 'CPU utilization is too high. The system might be slow to respond.',
      message: payload.message,
      source: ['zabbix'],
      service: 'checkout-web-7',
      environment: 'production',
      url: 'https://zabbix.example.com/tr_events.php?triggerid=23417&eventid=3412098',
      labels: { class: 'os', component: 'cpu', scope: 'performance', target: 'linux' },
      extra: {
        triggerId: '23417',
        time: '10:25:39',
        value: '1',
        host_ip: '10.20.1.17',
        host_name: 'Checkout web 7',
        update_action: '{EVENT.UPDATE.ACTION}',
        event_ack: 'No',
        tags: { class: 'os', component: 'cpu', scope: 'performance', target: 'linux' },
        hostname: 'checkout-web-7',
        ip_address: null,
        zabbix_url: 'https://zabbix.example.com',
      },
    });
  });

  it('maps the acknowledgement update and the recovery of the same problem', () => {
    const acknowledged = single(fixture('zabbix/problem-acknowledged.json'));
    expect(acknowledged).toMatchObject({
      status: 'acknowledged',
      name: 'High CPU utilization (over 90% for 5m)',
      lastReceived: '2024-05-14T10:31:02.000Z',
    });
    expect(acknowledged.extra.event_ack).toBe('Yes');
    const resolved = single(fixture('zabbix/problem-resolved.json'));
    expect(resolved).toMatchObject({ status: 'resolved', lastReceived: '2024-05-14T10:48:10.000Z' });
    expect(resolved.extra.value).toBe('0');
  });

  it('maps the media-type test message with unrendered macros without throwing', () => {
    const alert = single(fixture('zabbix/test-message.json'));
    expect(alert).toMatchObject({
      id: '{EVENT.ID}',
      name: '{EVENT.NAME}',
      status: 'firing',
      severity: 'info',
      lastReceived: now.toISOString(),
      environment: 'unknown',
      url: null,
      labels: {},
    });
    expect(alert.extra.tags).toEqual({});
    expect(alert.extra.tags_raw).toBe('{EVENT.TAGSJSON}');
    expect(alert.extra.zabbix_url).toBe('{$ZABBIX.URL}');
  });

  it.each([
    ['0', 'low'],
    ['Not classified', 'low'],
    ['not_classified', 'low'],
    ['1', 'info'],
    ['Information', 'info'],
    ['2', 'warning'],
    ['Warning', 'warning'],
    ['3', 'warning'],
    ['Average', 'warning'],
    ['4', 'high'],
    ['HIGH', 'high'],
    ['5', 'critical'],
    ['Disaster', 'critical'],
    [5, 'critical'],
    [0, 'low'],
    ['6', 'info'],
    ['{EVENT.SEVERITY}', 'info'],
  ])('maps severity %s to %s', (severity, expected) => {
    expect(single(problem({ severity })).severity).toBe(expected);
  });

  it.each([
    ['PROBLEM', '', 'firing'],
    ['OK', '', 'resolved'],
    ['RESOLVED', '', 'resolved'],
    ['Acknowledged', '', 'acknowledged'],
    ['suppressed', '', 'suppressed'],
    ['UNKNOWN', '', 'firing'],
    ['PROBLEM', 'acknowledged', 'acknowledged'],
    ['RESOLVED', 'acknowledged', 'acknowledged'],
    ['PROBLEM', 'suppressed', 'suppressed'],
    ['PROBLEM', 'unsuppressed', 'suppressed'],
    ['PROBLEM', 'commented', 'firing'],
    ['PROBLEM', 'acknowledged, commented', 'firing'],
  ])('maps status %s with update action "%s" to %s', (status, update_action, expected) => {
    expect(single(problem({ status, update_action })).status).toBe(expected);
  });

  it('keeps unparsable tags verbatim and defaults the environment', () => {
    const alert = single(problem({ tags: '[{"tag":"environment",' }));
    expect(alert.environment).toBe('unknown');
    expect(alert.labels).toEqual({});
    expect(alert.extra.tags).toEqual({});
    expect(alert.extra.tags_raw).toBe('[{"tag":"environment",');
    const notAList = single(problem({ tags: '{"environment":"prod"}' }));
    expect(notAList.extra.tags_raw).toBe('{"environment":"prod"}');
  });

  it('lets later tags win, drops null tag values from labels and keeps environment out of tags', () => {
    const tags = JSON.stringify([
      { tag: 'team', value: 'web' },
      { tag: 'team', value: 'payments' },
      { tag: 'environment', value: 'staging' },
      { tag: 'flag', value: null },
    ]);
    const alert = single(problem({ tags }));
    expect(alert.environment).toBe('staging');
    expect(alert.labels).toEqual({ team: 'payments' });
    expect(alert.extra.tags).toEqual({ team: 'payments', flag: null });
  });

  it('uses receive time for a missing date and keeps an unparsable one verbatim', () => {
    expect(single(problem({ lastReceived: undefined })).lastReceived).toBe(now.toISOString());
    const odd = single(problem({ lastReceived: '2024-05-14T10:25:39Z' }));
    expect(odd.lastReceived).toBe(now.toISOString());
    expect(odd.extra.lastReceived_raw).toBe('2024-05-14T10:25:39Z');
    expect(single(problem({ lastReceived: '2024.02.30 10:00:00' })).extra.lastReceived_raw).toBe('2024.02.30 10:00:00');
    expect(single(problem({ lastReceived: '2024.5.4 9:03:07' })).lastReceived).toBe('2024-05-04T09:03:07.000Z');
  });

  it('falls back to hostName for the service and reads hostIp for ip_address', () => {
    const alert = single(problem({ service: '', hostName: 'db-1', hostIp: '10.0.0.5', url: '' }));
    expect(alert.service).toBe('db-1');
    expect(alert.extra.hostname).toBe('db-1');
    expect(alert.extra.ip_address).toBe('10.0.0.5');
    expect(alert.url).toBeNull();
  });

  it('rejects payloads of other providers and payloads missing a required field', () => {
    expect(check.Check(fixture('newrelic/issue-activated.json'))).toBe(false);
    expect(check.Check(fixture('sentry/legacy-plugin.json'))).toBe(false);
    const noTrigger = problem({ triggerId: undefined });
    expect(check.Check(noTrigger)).toBe(false);
    expect([...check.Errors(noTrigger)].map((error) => error.instancePath)).toContain('');
    expect(check.Check(problem({ status: undefined }))).toBe(false);
  });
});
