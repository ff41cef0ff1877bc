import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RULE } from '../../src/alert/dedup-rules.js';
import type { Gateway } from '../../src/compose/gateway.js';
import { normalizeRequest } from '../../src/ingest/normalize-request.js';
import { PROVIDER_ADAPTERS } from '../../src/providers/catalog.js';
import { ProviderRegistry } from '../../src/providers/registry.js';
import { clearIngestLog, openTestStack, queuedAlerts, type TestStack, uniqueTenant } from '../support/harness.js';

const FIXTURES = new URL('../fixtures/providers/', import.meta.url);
const registry = new ProviderRegistry(PROVIDER_ADAPTERS);

function fixtures(provider: string): { name: string; body: unknown }[] {
  const dir = new URL(`${provider}/`, FIXTURES);
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .map((file) => ({ name: file, body: JSON.parse(readFileSync(new URL(file, dir), 'utf8')) }));
}

let stack: TestStack;
let gateway: Gateway;
let tenant: string;
let key: string;

beforeAll(async () => {
  // The fixtures are vendor documentation examples, some dated 2015: this suite is about mapping,
  // not about the alert-time window (bad-input-ingest covers that).
  stack = openTestStack({ ALERT_TIME_MAX_PAST_DAYS: String(100 * 365) });
  gateway = await stack.gateway();
  tenant = uniqueTenant();
  key = await stack.createKey(tenant);
});
afterAll(() => stack.close());

function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  return gateway.app.inject({
    method: 'POST',
    url,
    headers: { 'x-api-key': key, 'content-type': 'application/json', ...headers },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('every provider: native payload in, canonical alerts enqueued', () => {
  for (const adapter of PROVIDER_ADAPTERS) {
    for (const fixture of fixtures(adapter.type)) {
      it(`${adapter.type} / ${fixture.name}`, async () => {
        await clearIngestLog(stack);
        const response = await post(`/alerts/event/${adapter.type}?provider_id=p1`, fixture.body);
        expect(response.statusCode).toBe(202);
        const body = response.json();
        expect(body.task_name).toBe(body.requestId);

        // The reference mapping is the adapter's own (unit-tested against each vendor's docs); here we
        // prove the gateway delivers exactly that to Redis, with tenant, ids and provider attached.
        const expected = normalizeRequest(registry.get(adapter.type)!, fixture.body, {
          tenant,
          requestId: body.requestId,
          now: new Date(),
          providerId: 'p1',
          fingerprintOverride: null,
          rule: DEFAULT_RULE,
          maxAlerts: 10_000,
          timeWindow: { maxPastMs: Number.POSITIVE_INFINITY, maxFutureMs: Number.POSITIVE_INFINITY },
        });
        if (expected.kind !== 'alerts') {
          expect(body.accepted).toBe(0);
          return;
        }
        expect(body.accepted).toBe(expected.alerts.length);
        const queued = await queuedAlerts(gateway.ingestLog);
        const comparable = (alerts: typeof queued) =>
          alerts
            .map(({ receivedAt: _r, lastReceived, id, ...alert }) => ({
              ...alert,
              // Receive-time providers stamp "now", and ids lead with the receive time; compare
              // everything else exactly.
              lastReceived: lastReceived.slice(0, 10),
              id: id.slice(14),
            }))
            .sort((a, b) => a.id.localeCompare(b.id));
        expect(comparable(queued)).toEqual(comparable(expected.alerts));
        for (const alert of queued) {
          expect(alert).toMatchObject({ tenant, providerType: adapter.type, providerId: 'p1' });
          expect(alert.fingerprint).toMatch(/.+/);
        }
      });
    }
  }

  it('maps an Alertmanager group exactly (status, severity, fingerprint, name, labels)', async () => {
    await clearIngestLog(stack);
    const payload = {
      version: '4',
      status: 'firing',
      receiver: 'keep',
      groupKey: '{}:{alertname="DiskFull"}',
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'DiskFull', severity: 'critical', Instance: 'db-1', environment: 'prod' },
          annotations: { description: 'disk 97% full' },
          startsAt: '2026-01-01T00:00:00Z',
          fingerprint: 'abc123',
        },
        {
          status: 'resolved',
          labels: { alertname: 'DiskFull', severity: 'error' },
          annotations: {},
          fingerprint: 'def456',
        },
      ],
    };
    const response = await post('/alerts/event/alertmanager', payload);
    expect(response.statusCode).toBe(202);
    expect(response.json().accepted).toBe(2);
    const alerts = (await queuedAlerts(gateway.ingestLog)).sort((a, b) => a.fingerprint.localeCompare(b.fingerprint));
    expect(
      alerts.map(({ name, status, severity, fingerprint, environment }) => ({
        name,
        status,
        severity,
        fingerprint,
        environment,
      })),
    ).toEqual([
      { name: 'DiskFull', status: 'firing', severity: 'critical', fingerprint: 'abc123', environment: 'prod' },
      { name: 'DiskFull', status: 'resolved', severity: 'high', fingerprint: 'def456', environment: 'unknown' },
    ]);
    expect(alerts[0]?.labels).toMatchObject({ alertname: 'DiskFull', instance: 'db-1' });
    expect(alerts[0]?.description).toBe('disk 97% full');
  });

  it('accepts a top-level array on a provider route and the ?fingerprint override', async () => {
    await clearIngestLog(stack);
    const [fixture] = fixtures('datadog');
    const response = await post('/api/v1/alerts/event/datadog?fingerprint=pinned', [fixture?.body, fixture?.body]);
    expect(response.statusCode).toBe(202);
    expect(response.json().accepted).toBe(2);
    expect((await queuedAlerts(gateway.ingestLog)).map((alert) => alert.fingerprint)).toEqual(['pinned', 'pinned']);
  });

  it('takes Keep-format alerts on /alerts/event, one object or an array', async () => {
    await clearIngestLog(stack);
    const one = await post('/alerts/event', { name: 'cpu high', severity: 'critical', status: 'firing' });
    const many = await post('/alerts/event', [{ name: 'a' }, { name: 'b', severity: 4 }]);
    expect([one.statusCode, one.json().accepted, many.statusCode, many.json().accepted]).toEqual([202, 1, 202, 2]);
    const names = (await queuedAlerts(gateway.ingestLog)).map((alert) => `${alert.name}:${alert.severity}`).sort();
    expect(names).toEqual(['a:info', 'b:high', 'cpu high:critical']);
  });

  it('strips NUL and replaces lone surrogates by U+FFFD, which PostgreSQL cannot store, from escaped JSON', async () => {
    await clearIngestLog(stack);
    // Behind a harmless escape (Go writes & as \u0026), and with upper-case hex digits.
    const response = await post('/alerts/event', '{"name":"disk\\u0026\\u0000full","description":"half \\uD800 pair"}');
    expect(response.statusCode).toBe(202);
    const [queued] = await queuedAlerts(gateway.ingestLog);
    expect([queued?.name, queued?.description]).toEqual(['disk&full', 'half \ufffd pair']);
  });

  it('parses JSON sent as text/plain (AWS SNS) and form bodies', async () => {
    await clearIngestLog(stack);
    const sns = await post('/alerts/event/keep', JSON.stringify({ name: 'from-sns' }), {
      'content-type': 'text/plain; charset=UTF-8',
    });
    const form = await post('/alerts/event/keep', 'name=from-form&severity=warning', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect([sns.statusCode, form.statusCode]).toEqual([202, 202]);
    const names = (await queuedAlerts(gateway.ingestLog)).map((alert) => `${alert.name}:${alert.severity}`).sort();
    expect(names).toEqual(['from-form:warning', 'from-sns:info']);
  });
});

describe('authentication', () => {
  const basic = (password: string) => `Basic ${Buffer.from(`api_key:${password}`).toString('base64')}`;

  it.each([
    ['X-API-KEY header', (k: string) => ({ url: '/alerts/event', headers: { 'x-api-key': k } })],
    ['api_key query parameter', (k: string) => ({ url: `/alerts/event?api_key=${k}`, headers: { 'x-api-key': '' } })],
    [
      'Bearer token',
      (k: string) => ({ url: '/alerts/event', headers: { 'x-api-key': '', authorization: `Bearer ${k}` } }),
    ],
    [
      'Basic with the key as password',
      (k: string) => ({ url: '/alerts/event', headers: { 'x-api-key': '', authorization: basic(k) } }),
    ],
    [
      'Digest credential string',
      (k: string) => ({ url: '/alerts/event', headers: { 'x-api-key': '', authorization: `Digest ${k}` } }),
    ],
  ])('accepts the key as %s', async (_label, request) => {
    const { url, headers } = request(key);
    const response = await post(url, { name: 'auth' }, headers);
    expect(response.statusCode).toBe(202);
  });

  it('answers 401 without credentials and with an unknown key', async () => {
    const missing = await post('/alerts/event', { name: 'x' }, { 'x-api-key': '' });
    const unknown = await post('/alerts/event', { name: 'x' }, { 'x-api-key': 'ag_not-a-real-key' });
    expect([missing.statusCode, unknown.statusCode]).toEqual([401, 401]);
    expect(missing.json().error).toBe('unauthorized');
    expect(unknown.json().message).toBe('Invalid API Key');
  });

  it('answers 403 when the key may not post this provider, and for admin keys', async () => {
    const scoped = await stack.createKey(tenant, { providers: ['grafana'] });
    const admin = await stack.createKey(tenant, { isAdmin: true });
    const wrongProvider = await post('/alerts/event/keep', { name: 'x' }, { 'x-api-key': scoped });
    const adminOnIngest = await post('/alerts/event/keep', { name: 'x' }, { 'x-api-key': admin });
    expect(wrongProvider.statusCode).toBe(403);
    expect(wrongProvider.json().details.allowed).toEqual(['grafana']);
    expect(adminOnIngest.statusCode).toBe(403);
  });

  it('stops accepting a revoked key once the verification cache expires', async () => {
    const shortCache = await stack.gateway({ API_KEY_CACHE_MS: 100 });
    const created = await stack.keys.create({ tenant, name: 'to-revoke' });
    const send = () =>
      shortCache.app.inject({
        method: 'POST',
        url: '/alerts/event',
        headers: { 'x-api-key': created.key, 'content-type': 'application/json' },
        payload: '{"name":"x"}',
      });
    expect((await send()).statusCode).toBe(202);
    await stack.keys.revoke(created.id);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect((await send()).statusCode).toBe(401);
  });
});

describe('bad input is refused with a specific error and nothing is enqueued', () => {
  it.each([
    ['malformed JSON', '/alerts/event/prometheus', '{"alerts": [', {}, 400, 'invalid_json'],
    ['empty body', '/alerts/event/prometheus', '', {}, 400, 'invalid_json'],
    ['wrong shape for the provider', '/alerts/event/prometheus', { title: 'datadog-ish' }, {}, 422, 'invalid_payload'],
    ['unknown provider', '/alerts/event/nagios-classic', { name: 'x' }, {}, 404, 'unknown_provider'],
    [
      'unsupported media type',
      '/alerts/event/keep',
      '<alert/>',
      { 'content-type': 'application/xml' },
      415,
      'unsupported_media_type',
    ],
    ['empty array', '/alerts/event', [], {}, 422, 'invalid_payload'],
    ['prototype pollution key', '/alerts/event', '{"name":"x","__proto__":{"admin":true}}', {}, 400, 'invalid_json'],
  ])('%s', async (_label, url, body, headers, status, code) => {
    await clearIngestLog(stack);
    const response = await post(url, body, headers);
    expect(response.statusCode).toBe(status);
    expect(response.json()).toMatchObject({ error: code, requestId: expect.any(String), message: expect.any(String) });
    expect(await queuedAlerts(gateway.ingestLog)).toEqual([]);
  });

  it('names the failing path of a wrong payload', async () => {
    const response = await post('/alerts/event/prometheus', {
      alerts: [{ labels: { alertname: 'ok' } }, { labels: {} }],
    });
    expect(response.statusCode).toBe(422);
    expect(response.json().details.path).toBe('/alerts/1/labels');
  });

  it('rejects a whole array when one item is invalid', async () => {
    await clearIngestLog(stack);
    const response = await post('/alerts/event', [{ name: 'good' }, { name: 'bad', labels: 'not-an-object' }]);
    expect(response.statusCode).toBe(422);
    expect(response.json().details.path).toMatch(/^\/1\//);
    expect(await queuedAlerts(gateway.ingestLog)).toEqual([]);
  });

  it('answers 413 for a body over the limit and for too many alerts', async () => {
    const small = await stack.gateway({ BODY_LIMIT_BYTES: 2048, MAX_ALERTS_PER_REQUEST: 2 });
    const big = await small.app.inject({
      method: 'POST',
      url: '/alerts/event',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'x'.repeat(4096) }),
    });
    const many = await small.app.inject({
      method: 'POST',
      url: '/alerts/event',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      payload: JSON.stringify([{ name: 'a' }, { name: 'b' }, { name: 'c' }]),
    });
    expect([big.statusCode, big.json().error]).toEqual([413, 'payload_too_large']);
    expect([many.statusCode, many.json().error]).toEqual([413, 'payload_too_large']);
  });
});

describe('provider listing and Netdata challenge', () => {
  it('lists every provider with docs and fingerprint fields', async () => {
    const response = await gateway.app.inject({ method: 'GET', url: '/api/v1/providers' });
    const types = response.json().providers.map((provider: { type: string }) => provider.type);
    expect(types).toHaveLength(17);
    expect(types).toEqual(expect.arrayContaining(['prometheus', 'cloudwatch', 'netdata', 'keep']));
    const prometheus = response.json().providers.find((provider: { type: string }) => provider.type === 'prometheus');
    expect(prometheus).toMatchObject({ aliases: ['alertmanager'], fingerprintFields: ['fingerprint'] });
  });

  it('answers the Netdata challenge without a key, double-encoded like Keep', async () => {
    const response = await gateway.app.inject({ method: 'GET', url: '/alerts/event/netdata?token=abc' });
    expect(response.statusCode).toBe(200);
    const inner = JSON.parse(JSON.parse(response.body));
    expect(inner.response_token).toMatch(/^sha256=/);
    expect((await gateway.app.inject({ method: 'GET', url: '/alerts/event/netdata' })).statusCode).toBe(400);
  });
});

describe('OpenAPI document of the ingest routes', () => {
  const INGEST_PATHS = [
    '/alerts/event',
    '/api/v1/alerts/event',
    '/alerts/event/{provider_type}',
    '/api/v1/alerts/event/{provider_type}',
  ];
  const MEDIA_TYPES = ['application/json', 'text/plain', 'application/x-www-form-urlencoded'];

  interface Operation {
    requestBody?: { content: Record<string, unknown> };
    responses: Record<string, { description: string }>;
  }

  async function ingestOperations(url: string): Promise<Operation[]> {
    const response = await gateway.app.inject({ method: 'GET', url });
    expect(response.statusCode).toBe(200);
    const paths = response.json().paths as Record<string, { post: Operation }>;
    return INGEST_PATHS.map((path) => paths[path]?.post as Operation);
  }

  it('lists the accepted media types of the request body', async () => {
    for (const operation of await ingestOperations('/docs/openapi.json')) {
      expect(Object.keys(operation.requestBody?.content ?? {}).sort()).toEqual([...MEDIA_TYPES].sort());
    }
  });

  it('describes every status, 415 naming the accepted types', async () => {
    for (const operation of await ingestOperations('/docs/openapi.json')) {
      expect(Object.keys(operation.responses).sort()).toEqual(
        ['202', '400', '401', '403', '404', '413', '415', '422', '429', '503'].sort(),
      );
      for (const response of Object.values(operation.responses))
        expect(response.description).not.toBe('Default Response');
      expect(operation.responses['415']?.description).toMatch(/application\/json.*text\/plain.*x-www-form-urlencoded/);
    }
  });

  it('accepts every documented media type and answers 415 for another', async () => {
    const keepAlert = { name: 'media-type' };
    const asText = await post('/alerts/event', keepAlert, { 'content-type': 'text/plain; charset=utf-8' });
    const asForm = await post('/alerts/event', 'name=media-type', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    const asJson = await post('/alerts/event', keepAlert);
    const asXml = await post('/alerts/event', '<alert/>', { 'content-type': 'application/xml' });
    expect([asText.statusCode, asForm.statusCode, asJson.statusCode, asXml.statusCode]).toEqual([202, 202, 202, 415]);
    expect(asForm.json().accepted).toBe(1);
  });

  it('serves the same document to the Swagger UI, which reads it from /docs/openapi.json', async () => {
    const initializer = await gateway.app.inject({ method: 'GET', url: '/docs/static/swagger-initializer.js' });
    expect(initializer.body).toContain('"/docs/openapi.json"');
    expect(await ingestOperations('/docs/json')).toEqual(await ingestOperations('/docs/openapi.json'));
  });
});
