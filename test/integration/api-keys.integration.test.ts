import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ApiKeyStore, generateKey, hashKey, KeyStoreUnavailableError } from '../../src/auth/api-keys.js';
import { runKeysCommand, UsageError } from '../../src/cli/keys.js';
import type { Gateway } from '../../src/compose/gateway.js';
import { openDatabase } from '../../src/store/db.js';
import { openTestStack, queuedAlerts, type TestStack, waitFor } from '../support/harness.js';
import { closedPort } from '../support/search-app.js';

/**
 * Every route each app registers after createApp (the gateway's routes; createApp's own are the
 * docs), recorded by an onRoute hook added as the app is created.
 */
const registered = vi.hoisted(() => new WeakMap<object, { method: string; path: string }[]>());
vi.mock('../../src/http/app.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/http/app.js')>();
  return {
    ...original,
    createApp: async (...args: Parameters<typeof original.createApp>) => {
      const app = await original.createApp(...args);
      const routes: { method: string; path: string }[] = [];
      registered.set(app, routes);
      app.addHook('onRoute', (route) => {
        // HEAD routes mirror GET ones.
        for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push({ method, path: route.url });
      });
      return app;
    },
  };
});
const routesOf = (app: object) => registered.get(app) ?? [];

/** Every tenant of this file starts with this, so cleanup finds its keys. */
const RUN = `keys-${randomUUID()}`;
const tenant = (label: string) => `${RUN}-${label}`;

let stack: TestStack;
let gateway: Gateway;

beforeAll(async () => {
  stack = openTestStack();
  gateway = await stack.gateway();
});
afterAll(async () => {
  await stack.services.database.sql`delete from api_keys where tenant like ${`${RUN}-%`}`;
  await stack.close();
});

function post(app: Gateway['app'], url: string, key: string, body: unknown = { name: 'probe' }) {
  return app.inject({
    method: 'POST',
    url,
    headers: { 'x-api-key': key, 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
}

/** Runs `alertgate keys …` in-process; returns what it printed on stdout, line by line. */
async function keysCommand(...args: string[]): Promise<string[]> {
  const printed: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((line: unknown) => void printed.push(String(line)));
  const error = vi.spyOn(console, 'error').mockImplementation(() => {});
  try {
    await runKeysCommand(args, stack.services.database);
    return printed;
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

describe('API keys', () => {
  it('are stored as their SHA-256 only: the plaintext is nowhere in the row', async () => {
    const { id, key } = await stack.keys.create({ tenant: tenant('hash'), name: 'webhook' });
    const [row] = await stack.services.database.sql<{ key_hash: string; row: string }[]>`
      select key_hash, k::text as row from api_keys k where id = ${id}`;
    expect(row?.key_hash).toBe(createHash('sha256').update(key).digest('hex'));
    expect(row?.row).not.toContain(key);
    expect(row?.row).not.toContain(key.slice(3, 20));
    // A key differing in its last character is another key.
    const altered = `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`;
    expect(await stack.keys.verify(altered)).toBeNull();
    expect((await stack.keys.verify(key))?.tenant).toBe(tenant('hash'));
  });

  it("scope ingestion to the key's tenant, whatever the payload claims", async () => {
    const key = await stack.createKey(tenant('scope'));
    const response = await post(gateway.app, '/alerts/event', key, {
      name: `tenant-claim-${RUN}`,
      tenant: tenant('other'),
      labels: { tenant: tenant('other') },
    });
    expect(response.statusCode, response.body).toBe(202);
    const queued = (await queuedAlerts(gateway.ingestLog)).filter((alert) => alert.name === `tenant-claim-${RUN}`);
    expect(queued.map((alert) => alert.tenant)).toEqual([tenant('scope')]);
  });

  it('limited to providers answer 403 for any other provider; aliases resolve when the key is made', async () => {
    const [key] = (await keysCommand('create', '--tenant', tenant('providers'), '--providers', 'alertmanager')).slice(
      -1,
    );
    const prometheus = { alerts: [{ status: 'firing', labels: { alertname: 'Probe' } }] };
    const datadog = await post(gateway.app, '/alerts/event/datadog', key as string, { title: 'x' });
    expect(datadog.statusCode).toBe(403);
    expect(datadog.json()).toMatchObject({ error: 'forbidden', details: { allowed: ['prometheus'] } });
    expect((await post(gateway.app, '/alerts/event', key as string)).statusCode).toBe(403);
    expect((await post(gateway.app, '/api/v1/alerts/event/keep', key as string)).statusCode).toBe(403);
    expect((await post(gateway.app, '/alerts/event/prometheus', key as string, prometheus)).statusCode).toBe(202);
    expect((await post(gateway.app, '/alerts/event/alertmanager', key as string, prometheus)).statusCode).toBe(202);
    await expect(
      keysCommand('create', '--tenant', tenant('providers'), '--providers', 'grafana,nagios'),
    ).rejects.toThrow(UsageError);
  });

  it('keys revoke/rotate with an id that is not a UUID: a usage error, not a database error', async () => {
    for (const action of ['revoke', 'rotate'])
      await expect(keysCommand(action, 'not-a-uuid')).rejects.toThrow(
        new UsageError(`keys ${action}: "not-a-uuid" is not a key id (a UUID, as \`keys list\` prints)`),
      );
  });

  it('refuse text not shaped like a key without asking PostgreSQL', async () => {
    const down = openDatabase(`postgres://alertgate:alertgate@127.0.0.1:${await closedPort()}/none`);
    const unreachable = new ApiKeyStore(down.db, 10_000);
    try {
      for (const guess of ['', 'guess', 'ag_short', `ag_${'A'.repeat(43)}!`, `xx_${'A'.repeat(43)}`])
        expect(await unreachable.verify(guess)).toBeNull();
      // A well-shaped key needs the lookup, which cannot happen.
      await expect(unreachable.verify(`ag_${'A'.repeat(43)}`)).rejects.toThrow(KeyStoreUnavailableError);
    } finally {
      await down.close();
    }
  });

  it('remember a miss for a second at most, apart from verified keys: a key created later is accepted', async () => {
    const store = new ApiKeyStore(stack.services.database.db, 60_000);
    const valid = await stack.keys.create({ tenant: tenant('miss'), name: 'webhook' });
    expect((await store.verify(valid.key))?.tenant).toBe(tenant('miss'));
    const later = generateKey();
    expect(await store.verify(later)).toBeNull();
    // Created by another process (the CLI) right after the miss: this store learns of it within a second.
    const created = Date.now();
    await stack.services.database.sql`
      insert into api_keys (tenant, name, key_hash) values (${tenant('miss')}, 'later', ${hashKey(later)})`;
    expect(await store.verify(later)).toBeNull();
    await waitFor(async () => (await store.verify(later)) !== null, 3000, 50);
    expect(Date.now() - created).toBeLessThan(1500);
    expect((await store.verify(valid.key))?.tenant).toBe(tenant('miss'));
  });

  it('rotate without downtime: both keys work until the old is revoked, which bites within the cache TTL', async () => {
    const ttlMs = 1500;
    const cached = await stack.gateway({ API_KEY_CACHE_MS: ttlMs });
    const [oldKey] = (await keysCommand('create', '--tenant', tenant('rotate'))).slice(-1) as [string];
    const oldId = (await stack.keys.verify(oldKey))?.keyId as string;
    expect((await post(cached.app, '/alerts/event', oldKey)).statusCode).toBe(202);

    const [newKey] = (await keysCommand('rotate', oldId)).slice(-1) as [string];
    expect((await stack.keys.verify(newKey))?.tenant).toBe(tenant('rotate'));
    expect((await post(cached.app, '/alerts/event', newKey)).statusCode).toBe(202);
    expect((await post(cached.app, '/alerts/event', oldKey)).statusCode).toBe(202);

    // Revoked by another process (the CLI), so this gateway learns it only when its cache entry expires.
    await keysCommand('revoke', oldId);
    const revokedAt = Date.now();
    await waitFor(async () => (await post(cached.app, '/alerts/event', oldKey)).statusCode === 401, ttlMs + 5000, 50);
    expect(Date.now() - revokedAt).toBeLessThanOrEqual(ttlMs + 1000);
    expect((await post(cached.app, '/alerts/event', newKey)).statusCode).toBe(202);
  });
});

/** A request path for a route pattern: every parameter filled with a value its schema accepts. */
function concrete(path: string): string {
  return path
    .replace(/:provider_type/g, 'prometheus')
    .replace(/:name/g, 'probe')
    .replace(/:\w+/g, randomUUID())
    .replace(/\*$/, 'probe');
}

/**
 * Routes that need no key, on purpose: health, metrics for scrapers, the provider list, Netdata's
 * challenge and the admin page's static files (createApp's own /docs routes are not recorded).
 */
const PUBLIC = new Set([
  'GET /healthz',
  'GET /readyz',
  'GET /metrics',
  'GET /api/v1/providers',
  'GET /alerts/event/netdata',
  'GET /api/v1/alerts/event/netdata',
  'GET /admin',
  'GET /admin/*',
]);
const isPublic = (route: { method: string; path: string }) => PUBLIC.has(`${route.method} ${route.path}`);
const isAdmin = (path: string) =>
  path.startsWith('/api/v1/admin/') || path.startsWith('/api/v1/targets') || /^\/admin\/[a-z]/.test(path);

describe('every route of the built app', () => {
  it('is public by design, admin-only, or tenant-only, and refuses the wrong key or none', async () => {
    const [adminKey, tenantKey] = [
      await stack.createKey(tenant('admin'), { isAdmin: true }),
      await stack.createKey(tenant('plain')),
    ];
    const routes = routesOf(gateway.app);
    // The enumeration is complete: every operation of the OpenAPI document is among the routes.
    const documented = Object.entries((gateway.app.swagger() as { paths: Record<string, object> }).paths).flatMap(
      ([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const enumerated = new Set(routes.map((route) => `${route.method} ${route.path.replace(/:(\w+)/g, '{$1}')}`));
    expect(documented.filter((operation) => !enumerated.has(operation))).toEqual([]);
    expect(routes.length).toBeGreaterThan(50);

    const failures: string[] = [];
    for (const route of routes.filter((candidate) => !isPublic(candidate))) {
      const url = concrete(route.path);
      const send = (key?: string) =>
        gateway.app.inject({ method: route.method as 'GET', url, headers: key ? { 'x-api-key': key } : {} });
      const [none, wrong, unknown] = [
        await send(),
        await send(isAdmin(route.path) ? tenantKey : adminKey),
        await send('ag_revoked-or-never-issued'),
      ];
      const expected = `${route.method} ${route.path}: none 401, ${isAdmin(route.path) ? 'tenant' : 'admin'} key 403, unknown 401`;
      const got = `${route.method} ${route.path}: none ${none.statusCode}, ${isAdmin(route.path) ? 'tenant' : 'admin'} key ${wrong.statusCode}, unknown ${unknown.statusCode}`;
      if (got !== expected) failures.push(got);
    }
    expect(failures).toEqual([]);
    expect(routes.filter((route) => !isPublic(route)).length).toBeGreaterThan(40);
    // Admin routes as the issue lists them are all found and classified as admin.
    const admin = routes.filter((route) => isAdmin(route.path)).map((route) => `${route.method} ${route.path}`);
    for (const expected of [
      'GET /api/v1/targets',
      'DELETE /api/v1/targets/:name',
      'POST /api/v1/admin/dedup-rules',
      'GET /api/v1/admin/escalation-policies',
      'GET /api/v1/admin/archive/log',
      'GET /api/v1/admin/dlq/ingest',
      'POST /api/v1/admin/dlq/ingest/:id/replay',
      'GET /api/v1/admin/publish/dlq',
      'GET /api/v1/admin/publish/log',
      'GET /api/v1/admin/silences',
      'GET /admin/snapshot',
      'GET /admin/events',
      'GET /admin/queues/health',
    ])
      expect(admin).toContain(expected);
  });
});
