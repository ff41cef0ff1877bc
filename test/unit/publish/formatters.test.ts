import { describe, expect, it } from 'vitest';
import { SEVERITIES, STATUSES } from '../../../src/alert/alert.js';
import { signStandardWebhook } from '../../../src/auth/standard-webhooks.js';
import { newestPerFingerprint } from '../../../src/publish/deliver.js';
import type { FormatContext } from '../../../src/publish/targets/adapter.js';
import { alertmanagerAlert, labelName } from '../../../src/publish/targets/alertmanager.js';
import { formatMail } from '../../../src/publish/targets/email.js';
import { keepAlert } from '../../../src/publish/targets/keep.js';
import { opsgenieRequest } from '../../../src/publish/targets/opsgenie.js';
import { pagerDutyDedupKey, pagerDutyEvent } from '../../../src/publish/targets/pagerduty.js';
import {
  redactSettings,
  secretValues,
  TARGET_ADAPTERS,
  validateSettings,
} from '../../../src/publish/targets/registry.js';
import { teamsBodyCheck } from '../../../src/publish/targets/teams.js';
import { makeAlert } from '../../support/publish.js';

const context: FormatContext = { batchId: 'b1', target: 't', messageId: 'msg_b1_t', now: new Date() };
const ROUTING_KEY = 'R'.repeat(32);

describe('webhook', () => {
  it('signs Standard Webhooks messages (known vector)', () => {
    // Test vector from the Standard Webhooks reference libraries.
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const body = '{"test": 2432232314}';
    expect(signStandardWebhook(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, body)).toBe(
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    );
  });

  it('sends one message per tenant, the same id on every attempt', () => {
    const alerts = [makeAlert('a'), makeAlert('b'), makeAlert('a')];
    const settings = { url: 'http://127.0.0.1:1/hook', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' };
    const first = TARGET_ADAPTERS.webhook.format(alerts, settings, context) as {
      alerts: unknown[];
      request: { headers: Record<string, string> };
    }[];
    const again = TARGET_ADAPTERS.webhook.format(alerts, settings, context) as typeof first;
    expect(first.map((item) => item.alerts.length)).toEqual([2, 1]);
    expect(first.map((item) => item.request.headers['webhook-id'])).toEqual(
      again.map((item) => item.request.headers['webhook-id']),
    );
    expect(first[0]?.request.headers['webhook-signature']).toMatch(/^v1,/);
  });
});

describe('slack', () => {
  it('summarizes a batch in one message with a capped list and "+N more"', () => {
    const alerts = Array.from({ length: 30 }, (_, i) => makeAlert('t', { severity: i === 7 ? 'critical' : 'info' }));
    const [item] = TARGET_ADAPTERS.slack.format(alerts, { url: 'http://x', maxAlerts: 10 }, context) as {
      request: { body: string };
    }[];
    const body = JSON.parse(item?.request.body ?? '{}');
    expect(body.text).toBe('30 alerts (highest: critical)');
    expect(body.blocks).toHaveLength(12);
    expect(JSON.stringify(body.blocks.at(-1))).toContain('+20 more');
  });
});

describe('pagerduty', () => {
  it('triggers with dedup_key = fingerprint and resolves by it', () => {
    const alert = makeAlert('t', { severity: 'high' });
    const trigger = pagerDutyEvent(alert, { routingKey: ROUTING_KEY });
    expect(trigger).toMatchObject({
      event_action: 'trigger',
      dedup_key: alert.fingerprint,
      payload: { severity: 'error', source: 'prometheus' },
    });
    expect(pagerDutyEvent({ ...alert, status: 'resolved' }, { routingKey: ROUTING_KEY })).toEqual({
      routing_key: ROUTING_KEY,
      event_action: 'resolve',
      dedup_key: alert.fingerprint,
    });
  });
  it('hashes fingerprints longer than 255 characters', () => {
    expect(pagerDutyDedupKey('x'.repeat(300))).toHaveLength(64);
  });
  it('sends only the newest state of a fingerprint per batch', () => {
    const firing = makeAlert('t');
    const resolved = { ...firing, id: 'later', status: 'resolved' as const };
    const other = makeAlert('t');
    expect(TARGET_ADAPTERS.pagerduty.perAlert).toBe(true);
    expect(newestPerFingerprint([firing, other, resolved])).toEqual([resolved, other]);
  });
});

describe('opsgenie', () => {
  it('creates with alias = fingerprint and closes by alias', () => {
    const alert = makeAlert('t', { name: 'x'.repeat(200) });
    const create = opsgenieRequest(alert, { apiKey: 'k' });
    expect(create.url).toBe('https://api.opsgenie.com/v2/alerts');
    const body = JSON.parse(create.body);
    expect(body.alias).toBe(alert.fingerprint);
    expect(body.message.length).toBeLessThanOrEqual(130);
    expect(create.headers.authorization).toBe('GenieKey k');
    const close = opsgenieRequest(
      { ...alert, status: 'resolved' },
      { apiKey: 'k', url: 'https://api.eu.opsgenie.com' },
    );
    expect(close.url).toBe(
      `https://api.eu.opsgenie.com/v2/alerts/${encodeURIComponent(alert.fingerprint)}/close?identifierType=alias`,
    );
  });
});

describe('alertmanager', () => {
  it('cleans label names and resolves with endsAt not before startsAt', () => {
    expect(labelName('k8s.io/app')).toBe('k8s_io_app');
    expect(labelName('1abc')).toBe('_1abc');
    const alert = makeAlert('t', { status: 'resolved', labels: { 'app.kubernetes.io/name': 'api' } });
    const posted = alertmanagerAlert(alert, new Date()) as {
      labels: Record<string, string>;
      endsAt: string;
      startsAt: string;
    };
    expect(posted.labels).toMatchObject({ alertname: 'HighLatency', app_kubernetes_io_name: 'api' });
    expect(Date.parse(posted.endsAt)).toBeGreaterThanOrEqual(Date.parse(posted.startsAt));
  });
});

describe('teams', () => {
  it('treats a legacy 200 with an error text as a failure, 1 or empty as success', () => {
    expect(teamsBodyCheck(200, '1')).toBeUndefined();
    expect(teamsBodyCheck(202, '')).toBeUndefined();
    expect(teamsBodyCheck(200, 'Webhook message delivery failed with error: bad card')).toMatchObject({
      class: 'permanent',
    });
    expect(teamsBodyCheck(200, 'Microsoft Teams endpoint returned HTTP error 429 with ContextId x')).toMatchObject({
      class: 'transient',
      reason: 'throttled',
    });
  });
});

describe('email', () => {
  it('carries the highest severity and the count in the subject', () => {
    const mail = formatMail([
      makeAlert('t', { severity: 'warning' }),
      makeAlert('t', { severity: 'critical', name: '<b>' }),
    ]);
    expect(mail.subject).toMatch(/^\[CRITICAL\] 2 alerts/);
    expect(mail.html).toContain('&#60;b&#62;');
    expect(mail.text).toContain('HighLatency');
  });
});

describe('keep', () => {
  it("maps every status and severity to Keep's string of the same meaning", () => {
    for (const status of STATUSES) expect(keepAlert(makeAlert('t', { status })).status).toBe(status);
    for (const severity of SEVERITIES) expect(keepAlert(makeAlert('t', { severity })).severity).toBe(severity);
  });

  it('limits in alerts (default 50/s) and enters storm mode when over it', () => {
    const adapter = TARGET_ADAPTERS.keep;
    expect(adapter).toMatchObject({ perAlert: false, limitsAlerts: true, stormMode: true });
    expect(adapter.defaultRateLimit).toEqual({ perSecond: 50, burst: 50 });
    const settings = validateSettings('keep', { url: 'https://keep.example.com/', apiKey: 'k-123' });
    expect(settings).toMatchObject({ ok: true, settings: { maxAlertsPerRequest: 50 } });
    const [item] = adapter.format([makeAlert('t')], settings.ok ? settings.settings : {}, context) as {
      request: { url: string };
    }[];
    expect(item?.request.url).toBe('https://keep.example.com/alerts/event');
    expect(redactSettings('keep', { url: 'https://keep.example.com', apiKey: 'k-123' })).toEqual({
      url: 'https://keep.example.com',
      apiKey: '***',
    });
  });
});

describe('settings and secrets', () => {
  it('reports problems by path without echoing values', () => {
    const result = validateSettings('pagerduty', { routingKey: 'short-secret', extra: 1 });
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    expect(problems.join('\n')).toContain('settings/routingKey');
    expect(problems.join('\n')).not.toContain('short-secret');
  });

  it('redacts secrets, keeping URL origins', () => {
    expect(redactSettings('slack', { url: 'https://hooks.slack.com/services/T1/B2/xyz' })).toEqual({
      url: 'https://hooks.slack.com/***',
    });
    expect(
      redactSettings('email', { smtp: { host: 'h', port: 25, password: 'pw' }, from: 'a@b', to: ['c@d'] }),
    ).toMatchObject({
      smtp: { host: 'h', password: '***' },
    });
    expect(redactSettings('webhook', { url: 'http://x', headers: { authorization: 'Bearer t' } })).toEqual({
      url: 'http://x',
      headers: { authorization: '***' },
    });
    expect(secretValues('opsgenie', { apiKey: 'genie-key-1' })).toEqual(['genie-key-1']);
  });
});
