import { readFileSync } from 'node:fs';
import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import type { AlertDraft } from '../../../src/alert/alert.js';
import { type SentryPayload, sentryAdapter } from '../../../src/providers/sentry.js';

const now = new Date('2024-06-01T12:00:00.000Z');
const ctx = { now, providerId: null };
const check = Compile(sentryAdapter.schema);

function fixture(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../../fixtures/providers/${path}`, import.meta.url), 'utf8'));
}

function single(payload: Record<string, unknown>): AlertDraft {
  expect(check.Check(payload)).toBe(true);
  const result = sentryAdapter.normalize(payload as SentryPayload, ctx);
  if (result.kind !== 'alerts') throw new Error(`expected alerts, got ${result.kind}`);
  expect(result.alerts).toHaveLength(1);
  return result.alerts[0] as AlertDraft;
}

/** The legacy plugin payload with top-level and event patches (undefined removes a key). */
function legacy(top: Record<string, unknown> = {}, event: Record<string, unknown> = {}): Record<string, unknown> {
  const payload = fixture('sentry/legacy-plugin.json');
  const merged = { ...(payload.event as Record<string, unknown>), ...event };
  for (const [key, value] of Object.entries(event)) if (value === undefined) delete merged[key];
  const result: Record<string, unknown> = { ...payload, ...top, event: merged };
  for (const [key, value] of Object.entries(top)) if (value === undefined) delete result[key];
  return result;
}

describe('sentry adapter', () => {
  it('declares its contract', () => {
    expect(sentryAdapter.type).toBe('sentry');
    expect(sentryAdapter.fingerprintFields).toEqual([]);
    expect(sentryAdapter.docsUrl).toMatch(/^https:\/\/docs\.sentry\.io\//);
  });

  it('maps a legacy webhooks-plugin payload', () => {
    const payload = fixture('sentry/legacy-plugin.json');
    const { event, ...envelope } = payload as { event: Record<string, unknown> };
    const { tags: _t, exception, ...eventRest } = event;
    const alert = single(payload);
    const tags = {
      browser: 'Chrome 28.0.1500',
      'browser.name': 'Chrome',
      client_os: 'Windows 8',
      'client_os.name': 'Windows',
      level: 'error',
      'sentry:user': 'id:1',
      server_name: 'web01.example.org',
      url: 'http://example.com/foo',
    };
    expect(alert).toEqual({
      id: 'd432ae7c01c640b597831fb1710e3413',
      name: 'ValueError: This is an example Python exception',
      status: 'firing',
      severity: 'high',
      fingerprint: '4616132096',
      lastReceived: '2024-03-09T13:34:05.874Z',
      description: 'raven.scripts.runner in main',
      message: 'This is an example Python exception',
      source: ['sentry'],
      service: 'web01.example.org',
      environment: 'prod',
      url: 'http://example.com/foo',
      labels: tags,
      extra: {
        tags,
        exceptions: [{ ...(exception as { values: object[] }).values[0], stacktrace: false }],
        event: eventRest,
        sentry: envelope,
      },
    });
  });

  it('maps an integration-platform issue alert', () => {
    const payload = fixture('sentry/integration-issue-alert.json');
    const data = payload.data as { event: Record<string, unknown> };
    const alert = single(payload);
    expect(alert).toMatchObject({
      id: 'e4874d664c3540c1a32eab185f12c5ab',
      name: 'ReferenceError: heck is not defined',
      status: 'firing',
      severity: 'high',
      fingerprint: null,
      lastReceived: '2019-08-19T21:06:17.677Z',
      description: '',
      message: 'heck is not defined',
      service: null,
      environment: 'unknown',
      url: 'https://sentry.io/organizations/test-org/issues/1117540176/events/e4874d664c3540c1a32eab185f12c5ab/',
    });
    expect(alert.labels).toMatchObject({ handled: 'no', mechanism: 'onerror', url: 'https://null.jsbin.com/runner' });
    expect(alert.extra.exceptions).toEqual((data.event.exception as { values: unknown[] }).values);
    expect(alert.extra.sentry).toEqual({
      action: 'triggered',
      actor: { id: 'sentry', name: 'Sentry', type: 'application' },
      installation: { uuid: 'a8e5d37a-696c-4c54-adb5-b3f28d64c7de' },
      data: {
        triggered_rule: 'Very Important Alert Rule!',
        issue_alert: { title: 'Very Important Alert Rule!', settings: [{ name: 'channel', value: '#general' }] },
      },
    });
    expect((alert.extra.event as Record<string, unknown>).issue_id).toBe('1117540176');
  });

  it.each([
    ['fatal', 'critical'],
    ['error', 'high'],
    ['ERROR', 'high'],
    ['warning', 'warning'],
    ['info', 'info'],
    ['debug', 'low'],
    ['sample', 'info'],
  ])('maps level %s to %s', (level, expected) => {
    expect(single(legacy({ level })).severity).toBe(expected);
  });

  it('takes the level tag when there is no top-level level', () => {
    const tags = [
      ['level', 'fatal'],
      ['server_name', 'web02'],
    ];
    expect(single(legacy({ level: undefined }, { tags })).severity).toBe('critical');
    expect(single(legacy({ level: undefined }, { tags: [] })).severity).toBe('info');
  });

  it.each([
    ['resolved', 'resolved'],
    ['unresolved', 'firing'],
    ['ignored', 'suppressed'],
    ['triggered', 'firing'],
    [undefined, 'firing'],
  ])('maps action %s to %s', (action, expected) => {
    expect(single(legacy({ action })).status).toBe(expected);
  });

  it('picks the url as Keep does and drops one without scheme and host', () => {
    const event = { web_url: 'https://sentry.io/w', issue_url: 'https://sentry.io/i', url: 'https://sentry.io/api' };
    expect(single(legacy({}, event)).url).toBe('https://sentry.io/w');
    expect(single(legacy({}, { ...event, web_url: undefined })).url).toBe('https://sentry.io/i');
    expect(single(legacy({}, { url: 'https://sentry.io/api' })).url).toBe('http://example.com/foo');
    expect(single(legacy({}, { url: 'https://sentry.io/api', tags: [] })).url).toBe('https://sentry.io/api');
    expect(single(legacy({}, { tags: [['url', '/relative/path']] })).url).toBeNull();
  });

  it('falls back to the environment tag, then unknown, and to receive time', () => {
    const tagOnly = single(legacy({}, { environment: undefined }));
    expect(tagOnly.environment).toBe('prod');
    expect(tagOnly.labels).not.toHaveProperty('environment');
    expect(single(legacy({}, { environment: undefined, tags: [] })).environment).toBe('unknown');
    expect(single(legacy({}, { received: undefined })).lastReceived).toBe(now.toISOString());
  });

  it('accepts {key, value} tags, drops the id tag and defaults a missing message', () => {
    const tags = [
      { key: 'server_name', value: 'api-3' },
      { key: 'id', value: 'x' },
      { key: 'count', value: 3 },
    ];
    const alert = single(legacy({}, { tags, metadata: undefined }));
    expect(alert.service).toBe('api-3');
    expect(alert.labels).toEqual({ server_name: 'api-3', count: '3' });
    expect(alert.message).toBe('');
  });

  it('uses the default fingerprint without a top-level id', () => {
    expect(single(legacy({ id: undefined })).fingerprint).toBeNull();
    expect(single(legacy({ id: 4616132096 })).fingerprint).toBe('4616132096');
  });

  it('rejects payloads of other providers and events missing a required field', () => {
    expect(check.Check(fixture('newrelic/issue-activated.json'))).toBe(false);
    expect(check.Check(fixture('cloudwatch/alarm-notification.json'))).toBe(false);
    expect(check.Check(legacy({}, { event_id: undefined }))).toBe(false);
    expect(check.Check(legacy({}, { title: undefined }))).toBe(false);
    const issueWebhook = { action: 'resolved', data: { issue: { id: '1117540176', status: 'resolved' } } };
    expect(check.Check(issueWebhook)).toBe(false);
  });
});
