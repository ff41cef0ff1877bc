/**
 * Redis restarts under load, on a private Redis with the append-only file on: every alert answered
 * 202 before, during or after is stored exactly once; while Redis is away the gateway answers 503
 * with Retry-After at once; gateway and worker recover on their own when it is back.
 *
 * The durability point is Redis's AOF: a 202 is sent once Redis has acknowledged the job, and what
 * survives depends on `appendfsync`. A graceful restart (SIGTERM, SHUTDOWN) flushes and fsyncs the
 * file under any policy. A crash is only covered by `appendfsync always`, where Redis writes and
 * fsyncs each write before it replies; under `everysec` it may reply before the write reaches the
 * file while a background fsync is slow, and a host crash loses up to the last second or two.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, onTestFailed } from 'vitest';
import { openFaultStack } from '../support/fault-stack.js';
import { waitFor } from '../support/harness.js';
import { startIngestLoad, statusCounts } from '../support/ingest-load.js';
import { startPrivateRedis } from '../support/private-redis.js';
import { storedCounts, waitUntilStored } from '../support/stored-alerts.js';

const DOWN_MS = 5000;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function restartUnderLoad(appendfsync: 'always' | 'everysec', signal: 'SIGTERM' | 'SIGKILL') {
  const server = await startPrivateRedis(appendfsync);
  cleanups.push(() => server.close());
  const stack = await openFaultStack({ REDIS_URL: server.url, SHARDS: '4', BATCH_SIZE: '50' });
  // The namespace's keys are removed through Redis: it must be up again even if the test failed.
  cleanups.push(async () => {
    if (!server.running) await server.start();
    await stack.close();
  });
  onTestFailed(() => console.error(stack.outputs()));
  const { sql } = stack.stack.services.database;
  const [gateway, worker] = await Promise.all([stack.gateway(), stack.worker()]);
  const load = startIngestLoad({
    url: () => stack.url,
    key: stack.key,
    label: `redis-${signal}`,
    concurrency: 6,
    alertsPerRequest: 10,
  });
  try {
    await waitFor(async () => (await storedCounts(sql, stack.tenant)).size >= 300, 30_000, 50);
    await server.stop(signal);
    const downAt = Date.now();
    await sleep(DOWN_MS);
    const restartAt = Date.now();
    await server.start();
    await waitFor(() => load.since(restartAt).filter((sent) => sent.status === 202).length >= 50, 30_000, 50);
    await load.stop();

    // While Redis was away: 503 with Retry-After and the JSON error body, promptly, every time.
    const during = load.sent.filter((sent) => sent.startedAt >= downAt && sent.endedAt < restartAt);
    expect(during.length).toBeGreaterThan(20);
    for (const sent of during) {
      expect(sent).toMatchObject({ status: 503, error: 'service_unavailable', json: true });
      expect(sent.retryAfter).toMatch(/^[1-9]\d*$/);
      expect(sent.endedAt - sent.startedAt).toBeLessThan(1000);
    }
    expect(Object.keys(statusCounts(load.sent)).sort()).toEqual(['202', '503']);

    const result = await waitUntilStored(sql, stack.tenant, load.accepted, 60_000);
    expect(result.missing).toEqual([]);
    expect(result.doubled).toEqual([]);
    expect(gateway.running && worker.running).toBe(true);
  } finally {
    await load.stop();
  }
}

describe('Redis restart under load', () => {
  it('graceful restart (SIGTERM) with appendfsync everysec: nothing accepted is lost', () =>
    restartUnderLoad('everysec', 'SIGTERM'));

  it('crash (SIGKILL) with appendfsync always: nothing accepted is lost', () => restartUnderLoad('always', 'SIGKILL'));
});
