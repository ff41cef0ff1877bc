import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyStore } from '../../src/auth/api-keys.js';
import { buildGateway, type Gateway } from '../../src/compose/gateway.js';
import type { Services } from '../../src/compose/services.js';
import { publishTargets } from '../../src/store/schema.js';
import { uniqueTenant } from '../support/harness.js';
import { closeServices, publishServices, silentLog, writeTargetsFile } from '../support/publish.js';

const ROUTING_KEY = 'k'.repeat(32);
const suffix = Math.random().toString(36).slice(2, 10);
const FILE_TARGET = `file-slack-${suffix}`;
const names = { pager: `pager-${suffix}`, hook: `hook-${suffix}` };

let services: Services;
let gateway: Gateway;
let adminKey: string;
let tenantKey: string;

beforeAll(async () => {
  const file = writeTargetsFile([
    { name: FILE_TARGET, type: 'slack', settings: { url: 'https://hooks.slack.com/services/T0/B0/secretpart' } },
  ]);
  services = publishServices({ TARGETS_FILE: file });
  gateway = await buildGateway(services, silentLog);
  const keys = new ApiKeyStore(services.database.db, 0);
  adminKey = (await keys.create({ tenant: uniqueTenant('admin'), name: 'admin', isAdmin: true })).key;
  tenantKey = (await keys.create({ tenant: uniqueTenant('plain'), name: 'plain' })).key;
});
afterAll(async () => {
  await gateway.stop();
  await services.database.db.delete(publishTargets).where(inArray(publishTargets.name, Object.values(names)));
  await closeServices(services);
});

const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown, key = adminKey) =>
  gateway.app.inject({
    method,
    url,
    headers: { 'x-api-key': key },
    ...(payload ? { payload: payload as object } : {}),
  });

describe('/api/v1/targets', () => {
  it('creates a target and never returns its secret', async () => {
    const response = await call('POST', '/api/v1/targets', {
      name: names.pager,
      type: 'pagerduty',
      routes: [{ minSeverity: 'high', labels: { team: 'db' } }],
      rateLimit: { perSecond: 1, burst: 10 },
      settings: { routingKey: ROUTING_KEY },
    });
    expect(response.statusCode).toBe(201);
    const body = response.json();
    expect(body).toMatchObject({
      name: names.pager,
      type: 'pagerduty',
      enabled: true,
      source: 'api',
      settings: { routingKey: '***', url: 'https://events.pagerduty.com/v2/enqueue' },
      health: { consecutiveFailures: 0, healthy: true },
    });
    expect(response.body).not.toContain(ROUTING_KEY);
  });

  it('refuses a duplicate name (409) and invalid settings (422, each problem by path, no values echoed)', async () => {
    const duplicate = await call('POST', '/api/v1/targets', {
      name: names.pager,
      type: 'pagerduty',
      settings: { routingKey: ROUTING_KEY },
    });
    expect(duplicate.statusCode).toBe(409);
    const invalid = await call('POST', '/api/v1/targets', {
      name: names.hook,
      type: 'pagerduty',
      settings: { routingKey: 'too-short-secret' },
    });
    expect(invalid.statusCode).toBe(422);
    expect(invalid.json().details.problems).toEqual([expect.stringContaining('settings/routingKey')]);
    expect(invalid.body).not.toContain('too-short-secret');
    const badType = await call('POST', '/api/v1/targets', { name: names.hook, type: 'carrier-pigeon', settings: {} });
    expect(badType.statusCode).toBe(400);
  });

  it('replaces a target, keeping secrets the client left out or sent back redacted', async () => {
    const current = (await call('GET', `/api/v1/targets/${names.pager}`)).json();
    const replaced = await call('PUT', `/api/v1/targets/${names.pager}`, {
      name: names.pager,
      type: 'pagerduty',
      enabled: false,
      routes: [],
      settings: current.settings,
    });
    expect(replaced.statusCode).toBe(200);
    expect(replaced.json()).toMatchObject({ enabled: false, routes: [] });
    const [row] = await services.database.db.select().from(publishTargets).where(eq(publishTargets.name, names.pager));
    expect(row?.settings.routingKey).toBe(ROUTING_KEY);
    const mismatch = await call('PUT', `/api/v1/targets/${names.pager}`, {
      name: 'other',
      type: 'pagerduty',
      settings: {},
    });
    expect(mismatch.statusCode).toBe(400);
  });

  it('lists file and API targets, file targets read-only and redacted', async () => {
    const list = await call('GET', '/api/v1/targets');
    expect(list.statusCode).toBe(200);
    const byName = new Map((list.json().targets as { name: string }[]).map((t) => [t.name, t]));
    expect(byName.get(FILE_TARGET)).toMatchObject({ source: 'file', settings: { url: 'https://hooks.slack.com/***' } });
    expect(byName.get(names.pager)).toMatchObject({ source: 'api' });
    expect(list.body).not.toContain('secretpart');
    expect(
      (await call('PUT', `/api/v1/targets/${FILE_TARGET}`, { name: FILE_TARGET, type: 'slack', settings: {} }))
        .statusCode,
    ).toBe(403);
    expect((await call('DELETE', `/api/v1/targets/${FILE_TARGET}`)).statusCode).toBe(403);
    expect(
      (
        await call('POST', '/api/v1/targets', {
          name: FILE_TARGET,
          type: 'webhook',
          settings: { url: 'https://x.example' },
        })
      ).statusCode,
    ).toBe(409);
  });

  it('needs an admin key', async () => {
    expect((await call('GET', '/api/v1/targets', undefined, tenantKey)).statusCode).toBe(403);
    expect((await gateway.app.inject({ method: 'GET', url: '/api/v1/targets' })).statusCode).toBe(401);
  });

  it('deletes a target', async () => {
    expect((await call('DELETE', `/api/v1/targets/${names.pager}`)).statusCode).toBe(204);
    expect((await call('GET', `/api/v1/targets/${names.pager}`)).statusCode).toBe(404);
    expect((await call('DELETE', `/api/v1/targets/${names.pager}`)).statusCode).toBe(404);
  });

  it('documents the routes in the OpenAPI document', async () => {
    const paths = Object.keys((await gateway.app.inject({ method: 'GET', url: '/docs/openapi.json' })).json().paths);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/api/v1/targets',
        '/api/v1/targets/{name}',
        '/api/v1/admin/publish/dlq',
        '/api/v1/admin/publish/dlq/replay',
        '/api/v1/admin/publish/log',
      ]),
    );
  });
});
