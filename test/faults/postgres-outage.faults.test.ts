/**
 * PostgreSQL stopped for 30 s under load, on a private cluster: the worker backs off without
 * crashing or dead-lettering, the queue grows, the gateway sheds load at the configured depth with
 * 429 + Retry-After, and once PostgreSQL is back every accepted alert commits exactly once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, expect, it, onTestFailed } from 'vitest';
import { DEFAULT_RULE } from '../../src/alert/dedup-rules.js';
import { IngestDeadLetters } from '../../src/pipeline/dead-letters.js';
import { IngestLog } from '../../src/pipeline/ingest-log.js';
import { openFaultStack } from '../support/fault-stack.js';
import { pendingEntries, waitFor } from '../support/harness.js';
import { startIngestLoad, statusCounts } from '../support/ingest-load.js';
import { startPrivatePostgres } from '../support/private-postgres.js';
import { storedCounts, waitUntilStored } from '../support/stored-alerts.js';

const SHARDS = 4;
const OUTAGE_MS = 30_000;
const HIGH_WATERMARK = 200;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

it('backs off while PostgreSQL is down, sheds load at the configured depth, then commits everything once', async () => {
  const database = await startPrivatePostgres();
  cleanups.push(() => database.close());
  const stack = await openFaultStack({
    DATABASE_URL: database.url,
    SHARDS: String(SHARDS),
    BATCH_SIZE: '50',
    BACKPRESSURE_HIGH_WATERMARK: String(HIGH_WATERMARK),
    BACKPRESSURE_LOW_WATERMARK: String(HIGH_WATERMARK / 2),
  });
  // The namespace's rows are removed through PostgreSQL: it must be up again even if the test failed.
  cleanups.push(async () => {
    await database.start().catch(() => {});
    await stack.close();
  });
  onTestFailed(() => console.error(stack.outputs()));
  const { sql } = stack.stack.services.database;
  const { redis } = stack.stack.services;
  const log = new IngestLog(redis, stack.stack.config.QUEUE_PREFIX, SHARDS, () => DEFAULT_RULE);
  const deadLetters = new IngestDeadLetters(redis, stack.stack.config.QUEUE_PREFIX);
  cleanups.push(() => deadLetters.close());
  const [gateway, worker] = await Promise.all([stack.gateway(), stack.worker()]);
  // A key the gateway has never verified: it cannot be checked while PostgreSQL is down.
  const unseenKey = await stack.stack.createKey(stack.tenant);
  const load = startIngestLoad({
    url: () => stack.url,
    key: stack.key,
    label: 'pg-outage',
    concurrency: 4,
    alertsPerRequest: 5,
    pauseMs: 20,
  });
  try {
    await waitFor(async () => (await storedCounts(sql, stack.tenant)).size >= 200, 30_000, 50);
    await database.stop();
    const stoppedAt = Date.now();

    // Through the outage: the worker stays up, its retries back off, nothing is dead-lettered.
    const unverifiable = await timedPost(`${stack.url}/alerts/event`, unseenKey);
    let deepest = 0;
    while (Date.now() - stoppedAt < OUTAGE_MS) {
      deepest = Math.max(deepest, await pendingEntries(log));
      expect(worker.running, 'worker process alive').toBe(true);
      await sleep(1000);
    }
    const outage = load.since(stoppedAt);
    const restartAt = Date.now();
    await database.start();

    // Keys verified before the outage keep working; an unverifiable one is a prompt 503, not a 500 or a hang.
    expect(unverifiable).toMatchObject({ status: 503, error: 'service_unavailable' });
    expect(unverifiable.retryAfter).toMatch(/^[1-9]\d*$/);
    expect(unverifiable.tookMs).toBeLessThan(3000);
    expect(deepest).toBeGreaterThan(HIGH_WATERMARK);
    expect(await deadLetters.count()).toBe(0);
    const shed = outage.filter((sent) => sent.status === 429);
    expect(shed.length).toBeGreaterThan(0);
    for (const sent of shed) {
      expect(sent).toMatchObject({ error: 'backpressure', json: true });
      expect(sent.retryAfter).toMatch(/^[1-9]\d*$/);
    }

    // Recovery: backpressure lifts on its own, every accepted alert commits exactly once.
    await waitFor(() => load.since(restartAt).filter((sent) => sent.status === 202).length >= 50, 90_000, 100);
    await load.stop();
    expect(Object.keys(statusCounts(load.sent)).sort()).toEqual(['202', '429']);
    const result = await waitUntilStored(sql, stack.tenant, load.accepted, 90_000);
    expect(result.missing).toEqual([]);
    expect(result.doubled).toEqual([]);
    expect(await deadLetters.count()).toBe(0);
    expect(gateway.running && worker.running).toBe(true);
  } finally {
    await load.stop();
  }
});

async function timedPost(url: string, key: string) {
  const started = Date.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key },
    body: JSON.stringify({ name: 'unverifiable' }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await response.json()) as { error?: string };
  return {
    status: response.status,
    error: body.error,
    retryAfter: response.headers.get('retry-after'),
    tookMs: Date.now() - started,
  };
}
