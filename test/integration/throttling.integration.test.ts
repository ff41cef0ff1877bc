import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildGateway, type Gateway } from '../../src/compose/gateway.js';
import { openServices } from '../../src/compose/services.js';
import { pingRedis } from '../../src/redis.js';
import { openTestStack, silentLog, type TestStack, uniqueTenant, waitFor } from '../support/harness.js';
import { startTcpProxy } from '../support/tcp-proxy.js';

let stack: TestStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

function send(gateway: Gateway, key: string, provider: string, body: unknown) {
  return gateway.app.inject({
    method: 'POST',
    url: `/alerts/event/${provider}`,
    headers: { 'x-api-key': key, 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
}

describe('per-provider token buckets', () => {
  function limitsFile(): string {
    const file = join(tmpdir(), `limits-${randomUUID()}.yaml`);
    writeFileSync(
      file,
      'default:\n  capacity: 1000\n  refillPerSecond: 1000\nproviders:\n  keep:\n    capacity: 3\n    refillPerSecond: 1\n',
    );
    return file;
  }

  it('answers 429 with Retry-After and RateLimit headers for the hot provider only', async () => {
    stack = openTestStack({ RATE_LIMITS_FILE: limitsFile() });
    const gateway = await stack.gateway();
    const key = await stack.createKey(uniqueTenant());
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await send(gateway, key, 'keep', { name: `n${i}` })).statusCode);
    expect(statuses).toEqual([202, 202, 202]);

    const refused = await send(gateway, key, 'keep', { name: 'over' });
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toMatch(/^[1-9]\d*$/);
    expect(refused.headers['ratelimit-limit']).toBe('3');
    expect(refused.headers['ratelimit-remaining']).toBe('0');
    expect(refused.json()).toMatchObject({ error: 'rate_limited', details: { provider: 'keep', limit: 3 } });

    // Another provider of the same key has its own bucket and is unaffected.
    const other = await send(gateway, key, 'prometheus', { alerts: [{ labels: { alertname: 'x' } }] });
    expect(other.statusCode).toBe(202);
    expect(other.headers['ratelimit-limit']).toBe('1000');
  });

  it('shares one bucket between gateway instances and refills at the configured rate', async () => {
    stack = openTestStack({ RATE_LIMITS_FILE: limitsFile() });
    const first = await stack.gateway();
    const second = await stack.gateway();
    const key = await stack.createKey(uniqueTenant());
    expect((await send(first, key, 'keep', { name: 'a' })).statusCode).toBe(202);
    expect((await send(second, key, 'keep', { name: 'b' })).statusCode).toBe(202);
    expect((await send(first, key, 'keep', { name: 'c' })).statusCode).toBe(202);
    expect((await send(second, key, 'keep', { name: 'd' })).statusCode).toBe(429);

    // One token per second: one is back after a second, but not two.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await send(first, key, 'keep', { name: 'e' })).statusCode).toBe(202);
    expect((await send(second, key, 'keep', { name: 'f' })).statusCode).toBe(429);
  });
});

describe('queue-depth backpressure', () => {
  it('sheds above the high watermark, admits critical alerts, and recovers once workers drain the queue', async () => {
    stack = openTestStack({ BACKPRESSURE_HIGH_WATERMARK: '5', BACKPRESSURE_LOW_WATERMARK: '2' });
    const gateway = await stack.gateway();
    const key = await stack.createKey(uniqueTenant());
    for (let i = 0; i < 6; i++)
      expect((await send(gateway, key, 'keep', { name: `queued-${i}` })).statusCode).toBe(202);
    await gateway.sampler.sampleNow();

    const refused = await send(gateway, key, 'keep', { name: 'one too many' });
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ error: 'backpressure', details: { reason: 'queue_depth' } });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await send(gateway, key, 'keep', { name: 'page me', severity: 'critical' })).statusCode).toBe(202);

    await stack.worker();
    await waitFor(async () => {
      await gateway.sampler.sampleNow();
      return gateway.backpressure.admit(false).ok;
    });
    expect((await send(gateway, key, 'keep', { name: 'after drain' })).statusCode).toBe(202);
  });

  it('answers 503 with Retry-After, without hanging, while Redis is unreachable, and recovers on its own', async () => {
    stack = openTestStack();
    const key = await stack.createKey(uniqueTenant());
    // This gateway reaches the real Redis through a proxy the test can cut; other tests are unaffected.
    const proxy = await startTcpProxy(Number(new URL(stack.config.REDIS_URL).port));
    const config = { ...stack.config, REDIS_URL: `redis://127.0.0.1:${proxy.port}` };
    const services = openServices(config, 'test-redis-cut');
    await pingRedis(services.redis);
    const gateway = await buildGateway(services, silentLog, config);
    try {
      expect((await send(gateway, key, 'keep', { name: 'before' })).statusCode).toBe(202);
      await proxy.cut();
      await waitFor(() => services.redis.status !== 'ready');
      const started = Date.now();
      const response = await send(gateway, key, 'keep', { name: 'during' });
      expect(response.statusCode).toBe(503);
      expect(response.headers['retry-after']).toBe('5');
      expect(response.json().error).toBe('service_unavailable');
      expect(Date.now() - started).toBeLessThan(3000);

      await proxy.restore();
      await waitFor(async () => (await send(gateway, key, 'keep', { name: 'after' })).statusCode === 202, 15_000, 200);
    } finally {
      await gateway.stop();
      await services.close();
      await proxy.close();
    }
  });
});
