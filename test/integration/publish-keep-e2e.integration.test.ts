import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/compose/gateway.js';
import { openTestStack, type TestStack, uniqueTenant, waitFor } from '../support/harness.js';
import { writeTargetsFile } from '../support/publish.js';
import { HttpReceiver } from '../support/receivers/http-receiver.js';
import { keepContract } from '../support/receivers/keep.js';
import { startWorkerSide, type WorkerSide } from '../support/streams.js';

const KEEP_KEY = 'keep-api-key';
const alertmanagerBatch = readFileSync(
  new URL('../fixtures/providers/prometheus/alertmanager-batch.json', import.meta.url),
  'utf8',
);

let stack: TestStack;
let workerSide: WorkerSide;
let gateway: Gateway;
let keep: HttpReceiver;
const contract = keepContract(KEEP_KEY);
const tenant = uniqueTenant('keep-front');
let key: string;

beforeAll(async () => {
  keep = await new HttpReceiver(contract).start();
  stack = openTestStack({
    TARGETS_FILE: writeTargetsFile([
      { name: 'keep', type: 'keep', routes: [{ tenants: [tenant] }], settings: { url: keep.url, apiKey: KEEP_KEY } },
    ]),
  });
  gateway = await stack.gateway();
  workerSide = await startWorkerSide(stack);
  key = await stack.createKey(tenant);
});
afterAll(async () => {
  await workerSide.stop();
  await stack.close();
  await keep.close();
});

async function post(path: string, body: string): Promise<void> {
  const response = await gateway.app.inject({
    method: 'POST',
    url: path,
    headers: { 'x-api-key': key, 'content-type': 'application/json' },
    payload: body,
  });
  expect(response.statusCode).toBe(202);
}

async function storedFingerprints(): Promise<string[]> {
  const rows = await stack.services.database.sql<{ fingerprint: string }[]>`
    select fingerprint from last_alert where tenant = ${tenant} order by fingerprint`;
  return rows.map((row) => row.fingerprint);
}

/** Waits until the worker has counted `count` full duplicates of the fingerprint. */
function duplicates(fingerprint: string, count: number) {
  return waitFor(async () => {
    const [row] = await stack.services.database.sql<{ n: number }[]>`
      select duplicate_count::int as n from last_alert where tenant = ${tenant} and fingerprint = ${fingerprint}`;
    return (row?.n ?? 0) >= count;
  });
}

const keepOccurrences = () => [...contract.occurrences.values()].reduce((sum, n) => sum + n, 0);

describe('Alertgate in front of Keep', () => {
  it('takes a provider webhook on Keep’s path and feeds Keep the same fingerprints, without full duplicates', async () => {
    await post('/alerts/event/prometheus', alertmanagerBatch);
    await waitFor(() => keepOccurrences() === 2, 20_000);
    expect([...contract.lastAlerts.keys()].sort()).toEqual(await storedFingerprints());
    const [alert] = [...contract.lastAlerts.values()];
    expect(alert).toMatchObject({ name: 'TargetDown', source: ['prometheus'], providerType: 'prometheus' });

    // The same payload again: full duplicates, counted by Alertgate, never sent to Keep.
    await post('/alerts/event/prometheus', alertmanagerBatch);
    await Promise.all((await storedFingerprints()).map((fingerprint) => duplicates(fingerprint, 1)));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(keepOccurrences()).toBe(2);
  });

  it('does not send a suppressed fingerprint’s changes to Keep; other changes go through', async () => {
    const [noisy, quiet] = [`noisy-${randomUUID()}`, `quiet-${randomUUID()}`];
    const send = (description: string) =>
      post(
        '/alerts/event',
        JSON.stringify([
          { name: 'disk', fingerprint: noisy, description },
          { name: 'cpu', fingerprint: quiet, description },
        ]),
      );
    await send('v1');
    await waitFor(() => contract.occurrences.get(noisy) === 1 && contract.occurrences.get(quiet) === 1);
    const suppressed = await gateway.app.inject({
      method: 'POST',
      url: `/api/v1/alerts/${noisy}/suppress`,
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      payload: JSON.stringify({ actor: 'alice' }),
    });
    expect(suppressed.statusCode).toBe(200);

    await send('v2');
    await waitFor(() => contract.occurrences.get(quiet) === 2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(contract.occurrences.get(noisy)).toBe(1);
    expect(contract.lastAlerts.get(quiet)).toMatchObject({ description: 'v2' });
    expect(contract.lastAlerts.get(noisy)).toMatchObject({ description: 'v1' });
  });
});
