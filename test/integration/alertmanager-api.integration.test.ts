/**
 * Alertmanager's alert API (what Prometheus posts to): answered as Alertmanager answers, through
 * the same ingestion path as the webhooks — same mapping and fingerprint as the Alertmanager
 * webhook, same refusals, same rate limits — and re-sends counted as duplicates.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alert/alert.js';
import { contentHash } from '../../src/alert/content-hash.js';
import type { Gateway } from '../../src/compose/gateway.js';
import { labelSetFingerprint } from '../../src/providers/prometheus-postable.js';
import {
  clearIngestLog,
  openTestStack,
  queuedAlerts,
  type TestStack,
  uniqueTenant,
  waitFor,
} from '../support/harness.js';

let stack: TestStack;
let gateway: Gateway;
let tenant: string;
let key: string;

function limitsFile(): string {
  const file = join(tmpdir(), `limits-${randomUUID()}.yaml`);
  writeFileSync(file, 'providers:\n  prometheus:\n    capacity: 4\n    refillPerSecond: 0.01\n');
  return file;
}

beforeAll(async () => {
  stack = openTestStack();
  gateway = await stack.gateway();
  tenant = uniqueTenant('am-api');
  key = await stack.createKey(tenant);
});
afterAll(() => stack.close());

function post(url: string, body: unknown, headers: Record<string, string> = {}, target = gateway) {
  return target.app.inject({
    method: 'POST',
    url,
    headers: { 'x-api-key': key, 'content-type': 'application/json', ...headers },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const labels = { alertname: 'DiskFull', severity: 'critical', instance: 'db-1:9100', job: 'node' };
const startsAt = '2026-03-01T11:00:00.000Z';
const inMinutes = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();

/** What Prometheus posts for a firing alert: endsAt is "valid until", moved ahead with every re-send. */
function prometheusAlert(endsAt = inMinutes(4)) {
  return {
    labels,
    annotations: { summary: 'disk 97% full' },
    startsAt,
    endsAt,
    generatorURL: 'http://prometheus:9090/graph?g0.expr=vector%281%29',
  };
}

describe('POST /api/v2/alerts and /api/v1/alerts', () => {
  it('answer as Alertmanager does (v2: 200, empty; v1: 200 {"status":"success"}) once the alerts are queued', async () => {
    await clearIngestLog(stack);
    const v2 = await post('/api/v2/alerts', [prometheusAlert()]);
    const v1 = await post('/api/v1/alerts', [prometheusAlert()]);
    expect([v2.statusCode, v2.body, v1.statusCode, v1.json()]).toEqual([200, '', 200, { status: 'success' }]);
    expect(v2.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const queued = await queuedAlerts(gateway.ingestLog);
    expect(queued).toHaveLength(2);
    for (const alert of queued) {
      expect(alert).toMatchObject({
        tenant,
        providerType: 'prometheus',
        name: 'DiskFull',
        status: 'firing',
        severity: 'critical',
        description: 'disk 97% full',
        fingerprint: labelSetFingerprint(labels),
      });
    }
  });

  it("maps an alert exactly as the prometheus webhook maps Alertmanager's notification of it", async () => {
    await clearIngestLog(stack);
    expect((await post('/api/v2/alerts', [prometheusAlert()])).statusCode).toBe(200);
    // Alertmanager's webhook item for the same alert: its fingerprint, its status, endsAt hidden while firing.
    const webhook = {
      version: '4',
      status: 'firing',
      receiver: 'alertgate',
      groupKey: '{}:{alertname="DiskFull"}',
      groupLabels: { alertname: 'DiskFull' },
      alerts: [
        {
          ...prometheusAlert(),
          status: 'firing',
          endsAt: '0001-01-01T00:00:00Z',
          fingerprint: labelSetFingerprint(labels),
        },
      ],
    };
    expect((await post('/alerts/event/prometheus', webhook)).statusCode).toBe(202);
    const [direct, notified] = (await queuedAlerts(gateway.ingestLog)).sort((a) => ('group' in a.extra ? 1 : -1));
    const comparable = ({
      id: _id,
      receivedAt: _r,
      lastReceived: _l,
      extra: { group: _group, ...extra },
      ...alert
    }: Alert) => ({
      ...alert,
      extra,
    });
    expect(direct && comparable(direct)).toEqual(notified && comparable(notified));
    // Hence a dedup rule ignoring the group makes each a duplicate of the other.
    expect(direct && contentHash(direct, ['group'])).toBe(notified && contentHash(notified, ['group']));
    expect(direct && contentHash(direct)).not.toBe(notified && contentHash(notified));
  });

  it('keeps a firing alert identical across re-sends, and resolves one whose endsAt has passed', async () => {
    await clearIngestLog(stack);
    await post('/api/v2/alerts', [prometheusAlert(inMinutes(4))]);
    await post('/api/v2/alerts', [prometheusAlert(inMinutes(5))]);
    await post('/api/v2/alerts', [prometheusAlert(inMinutes(-1))]);
    const queued = await queuedAlerts(gateway.ingestLog);
    const firing = queued.filter((alert) => alert.status === 'firing');
    const resolved = queued.filter((alert) => alert.status === 'resolved');
    expect([firing.length, resolved.length]).toEqual([2, 1]);
    expect(new Set(firing.map((alert) => contentHash(alert))).size).toBe(1);
    expect(new Set(queued.map((alert) => alert.fingerprint))).toEqual(new Set([labelSetFingerprint(labels)]));
  });

  it('takes the key as Prometheus sends it: Bearer authorization or basic_auth password', async () => {
    const basic = `Basic ${Buffer.from(`prometheus:${key}`).toString('base64')}`;
    const bearer = await post('/api/v2/alerts', [prometheusAlert()], {
      'x-api-key': '',
      authorization: `Bearer ${key}`,
    });
    const password = await post('/api/v2/alerts', [prometheusAlert()], { 'x-api-key': '', authorization: basic });
    expect([bearer.statusCode, password.statusCode]).toEqual([200, 200]);
  });
});

describe('refusals, in the one error shape, with nothing enqueued', () => {
  it.each([
    ['no key', '/api/v2/alerts', [prometheusAlert()], { 'x-api-key': '' }, 401, 'unauthorized'],
    ['malformed JSON', '/api/v2/alerts', '[{"labels": {', {}, 400, 'invalid_json'],
    ['empty body', '/api/v1/alerts', '', {}, 400, 'invalid_json'],
    [
      'a webhook body instead of the list',
      '/api/v2/alerts',
      { alerts: [prometheusAlert()] },
      {},
      422,
      'invalid_payload',
    ],
    ['an empty list', '/api/v2/alerts', [], {}, 422, 'invalid_payload'],
    ['a list item without alertname', '/api/v2/alerts', [{ labels: { job: 'node' } }], {}, 422, 'invalid_payload'],
    ['a time that is no time', '/api/v1/alerts', [{ labels, startsAt: 'now' }], {}, 422, 'invalid_payload'],
    [
      'an XML body',
      '/api/v2/alerts',
      '<alerts/>',
      { 'content-type': 'application/xml' },
      415,
      'unsupported_media_type',
    ],
  ])('%s', async (_label, url, body, headers, status, code) => {
    await clearIngestLog(stack);
    const response = await post(url, body, headers);
    expect(response.statusCode).toBe(status);
    expect(response.json()).toMatchObject({ error: code, requestId: expect.any(String), message: expect.any(String) });
    expect(await queuedAlerts(gateway.ingestLog)).toEqual([]);
  });

  it('names the failing path and the provider of an invalid item', async () => {
    const response = await post('/api/v2/alerts', [prometheusAlert(), { labels: { alertname: 'x', count: 3 } }]);
    expect(response.statusCode).toBe(422);
    expect(response.json().details).toMatchObject({ path: '/1/labels/count', provider: 'prometheus' });
  });

  it('answers 403 to a key scoped to other providers, and lets a prometheus-scoped key in', async () => {
    const grafanaOnly = await stack.createKey(tenant, { providers: ['grafana'] });
    const prometheusOnly = await stack.createKey(tenant, { providers: ['prometheus'] });
    const refused = await post('/api/v2/alerts', [prometheusAlert()], { 'x-api-key': grafanaOnly });
    const accepted = await post('/api/v2/alerts', [prometheusAlert()], { 'x-api-key': prometheusOnly });
    expect([refused.statusCode, refused.json().details?.allowed, accepted.statusCode]).toEqual([403, ['grafana'], 200]);
  });

  it('draws from the prometheus bucket that the prometheus webhook uses (429 with Retry-After)', async () => {
    const limited = openTestStack({ RATE_LIMITS_FILE: limitsFile() });
    try {
      const limitedGateway = await limited.gateway();
      const limitedKey = await limited.createKey(uniqueTenant('am-api-limited'));
      const headers = { 'x-api-key': limitedKey };
      const webhook = { alerts: [{ labels: { alertname: 'x' } }] };
      const statuses = [
        (await post('/api/v2/alerts', [prometheusAlert()], headers, limitedGateway)).statusCode,
        (await post('/alerts/event/prometheus', webhook, headers, limitedGateway)).statusCode,
        (await post('/api/v1/alerts', [prometheusAlert()], headers, limitedGateway)).statusCode,
        (await post('/alerts/event/prometheus', webhook, headers, limitedGateway)).statusCode,
      ];
      expect(statuses).toEqual([200, 202, 200, 202]);
      const refused = await post('/api/v2/alerts', [prometheusAlert()], headers, limitedGateway);
      expect(refused.statusCode).toBe(429);
      expect(refused.headers['retry-after']).toMatch(/^[1-9]\d*$/);
      expect(refused.json()).toMatchObject({ error: 'rate_limited', details: { provider: 'prometheus', limit: 4 } });
      // Keep's own format has a bucket of its own.
      expect((await post('/alerts/event', { name: 'x' }, headers, limitedGateway)).statusCode).toBe(202);
    } finally {
      await limited.close();
    }
  });
});

describe('stored by a worker', () => {
  it('stores a firing alert once and counts its re-sends as duplicates', async () => {
    await clearIngestLog(stack);
    await stack.worker();
    const resending = uniqueTenant('am-api-resend');
    const resendKey = await stack.createKey(resending);
    for (const minutes of [4, 5, 6]) {
      const response = await post('/api/v2/alerts', [prometheusAlert(inMinutes(minutes))], { 'x-api-key': resendKey });
      expect(response.statusCode).toBe(200);
    }
    const sql = stack.services.database.sql;
    const state = await waitFor(async () => {
      const [row] = await sql<{ fingerprint: string; duplicate_count: number }[]>`
        select fingerprint, duplicate_count::int from last_alert where tenant = ${resending}`;
      return row?.duplicate_count === 2 ? row : undefined;
    });
    expect(state.fingerprint).toBe(labelSetFingerprint(labels));
    const [stored] = await sql<{ count: number }[]>`select count(*)::int from alerts where tenant = ${resending}`;
    expect(stored?.count).toBe(1);
  });
});
