import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openServices } from '../../src/compose/services.js';
import { loadConfig } from '../../src/config.js';
import { type App, createApp } from '../../src/http/app.js';
import { registerHealthRoutes } from '../../src/http/routes/health.js';
import { silentLog } from '../support/harness.js';

const config = loadConfig({ LOG_LEVEL: 'silent' });
const services = openServices(config, 'test');
let app: App;

beforeAll(async () => {
  app = await createApp(config.http.app, silentLog);
  registerHealthRoutes(app, [
    ...services.checks,
    { name: 'unreachable-optional', required: false, check: () => Promise.reject(new Error('connection refused')) },
  ]);
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await services.close();
});

describe('health endpoints', () => {
  it('/healthz answers while the process is up', async () => {
    const response = await app.inject({ method: 'GET', url: '/healthz' });
    expect(response.statusCode).toBe(200);
    expect(response.json().status).toBe('ok');
  });

  it('/readyz reports every dependency with status and latency', async () => {
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.status).toBe('ready');
    for (const name of ['postgres', 'redis', 'elasticsearch']) {
      expect(body.dependencies[name]).toMatchObject({ status: 'up', required: true });
      expect(body.dependencies[name].latencyMs).toBeGreaterThanOrEqual(0);
    }
    expect(body.dependencies['unreachable-optional']).toMatchObject({ status: 'down', error: 'connection refused' });
  });

  it('/readyz answers 503 when a required dependency is down', async () => {
    const broken = await createApp(config.http.app, silentLog);
    registerHealthRoutes(broken, [
      { name: 'postgres', required: true, check: () => Promise.reject(new Error('ECONNREFUSED')) },
    ]);
    const response = await broken.inject({ method: 'GET', url: '/readyz' });
    await broken.close();
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ status: 'not_ready', dependencies: { postgres: { status: 'down' } } });
  });
});

describe('conventions', () => {
  it('serves the OpenAPI document listing every route', async () => {
    const response = await app.inject({ method: 'GET', url: '/docs/openapi.json' });
    expect(response.statusCode).toBe(200);
    const paths = Object.keys(response.json().paths);
    expect(paths).toEqual(expect.arrayContaining(['/healthz', '/readyz']));
  });

  it('refuses to register a route without a response schema', async () => {
    const strict = await createApp(config.http.app, silentLog);
    expect(() => strict.get('/undocumented', async () => 'x')).toThrow(/no response schema/);
    await strict.close();
  });

  it('answers a value PostgreSQL refuses (SQLSTATE class 22) as the client error it is', async () => {
    const cast = await createApp(config.http.app, silentLog);
    cast.get('/cast', { schema: { hide: true } }, async (request) => {
      const { at } = request.query as { at: string };
      await services.database.db.execute(sql`select ${at}::timestamptz`);
      return 'stored';
    });
    const response = await cast.inject({ method: 'GET', url: '/cast?at=0000-01-01T00:00:00Z' });
    await cast.close();
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      error: 'bad_request',
      message: expect.stringMatching(/outside what the database accepts \(SQLSTATE 22008\)/),
      requestId: expect.any(String),
    });
  });

  it('counts object keys, not colons inside strings, against JSON_MAX_KEYS', async () => {
    const bounded = await createApp(loadConfig({ JSON_MAX_KEYS: '10' }).http.app, silentLog);
    bounded.post('/keys', { schema: { hide: true } }, async (request) => Object.keys(request.body as object).length);
    const post = (body: string) =>
      bounded.inject({ method: 'POST', url: '/keys', headers: { 'content-type': 'application/json' }, payload: body });
    const keys = (count: number, value: string) =>
      `{${Array.from({ length: count }, (_, i) => `"k${i}":${JSON.stringify(value)}`).join(',')}}`;
    // 10 keys whose values hold 50 colons, one behind an escaped quote: within the limit.
    const accepted = await post(keys(10, 'https://a:1/b \\":x :::::'));
    const refused = await post(keys(11, 'x'));
    await bounded.close();
    expect([accepted.statusCode, accepted.body]).toEqual([200, '10']);
    expect(refused.statusCode).toBe(413);
    expect(refused.json()).toMatchObject({
      error: 'payload_too_large',
      message: 'the body holds more than 10 object keys',
    });
  });

  it('answers unknown routes with the shared error shape', async () => {
    const response = await app.inject({ method: 'GET', url: '/missing' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({
      error: 'not_found',
      message: 'no route for GET /missing',
      requestId: expect.any(String),
    });
    expect(response.headers['x-request-id']).toBe(response.json().requestId);
  });
});
