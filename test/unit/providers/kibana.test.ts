import { readFileSync } from 'node:fs';
import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import type { AlertDraft } from '../../../src/alert/alert.js';
import { type KibanaPayload, kibanaAdapter } from '../../../src/providers/kibana.js';

const now = new Date('2024-06-01T12:00:00.000Z');
const ctx = { now, providerId: null };
const check = Compile(kibanaAdapter.schema);

type Fields = Record<string, unknown>;

function fixture(path: string): Fields {
  return JSON.parse(readFileSync(new URL(`../../fixtures/providers/${path}`, import.meta.url), 'utf8'));
}

function single(payload: Fields): AlertDraft {
  expect(check.Check(payload)).toBe(true);
  const result = kibanaAdapter.normalize(payload as KibanaPayload, ctx);
  if (result.kind !== 'alerts') throw new Error(`expected alerts, got ${result.kind}`);
  expect(result.alerts).toHaveLength(1);
  return result.alerts[0] as AlertDraft;
}

/** The connector fixture with its three JSON strings decoded, patched and re-encoded. */
function connector(patch: { context?: Fields; alert?: Fields; rule?: Fields } = {}): Fields {
  const body = fixture('kibana/connector-template.json').webhook_body as Record<string, string>;
  const part = (key: string, extra: Fields | undefined) =>
    JSON.stringify({ ...JSON.parse(body[key] as string), ...extra });
  return {
    webhook_body: {
      context_info: part('context_info', patch.context),
      alert_info: part('alert_info', patch.alert),
      rule_info: part('rule_info', patch.rule),
    },
  };
}

function detection(alertPatch: Fields = {}, topPatch: Fields = {}): Fields {
  const payload = fixture('kibana/siem-detection.json');
  const kibana = payload.kibana as { alert: Fields };
  return { ...payload, ...topPatch, kibana: { ...kibana, alert: { ...kibana.alert, ...alertPatch } } };
}

describe('kibana adapter', () => {
  it('declares its contract', () => {
    expect(kibanaAdapter.type).toBe('kibana');
    expect(kibanaAdapter.fingerprintFields).toEqual([]);
    expect(kibanaAdapter.docsUrl).toMatch(/^https:\/\/www\.elastic\.co\/guide\/en\/kibana\//);
  });

  describe('Watcher', () => {
    it('maps a watch execution context', () => {
      const payload = fixture('kibana/watcher.json');
      expect(single(payload)).toEqual({
        id: 'error_rate_watch_5c1f7e2a-3b1d-4a8e-9f57-0c2d1e6b9a44-2024-05-14T10:25:00.123Z',
        name: 'Production error rate',
        status: 'firing',
        severity: 'info',
        fingerprint: 'error_rate_watch',
        lastReceived: '2024-05-14T10:25:00.101Z',
        description: null,
        message: null,
        source: ['kibana'],
        service: null,
        environment: null,
        url: null,
        labels: {},
        extra: { payload: payload.payload },
      });
    });

    it('falls back to the execution id for name and fingerprint, and to receive time', () => {
      const { payload } = fixture('kibana/watcher.json') as { payload: Fields };
      const { metadata: _m, watch_id: _w, trigger: _t, ...bare } = payload;
      const alert = single({ payload: bare, status: 'Alert', note: 'kept' });
      expect(alert.name).toBe(bare.id);
      expect(alert.fingerprint).toBe(bare.id);
      expect(alert.lastReceived).toBe(now.toISOString());
      expect(alert.extra).toEqual({ payload: bare, note: 'kept' });
    });
  });

  describe('Security detection alert', () => {
    it('maps a nested alert document', () => {
      const payload = fixture('kibana/siem-detection.json');
      const alert = single(payload);
      expect(alert).toEqual({
        id: null,
        name: 'Root SSH login',
        status: 'firing',
        // Keep's severity map is empty: kibana.alert.severity "high" is not used.
        severity: 'info',
        // Keep's fingerprint source is kibana.alert.id, which detection documents do not carry.
        fingerprint: null,
        lastReceived: now.toISOString(),
        description: 'Detects successful SSH logins as root.',
        message: 'Accepted password for root from 203.0.113.7 port 52144 ssh2',
        source: ['kibana'],
        service: 'sshd',
        environment: null,
        url: 'https://kibana.example.com/app/security/alerts/redirect/6f2b7f4c3d1e?index=.alerts-security.alerts-default',
        labels: { env: 'prod', zone: '3' },
        extra: {
          _id: payload._id,
          _index: payload._index,
          '@timestamp': payload['@timestamp'],
          host: payload.host,
          event: payload.event,
          kibana: payload.kibana,
          kibana_service: { name: 'sshd', type: 'system' },
          kibana_url: payload.url,
        },
      });
    });

    it('uses kibana.alert.id as fingerprint when present', () => {
      expect(single(detection({ id: 'a1b2c3' })).fingerprint).toBe('a1b2c3');
    });

    it.each([
      ['active', 'firing'],
      ['recovered', 'resolved'],
      ['untracked', 'firing'],
      ['Recovered', 'firing'],
    ])('maps kibana.alert.status %s to %s', (status, expected) => {
      expect(single(detection({ status })).status).toBe(expected);
    });

    it('defaults the name and accepts string service and url', () => {
      const alert = single(detection({ rule: {} }, { service: 'billing', url: 'https://kibana.example.com/x' }));
      expect(alert.name).toBe('SIEM Kibana Alert');
      expect(alert.description).toBeNull();
      expect(alert.service).toBe('billing');
      expect(alert.url).toBe('https://kibana.example.com/x');
      expect(alert.extra).not.toHaveProperty('kibana_service');
      expect(alert.extra).not.toHaveProperty('kibana_url');
    });
  });

  describe('Keep connector template', () => {
    it('maps the three JSON strings', () => {
      const alert = single(fixture('kibana/connector-template.json'));
      const body = fixture('kibana/connector-template.json').webhook_body as Record<string, string>;
      const [context, alertInfo, rule] = [body.context_info, body.alert_info, body.rule_info].map((s) =>
        JSON.parse(s as string),
      );
      expect(alert).toEqual({
        id: null,
        name: 'Payments 5xx burst',
        // Kibana's "Query matched" action group name is not in Keep's map.
        status: 'firing',
        severity: 'info',
        fingerprint: '4b1e2c3d-5f6a-4b7c-8d9e-0f1a2b3c4d5e',
        lastReceived: '2024-05-14T10:30:01.250Z',
        description: 'Document count is 57 in the last 5m for logs-payments-*. Alert when greater than 50.',
        message: null,
        source: ['kibana'],
        service: null,
        environment: 'staging',
        url: 'https://kibana.example.com/app/observability/alerts/4b1e2c3d-5f6a-4b7c-8d9e-0f1a2b3c4d5e',
        labels: { environment: 'staging', service: 'payments' },
        extra: {
          actionGroup: 'query matched',
          isFlapping: false,
          kibana_alert_id: 'query matched',
          'context.message': context.message,
          'context.hits': 57,
          'context.link': context.viewInAppUrl,
          'context.query': rule.params.criteria,
          'context.title': 'Payments 5xx burst',
          ruleId: '2a9c5d10-1e7f-11ef-8b5c-7d1a2b3c4d5e',
          'rule.spaceId': 'default',
          ruleUrl: rule.url,
          ruleTags: ['environment=staging', 'service=payments', 'pci'],
          'rule.type': '.es-query',
          webhook_body: { context_info: context, alert_info: alertInfo, rule_info: rule },
        },
      });
      expect(Object.keys(alert.extra)).not.toContain('actionSubgroup');
    });

    it.each([
      ['active', 'firing'],
      ['Alert', 'firing'],
      ['recovered', 'resolved'],
      ['Recovered', 'firing'],
    ])('maps actionGroupName %s to %s', (actionGroupName, expected) => {
      expect(single(connector({ alert: { actionGroupName } })).status).toBe(expected);
    });

    it('falls back to the rule URL, and to the default name without a rule name', () => {
      const alert = single(connector({ context: { alertDetailsUrl: '' }, rule: { name: null } }));
      expect(alert.url).toBe(
        'https://kibana.example.com/app/management/insightsAndAlerting/triggersActions/rule/2a9c5d10-1e7f-11ef-8b5c-7d1a2b3c4d5e',
      );
      expect(alert.name).toBe('Kibana Alert [Could not extract name]');
    });

    it('keeps the raw strings and maps the body as a flat one when a string is not JSON', () => {
      const body = { context_info: '{"reason": "cut', alert_info: '{}', rule_info: '{}' };
      const alert = single({ webhook_body: body });
      expect(alert.name).toBe('Kibana Alert [Could not extract name]');
      expect(alert.fingerprint).toBeNull();
      expect(alert.environment).toBe('undefined');
      expect(alert.extra).toEqual({ webhook_body: body });
    });
  });

  describe('legacy flat template', () => {
    it('maps the rendered template', () => {
      const payload = fixture('kibana/legacy-flat.json');
      const alert = single(payload);
      const { id, name, status, fingerprint, lastReceived, description, url, ...rest } = payload;
      expect(alert).toEqual({
        id: 'checkout-7f9c',
        name: 'Checkout CPU high',
        status: 'firing',
        severity: 'info',
        fingerprint: 'checkout-7f9c',
        lastReceived: '2024-05-14T10:25:03.125Z',
        description:
          'Average system.cpu.total.norm.pct is 96.4%, above the threshold of 90%. (duration: 5 mins, data view: metrics-*, group: checkout-7f9c)',
        message: null,
        source: ['kibana'],
        service: null,
        environment: 'production',
        // `url` rendered empty: the rule URL stands in.
        url: 'https://kibana.example.com/s/default/app/observability/alerts/rules/8c2f3e10-5b7a-11ef-9a3b-5f1c2d3e4f5a',
        labels: { environment: 'production', team: 'payments', region: 'eu-west-1', owner: 'sre' },
        extra: rest,
      });
    });

    it.each([
      ['active', 'firing'],
      ['Alert', 'firing'],
      ['recovered', 'resolved'],
      ['Recovered', 'firing'],
      ['', 'firing'],
    ])('maps status %j to %s', (status, expected) => {
      expect(single({ ...fixture('kibana/legacy-flat.json'), status }).status).toBe(expected);
    });

    it('takes the name from name, then rule.name, then ruleId, and defaults environment', () => {
      const { name: _, ruleTags: _t, contextTags: _c, ...noName } = fixture('kibana/legacy-flat.json');
      expect(single({ ...noName, 'rule.name': 'From rule.name' }).name).toBe('From rule.name');
      const alert = single(noName);
      expect(alert.name).toBe('8c2f3e10-5b7a-11ef-9a3b-5f1c2d3e4f5a');
      expect(alert.environment).toBe('undefined');
      expect(alert.labels).toEqual({});
      expect(single({ 'rule.name': 'x', name: '' }).name).toBe('Kibana Alert [Could not extract name]');
    });

    it('reads tag lists, prefixes canonical-named vendor keys and defaults empty id and time', () => {
      const payload = {
        ruleId: 'r1',
        ruleTags: ['environment=dev', 'k=v=w', 'flag'],
        id: '',
        fingerprint: '',
        lastReceived: '',
        severity: 'critical',
        labels: 'not-a-map',
        service: { name: 'checkout' },
      };
      const alert = single(payload);
      expect(alert.labels).toEqual({ environment: 'dev', k: 'v=w' });
      expect(alert.severity).toBe('info');
      expect(alert.id).toBeNull();
      expect(alert.fingerprint).toBeNull();
      expect(alert.lastReceived).toBe(now.toISOString());
      expect(alert.extra).toEqual({
        ruleId: 'r1',
        ruleTags: ['environment=dev', 'k=v=w', 'flag'],
        kibana_severity: 'critical',
        kibana_labels: 'not-a-map',
        kibana_service: { name: 'checkout' },
      });
      expect(alert.service).toBeNull();
    });
  });

  it('rejects another provider payload and payloads missing what each shape needs', () => {
    expect(check.Check(fixture('coralogix/trigger.json'))).toBe(false);
    expect(check.Check(fixture('netdata/alert-critical.json'))).toBe(false);
    const { payload } = fixture('kibana/watcher.json') as { payload: Fields };
    const { id: _, ...noId } = payload;
    expect(check.Check({ payload: noId, status: 'Alert' })).toBe(false);
    expect(check.Check({ kibana: { space_ids: ['default'] } })).toBe(false);
    expect(check.Check({ webhook_body: { context_info: '{}', alert_info: '{}' } })).toBe(false);
    const { ruleId: _r, ...noRule } = fixture('kibana/legacy-flat.json');
    expect(check.Check(noRule)).toBe(false);
  });
});
