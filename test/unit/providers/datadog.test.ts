import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import type { AlertDraft } from '../../../src/alert/alert.js';
import { type DatadogPayload, datadogAdapter } from '../../../src/providers/datadog.js';

const ctx = { now: new Date('2026-02-27T10:00:00.000Z'), providerId: null };
const validator = Compile(datadogAdapter.schema);
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

function fixture(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../../fixtures/providers/${path}`, import.meta.url), 'utf8'));
}

function normalize(payload: unknown): AlertDraft {
  expect(validator.Check(payload)).toBe(true);
  const result = datadogAdapter.normalize(payload as DatadogPayload, ctx);
  if (result.kind !== 'alerts' || result.alerts.length !== 1) throw new Error('expected exactly one alert');
  return result.alerts[0] as AlertDraft;
}

const minimal = { title: 'High CPU', last_updated: '1772186281000' };

describe('datadogAdapter metadata', () => {
  it('is the datadog type fingerprinting on groups + monitor_id', () => {
    expect(datadogAdapter.type).toBe('datadog');
    expect(datadogAdapter.fingerprintFields).toEqual(['groups', 'monitor_id']);
    expect(datadogAdapter.docsUrl).toBe('https://docs.datadoghq.com/integrations/webhooks/');
  });
});

describe('datadogAdapter.normalize — triggered monitor (Keep webhook template)', () => {
  const draft = normalize(fixture('datadog/triggered.json'));
  const body = fixture('datadog/triggered.json').body;

  it('maps the canonical fields like Keep does', () => {
    expect(draft).toMatchObject({
      id: '7712345678901234567',
      name: '[Triggered on {host:web-01}] High CPU usage on web-01',
      status: 'firing',
      severity: 'high',
      lastReceived: '2026-02-27T09:58:01.000Z',
      description: body,
      message: body,
      source: ['datadog'],
      service: 'checkout',
      environment: null,
      url: 'https://app.datadoghq.com/event/event?id=7712345678901234567',
      labels: { env: 'production', service: 'checkout', team: 'backend' },
    });
  });

  it('fingerprints sha256(Python JSON of the scope list + monitor_id), keeping the space after the comma', () => {
    expect(draft.fingerprint).toBe(sha256('["host:web-01", " availability-zone:us-east-1a"]1234567'));
  });

  it('keeps Keep extras and every unmapped template field in extra', () => {
    expect(Object.keys(draft.extra).sort()).toEqual(
      [
        'event_type',
        'alert_type',
        'alert_transition',
        'date',
        'org',
        'groups',
        'tags',
        'monitor_id',
        'alert_query',
        'imageUrl',
        'extra_details',
      ].sort(),
    );
    expect(draft.extra).toMatchObject({
      event_type: 'query_alert_monitor',
      alert_type: 'error',
      alert_transition: 'Triggered',
      date: '1772186281000',
      org: { id: '123456', name: 'Acme Corp' },
      groups: ['host:web-01', ' availability-zone:us-east-1a'],
      tags: { env: 'production', service: 'checkout', team: 'backend' },
      monitor_id: '1234567',
      alert_query: 'avg(last_5m):avg:system.cpu.user{*} by {host} > 90',
      imageUrl: 'https://p.datadoghq.com/snapshot/view/dd-snapshots-prod/org_123456/2026-02-27/4f1c2d.png',
    });
  });

  it('scrapes the monitor links from the message body', () => {
    expect(draft.extra.extra_details).toEqual({
      metric_graph_url: 'https://p.datadoghq.com/snapshot/view/dd-snapshots-prod/org_123456/2026-02-27/4f1c2d.png',
      metric_query: null,
      trigger_time: 'Fri Feb 27 2026 09:58:01 UTC',
      monitor_status_url:
        'https://app.datadoghq.com/monitors/1234567?group=host%3Aweb-01&from_ts=1772186281000&link_source=monitor_notif',
      edit_monitor_url: 'https://app.datadoghq.com/monitors/1234567/edit?link_source=monitor_notif',
      related_logs_url: 'https://app.datadoghq.com/logs/analytics?query=host%3Aweb-01&from_ts=1772186281000',
      alert_message: 'CPU usage is over 90% on web-01.',
      mentioned_users: ['webhook-keep-datadog-webhook-integration-keep'],
      imageUrl: 'https://p.datadoghq.com/snapshot/view/dd-snapshots-prod/org_123456/2026-02-27/4f1c2d.png',
    });
  });
});

describe('datadogAdapter.normalize — recovered monitor without scope', () => {
  const draft = normalize(fixture('datadog/recovered.json'));

  it('maps status, severity and the catch-all group', () => {
    expect(draft).toMatchObject({
      status: 'resolved',
      severity: 'info',
      lastReceived: '2026-02-27T10:12:44.512Z',
      service: 'checkout',
      labels: { service: 'checkout' },
    });
    expect(draft.extra.groups).toEqual(['*']);
    expect(draft.fingerprint).toBe(sha256('["*"]7654321'));
    expect(draft.extra.extra_details).toMatchObject({ alert_message: 'CPU usage is back to normal.', imageUrl: null });
  });
});

describe('datadogAdapter.normalize — field rules', () => {
  it.each([
    ['Triggered', 'firing'],
    ['Recovered', 'resolved'],
    ['Muted', 'suppressed'],
    ['Re-Triggered', 'firing'],
    ['Warn', 'firing'],
    ['No Data', 'firing'],
    [undefined, 'firing'],
  ])('maps alert_transition %s to %s', (transition, expected) => {
    const payload = transition === undefined ? minimal : { ...minimal, alert_transition: transition };
    expect(normalize(payload).status).toBe(expected);
  });

  it.each([
    ['P1', 'critical'],
    [1, 'critical'],
    ['P2', 'high'],
    [2, 'high'],
    ['P3', 'warning'],
    [3, 'warning'],
    ['P4', 'info'],
    [4, 'info'],
    ['P5', 'info'],
    ['critical', 'info'],
    [undefined, 'info'],
  ])('maps priority %s to %s', (severity, expected) => {
    const payload = severity === undefined ? minimal : { ...minimal, severity };
    expect(normalize(payload).severity).toBe(expected);
  });

  it('links the template url, else $LINK under `link`, else the monitor status link of the body', () => {
    const body = fixture('datadog/triggered.json').body;
    const link = 'https://app.datadoghq.com/monitors/1234567?group=host%3Aweb-01';
    expect(normalize({ ...minimal, url: 'https://dd/event', link, body }).url).toBe('https://dd/event');
    expect(normalize({ ...minimal, url: '', link, body }).url).toBe(link);
    expect(normalize({ ...minimal, body }).url).toBe(
      'https://app.datadoghq.com/monitors/1234567?group=host%3Aweb-01&from_ts=1772186281000&link_source=monitor_notif',
    );
    expect(normalize(minimal).url).toBeNull();
  });

  it('accepts $LAST_UPDATED as a JSON number too', () => {
    expect(normalize({ ...minimal, last_updated: 1772186281000 }).lastReceived).toBe('2026-02-27T09:58:01.000Z');
  });

  it('leaves id null and hashes only the groups when id and monitor_id are absent', () => {
    const draft = normalize(minimal);
    expect(draft.id).toBeNull();
    expect(draft.fingerprint).toBe(sha256('["*"]'));
    expect(draft.labels).toEqual({});
  });

  it('prefers a `message` field over the body for the description', () => {
    expect(normalize({ ...minimal, body: 'raw body', message: 'custom' })).toMatchObject({
      description: 'custom',
      message: 'raw body',
    });
  });

  it('accepts tags already given as an object, dropping `monitor`', () => {
    expect(normalize({ ...minimal, tags: { monitor: '', service: 'api', shard: 2 } }).labels).toEqual({
      service: 'api',
      shard: '2',
    });
  });

  it('tolerates $TAGS without the `monitor` marker', () => {
    expect(normalize({ ...minimal, tags: 'env:prod,service:api' }).labels).toEqual({ env: 'prod', service: 'api' });
  });
});

describe('datadogAdapter.schema', () => {
  it('rejects a payload of another provider (Grafana)', () => {
    expect(validator.Check(fixture('grafana/unified-firing.json'))).toBe(false);
  });

  it('rejects a payload without last_updated', () => {
    const { last_updated: _lastUpdated, ...rest } = fixture('datadog/triggered.json');
    expect(validator.Check(rest)).toBe(false);
  });

  it('rejects an unrendered $LAST_UPDATED placeholder', () => {
    expect(validator.Check({ ...minimal, last_updated: '$LAST_UPDATED' })).toBe(false);
  });

  it('rejects a payload without title', () => {
    const { title: _title, ...rest } = fixture('datadog/triggered.json');
    expect(validator.Check(rest)).toBe(false);
  });
});
