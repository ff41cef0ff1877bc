import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/compose/gateway.js';
import { openTestStack, type TestStack, uniqueTenant } from '../support/harness.js';

let stack: TestStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

function limitsFile(yaml: string): string {
  const file = join(tmpdir(), `limits-${randomUUID()}.yaml`);
  writeFileSync(file, yaml);
  return file;
}

const PROMETHEUS = { alerts: [{ labels: { alertname: 'x' } }] };
/** A body no JSON parser accepts: a request refused before parsing never notices it. */
const NOT_JSON = '{"alerts": [';

function post(gateway: Gateway, url: string, key: string | null, payload: unknown) {
  return gateway.app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', ...(key ? { 'x-api-key': key } : {}) },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });
}

describe('rate-limit buckets keyed by the resolved provider type', () => {
  it('gives an alias no bucket of its own: alertmanager spends the prometheus bucket and its override', async () => {
    stack = openTestStack({
      RATE_LIMITS_FILE: limitsFile('providers:\n  prometheus:\n    capacity: 2\n    refillPerSecond: 0.01\n'),
    });
    const gateway = await stack.gateway();
    const key = await stack.createKey(uniqueTenant());
    expect((await post(gateway, '/alerts/event/prometheus', key, PROMETHEUS)).statusCode).toBe(202);
    expect((await post(gateway, '/alerts/event/prometheus', key, PROMETHEUS)).statusCode).toBe(202);

    for (const url of ['/alerts/event/alertmanager', '/api/v1/alerts/event/alertmanager']) {
      const alias = await post(gateway, url, key, PROMETHEUS);
      expect(alias.statusCode).toBe(429);
      expect(alias.headers['ratelimit-limit']).toBe('2');
      expect(alias.json()).toMatchObject({ error: 'rate_limited', details: { provider: 'prometheus', limit: 2 } });
    }
  });

  it('applies a limit the file names by alias to the provider type', async () => {
    stack = openTestStack({
      RATE_LIMITS_FILE: limitsFile('providers:\n  alertmanager:\n    capacity: 1\n    refillPerSecond: 0.01\n'),
    });
    const gateway = await stack.gateway();
    const key = await stack.createKey(uniqueTenant());
    expect((await post(gateway, '/alerts/event/prometheus', key, PROMETHEUS)).statusCode).toBe(202);
    const refused = await post(gateway, '/alerts/event/prometheus', key, PROMETHEUS);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['ratelimit-limit']).toBe('1');
  });

  it('answers an unknown provider 404 before the key, the bucket or the body', async () => {
    stack = openTestStack();
    const gateway = await stack.gateway();
    const key = await stack.createKey(uniqueTenant());
    for (const [credential, body] of [
      [key, { name: 'x' }],
      [key, NOT_JSON],
      [null, NOT_JSON],
    ] as const) {
      const response = await post(gateway, '/alerts/event/nagios-classic', credential, body);
      expect(response.statusCode).toBe(404);
      expect(response.json()).toMatchObject({ error: 'unknown_provider', details: { supported: expect.any(Array) } });
    }
    expect(await stack.services.redis.keys(`${stack.config.QUEUE_PREFIX}:bucket:*`)).toEqual([]);
  });
});

describe('cheap refusals before the body is parsed', () => {
  it('answers a key not allowed for the provider 403, whatever the body', async () => {
    stack = openTestStack();
    const gateway = await stack.gateway();
    const key = await stack.createKey(uniqueTenant(), { providers: ['datadog'] });
    const response = await post(gateway, '/alerts/event/prometheus', key, NOT_JSON);
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({ error: 'forbidden', details: { allowed: ['datadog'] } });
    expect(await stack.services.redis.keys(`${stack.config.QUEUE_PREFIX}:bucket:*`)).toEqual([]);
  });

  it('answers an exhausted bucket 429, whatever the body', async () => {
    stack = openTestStack({
      RATE_LIMITS_FILE: limitsFile('providers:\n  keep:\n    capacity: 1\n    refillPerSecond: 0.01\n'),
    });
    const gateway = await stack.gateway();
    const key = await stack.createKey(uniqueTenant());
    expect((await post(gateway, '/alerts/event/keep', key, { name: 'x' })).statusCode).toBe(202);
    const response = await post(gateway, '/alerts/event/keep', key, NOT_JSON);
    expect(response.statusCode).toBe(429);
    expect(response.json().error).toBe('rate_limited');
  });

  it('sheds with 429 before parsing once not even critical alerts are admitted', async () => {
    stack = openTestStack({
      BACKPRESSURE_HIGH_WATERMARK: '2',
      BACKPRESSURE_LOW_WATERMARK: '1',
      BACKPRESSURE_CRITICAL_HARD_LIMIT: '3',
    });
    const gateway = await stack.gateway();
    const key = await stack.createKey(uniqueTenant());
    for (let i = 0; i < 3; i++)
      expect((await post(gateway, '/alerts/event', key, { name: `q${i}` })).statusCode).toBe(202);
    await gateway.sampler.sampleNow();

    // Depth 3 is over the high watermark and at the critical hard limit: nothing can pass.
    const refused = await post(gateway, '/alerts/event', key, NOT_JSON);
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ error: 'backpressure', details: { reason: 'queue_depth' } });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    const critical = await post(gateway, '/alerts/event', key, { name: 'page me', severity: 'critical' });
    expect(critical.statusCode).toBe(429);
  });

  it('still reads the body while critical alerts are admitted, and admits only those', async () => {
    stack = openTestStack({
      BACKPRESSURE_HIGH_WATERMARK: '2',
      BACKPRESSURE_LOW_WATERMARK: '1',
      BACKPRESSURE_CRITICAL_HARD_LIMIT: '100',
    });
    const gateway = await stack.gateway();
    const key = await stack.createKey(uniqueTenant());
    for (let i = 0; i < 3; i++)
      expect((await post(gateway, '/alerts/event', key, { name: `q${i}` })).statusCode).toBe(202);
    await gateway.sampler.sampleNow();

    expect((await post(gateway, '/alerts/event', key, NOT_JSON)).statusCode).toBe(400);
    expect((await post(gateway, '/alerts/event', key, { name: 'minor' })).json().error).toBe('backpressure');
    expect((await post(gateway, '/alerts/event', key, { name: 'page me', severity: 'critical' })).statusCode).toBe(202);
  });
});
