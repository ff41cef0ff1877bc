import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alert/alert.js';
import { ApiKeyStore } from '../../src/auth/api-keys.js';
import { buildGateway, type Gateway } from '../../src/compose/gateway.js';
import type { Services } from '../../src/compose/services.js';
import { type Publisher, startPublisher } from '../../src/compose/worker.js';
import type { TargetInput } from '../../src/publish/target-schema.js';
import { committedBatch, uniqueTenant, waitFor } from '../support/harness.js';
import { closeServices, makeAlert, PublishTestScope, publishServices, silentLog } from '../support/publish.js';
import type { HttpReceiver } from '../support/receivers/http-receiver.js';
import { keepContract } from '../support/receivers/keep.js';

let services: Services;
let publisher: Publisher;
let gateway: Gateway;
let adminKey: string;
const scope = new PublishTestScope();

beforeAll(async () => {
  services = publishServices({
    PUBLISH_MAX_ATTEMPTS: '5',
    PUBLISH_BACKOFF_BASE_MS: '100',
    PUBLISH_BACKOFF_MAX_MS: '400',
  });
  publisher = await startPublisher(services, silentLog);
  gateway = await buildGateway(services, silentLog);
  adminKey = (
    await new ApiKeyStore(services.database.db, 0).create({
      tenant: uniqueTenant('admin'),
      name: 'admin',
      isAdmin: true,
    })
  ).key;
});
afterEach(async () => {
  await scope.closeReceivers();
});
afterAll(async () => {
  await gateway.stop();
  await publisher.stop();
  await scope.deleteRows(services.database.db);
  await closeServices(services);
});

function freshTenant(): string {
  const tenant = uniqueTenant('fanout');
  scope.tenants.push(tenant);
  return tenant;
}

/** An admin-API target routed to `tenant` only, so parallel tests never see each other's alerts. */
async function webhookTarget(tenant: string, to: HttpReceiver, extra: Partial<TargetInput> = {}): Promise<string> {
  const name = `hook-${Math.random().toString(36).slice(2, 10)}`;
  scope.targets.push(name);
  await publisher.pipeline.catalog.create({
    name,
    type: 'webhook',
    routes: [{ tenants: [tenant] }],
    settings: { url: `${to.url}/hook` },
    ...extra,
  });
  return name;
}

/** A Keep target routed to `tenant` only (Keep checks `apiKey` against the receiver's `keep-key`). */
async function keepTarget(tenant: string, to: HttpReceiver, apiKey = 'keep-key'): Promise<string> {
  const name = `keep-${Math.random().toString(36).slice(2, 10)}`;
  scope.targets.push(name);
  await publisher.pipeline.catalog.create({
    name,
    type: 'keep',
    routes: [{ tenants: [tenant] }],
    settings: { url: to.url, apiKey },
  });
  return name;
}

/** What the batch worker does after a commit: hand the alerts to the publish output. */
async function commit(alerts: Alert[]): Promise<void> {
  await publisher.output.run(committedBatch(alerts));
}

async function loggedBatch(
  target: string,
  done: (entry: { results: { target: string; ok: boolean; retrying?: boolean }[] }) => boolean = () => true,
) {
  return waitFor(async () => {
    const [entry] = await publisher.pipeline.publishLog!.list({ limit: 1, target });
    return entry && done(entry) ? entry : undefined;
  });
}

describe('fan-out of committed batches through the publish queue', () => {
  it('partial success: one target down, the others receive', async () => {
    const tenant = freshTenant();
    const [a, down, c] = [await scope.receiver(), await scope.receiver(), await scope.receiver()];
    down.behave({ kind: 'server-error', status: 503 });
    const names = [await webhookTarget(tenant, a), await webhookTarget(tenant, down), await webhookTarget(tenant, c)];
    await commit([makeAlert(tenant), makeAlert(tenant)]);

    await waitFor(() => a.accepted.length === 1 && c.accepted.length === 1);
    expect((a.accepted[0]?.json as { alerts: unknown[] } | undefined)?.alerts).toHaveLength(2);
    const entry = await loggedBatch(names[0] as string);
    expect(entry).toMatchObject({
      total: 3,
      succeeded: 2,
      failed: 1,
      skipped: 0,
      partial: true,
      alerts: 2,
      tenants: [tenant],
    });
    // The entry is settled in place as retries run, so the attempt count may already have moved on.
    const failed = entry.results.find((line) => line.target === names[1]) as { attempts: number } | undefined;
    expect(failed).toMatchObject({ ok: false, statusCode: 503, errorClass: 'transient', retrying: true });
    expect(failed?.attempts).toBeGreaterThanOrEqual(1);
    expect(down.received.length).toBeGreaterThanOrEqual(failed?.attempts ?? 1);
  });

  it('retries a transient failure for the failed target only, honouring Retry-After, until it recovers', async () => {
    const tenant = freshTenant();
    const [ok1, flaky, ok2] = [await scope.receiver(), await scope.receiver(), await scope.receiver()];
    flaky.next({ kind: 'server-error', status: 502 }, { kind: 'throttle', retryAfterSeconds: 1 });
    const names = [
      await webhookTarget(tenant, ok1),
      await webhookTarget(tenant, flaky),
      await webhookTarget(tenant, ok2),
    ];
    await commit([makeAlert(tenant)]);

    await waitFor(() => flaky.accepted.length === 1, 10_000);
    const times = flaky.received.map((request) => request.at);
    expect(flaky.received).toHaveLength(3);
    expect((times[2] as number) - (times[1] as number)).toBeGreaterThanOrEqual(1000);
    // Every attempt was the same message: the same Standard Webhooks id.
    expect(new Set(flaky.received.map((request) => request.headers['webhook-id'])).size).toBe(1);
    const entry = await loggedBatch(names[1] as string, (e) => e.results.every((line) => line.ok));
    expect(entry).toMatchObject({ succeeded: 3, failed: 0, partial: false });
    expect(entry.results.find((line) => line.target === names[1])).toMatchObject({ ok: true, attempts: 3 });
    // The targets that succeeded at once were never sent to again.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(ok1.received).toHaveLength(1);
    expect(ok2.received).toHaveLength(1);
  });

  it('dead-letters a permanent rejection with the response body, and replays it through the admin API', async () => {
    const tenant = freshTenant();
    const [good, picky] = [await scope.receiver(), await scope.receiver()];
    picky.next({ kind: 'reject' }, { kind: 'reject' });
    const pickyName = await webhookTarget(tenant, picky);
    await webhookTarget(tenant, good);
    await commit([makeAlert(tenant)]);
    await commit([makeAlert(tenant)]);

    const listed = await waitFor(async () => {
      const response = await gateway.app.inject({
        method: 'GET',
        url: `/api/v1/admin/publish/dlq?target=${pickyName}`,
        headers: { 'x-api-key': adminKey },
      });
      const body = response.json() as {
        total: number;
        entries: { id: string; statusCode: number; responseBody: string; errorClass: string }[];
      };
      return body.total === 2 && body.entries.length === 2 ? body : undefined;
    });
    expect(listed.entries[0]).toMatchObject({
      statusCode: 400,
      errorClass: 'permanent',
      responseBody: expect.stringContaining('rejected'),
    });
    expect(picky.received).toHaveLength(2); // permanent: no retry
    expect(good.accepted).toHaveLength(2);

    const one = await gateway.app.inject({
      method: 'POST',
      url: `/api/v1/admin/publish/dlq/${listed.entries[0]?.id}/replay`,
      headers: { 'x-api-key': adminKey },
    });
    expect(one.statusCode).toBe(202);
    await waitFor(() => picky.accepted.length === 1);

    const all = await gateway.app.inject({
      method: 'POST',
      url: `/api/v1/admin/publish/dlq/replay?target=${pickyName}`,
      headers: { 'x-api-key': adminKey },
    });
    expect(all.json()).toEqual({ replayed: 1 });
    await waitFor(() => picky.accepted.length === 2);
    const left = await publisher.pipeline.deadLetters.list({ target: pickyName, limit: 10 });
    expect(left.total).toBe(0);
    expect(good.accepted).toHaveLength(2);
  });

  it('a retry job runs again after a worker restart (retries are BullMQ jobs)', async () => {
    const tenant = freshTenant();
    const slow = await scope.receiver();
    slow.next({ kind: 'throttle', retryAfterSeconds: 2 });
    await webhookTarget(tenant, slow);
    await commit([makeAlert(tenant)]);
    await waitFor(() => slow.received.length === 1);
    // The retry waits in Redis as a delayed job; restart the publisher while it does.
    await publisher.stop();
    publisher = await startPublisher(services, silentLog);
    await waitFor(() => slow.accepted.length === 1, 10_000);
    expect(slow.received).toHaveLength(2);
  });
});

describe('a keep target beside other targets', () => {
  const fingerprints = (body: unknown) => (body as { fingerprint: string }[]).map((alert) => alert.fingerprint);

  it('Keep and a webhook receive the same batch; a Keep refusing the key makes it a partial success', async () => {
    const tenant = freshTenant();
    const [hook, keep, wrongKey] = [
      await scope.receiver(),
      await scope.receiver(keepContract('keep-key')),
      await scope.receiver(keepContract('keep-key')),
    ];
    const hookName = await webhookTarget(tenant, hook);
    const keepName = await keepTarget(tenant, keep);
    const wrongName = await keepTarget(tenant, wrongKey, 'not-the-key');
    const alerts = [makeAlert(tenant), makeAlert(tenant, { status: 'resolved' })];
    await commit(alerts);

    await waitFor(() => hook.accepted.length === 1 && keep.accepted.length === 1);
    expect(fingerprints(keep.accepted[0]?.json)).toEqual(alerts.map((alert) => alert.fingerprint));
    const entry = await loggedBatch(hookName);
    expect(entry).toMatchObject({ total: 3, succeeded: 2, failed: 1, partial: true, alerts: 2 });
    expect(entry.results.find((line) => line.target === keepName)).toMatchObject({
      ok: true,
      type: 'keep',
      statusCode: 202,
    });
    expect(entry.results.find((line) => line.target === wrongName)).toMatchObject({
      ok: false,
      statusCode: 401,
      errorClass: 'permanent',
    });
    const letters = await publisher.pipeline.deadLetters.list({ target: wrongName, limit: 10 });
    expect(letters.entries[0]).toMatchObject({
      statusCode: 401,
      responseBody: expect.stringContaining('Invalid API Key'),
    });
    expect(wrongKey.received).toHaveLength(1); // permanent: not retried
  });

  it('retries only Keep while it is down or throttling; Keep then gets each alert once', async () => {
    const tenant = freshTenant();
    const contract = keepContract('keep-key');
    const [hook, keep] = [await scope.receiver(), await scope.receiver(contract)];
    keep.next({ kind: 'server-error', status: 503 }, { kind: 'throttle', retryAfterSeconds: 1 });
    await webhookTarget(tenant, hook);
    const keepName = await keepTarget(tenant, keep);
    const alert = makeAlert(tenant);
    await commit([alert]);

    await waitFor(() => keep.accepted.length === 1, 10_000);
    expect(keep.received).toHaveLength(3);
    expect((keep.received[2]?.at as number) - (keep.received[1]?.at as number)).toBeGreaterThanOrEqual(1000);
    expect(contract.occurrences.get(alert.fingerprint)).toBe(1);
    const entry = await loggedBatch(keepName, (e) => e.results.every((line) => line.ok));
    expect(entry.results.find((line) => line.target === keepName)).toMatchObject({ ok: true, attempts: 3 });
    expect(hook.received).toHaveLength(1);
  });
});
