/**
 * kill -9 of a worker mid-batch and of the gateway mid-request, under load, then restart of both:
 * every alert that was answered 2xx is stored exactly once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, expect, it, onTestFailed } from 'vitest';
import { DEFAULT_RULE } from '../../src/alert/dedup-rules.js';
import { IngestLog } from '../../src/pipeline/ingest-log.js';
import { openFaultStack } from '../support/fault-stack.js';
import { pendingEntries, waitFor } from '../support/harness.js';
import { startIngestLoad, statusCounts } from '../support/ingest-load.js';
import { storedCounts, waitUntilStored } from '../support/stored-alerts.js';

const SHARDS = 4;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

it('stores every 2xx alert exactly once across kill -9 of the worker and of the gateway', async () => {
  const faults = await openFaultStack({ SHARDS: String(SHARDS), BATCH_SIZE: '50' });
  cleanups.push(() => faults.close());
  onTestFailed(() => console.error(faults.outputs()));
  const { stack, tenant } = faults;
  const log = new IngestLog(stack.services.redis, stack.config.QUEUE_PREFIX, SHARDS, () => DEFAULT_RULE);

  let [gateway, worker] = await Promise.all([faults.gateway(), faults.worker()]);
  const load = startIngestLoad({
    url: () => faults.url,
    key: faults.key,
    label: 'crash',
    concurrency: 6,
    alertsPerRequest: 10,
  });
  try {
    // Mid-stream: commits are flowing and the log holds entries the worker has not committed.
    await waitFor(
      async () =>
        (await storedCounts(stack.services.database.sql, tenant)).size >= 300 && (await pendingEntries(log)) > 0,
      30_000,
      10,
    );
    await worker.kill('SIGKILL');
    await sleep(1000);

    // Mid-request: the gateway has requests in flight when it dies.
    await waitFor(() => load.inFlight > 0, 5000, 1);
    const gatewayKilledAt = Date.now();
    await gateway.kill('SIGKILL');
    await sleep(1000);

    [gateway, worker] = await Promise.all([faults.gateway(), faults.worker()]);
    const restartedAt = Date.now();
    await waitFor(() => load.since(restartedAt).filter((sent) => sent.status === 202).length >= 50, 30_000, 50);
    await load.stop();

    const cut = load.sent.filter((sent) => sent.startedAt < gatewayKilledAt && sent.endedAt >= gatewayKilledAt);
    expect(cut.length, 'requests in flight when the gateway was killed').toBeGreaterThan(0);
    expect(
      cut.every((sent) => sent.status === null || sent.status === 202),
      JSON.stringify(cut),
    ).toBe(true);
    const answered = statusCounts(load.sent);
    expect(Object.keys(answered).filter((status) => status !== '202' && status !== 'error')).toEqual([]);

    const result = await waitUntilStored(stack.services.database.sql, tenant, load.accepted, 90_000);
    expect(result.missing).toEqual([]);
    expect(result.doubled).toEqual([]);
    expect(load.accepted.size).toBeGreaterThan(500);
    expect(worker.running && gateway.running).toBe(true);
  } finally {
    await load.stop();
  }
});
