import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/compose/gateway.js';
import { escalationJobId } from '../../src/rules/escalation-queue.js';
import { openTestStack, type TestStack, uniqueTenant, waitFor } from '../support/harness.js';
import { writeTargetsFile } from '../support/publish.js';
import { HttpReceiver } from '../support/receivers/http-receiver.js';
import { webhookContract } from '../support/receivers/webhook.js';
import { startWorkerSide, type WorkerSide } from '../support/streams.js';

let stack: TestStack | undefined;
const workerSides: WorkerSide[] = [];
const receivers: HttpReceiver[] = [];
afterEach(async () => {
  for (const side of workerSides.splice(0)) await side.stop();
  await stack?.close();
  stack = undefined;
  for (const receiver of receivers.splice(0)) await receiver.close();
});

interface Env {
  stack: TestStack;
  gateway: Gateway;
  tenant: string;
  key: string;
  pager: HttpReceiver;
}

/**
 * A gateway, a `pager` webhook target that routine publishing never selects (its only route names
 * a tenant that does not exist), so everything it receives is an escalation, and a policy created
 * through the admin API with one step after `afterMs`.
 */
async function setUp(afterMs: number): Promise<Env> {
  const pager = await new HttpReceiver(webhookContract()).start();
  receivers.push(pager);
  stack = openTestStack({
    TARGETS_FILE: writeTargetsFile([
      { name: 'pager', type: 'webhook', routes: [{ tenants: ['nobody'] }], settings: { url: `${pager.url}/hook` } },
    ]),
    ESCALATION_REFRESH_MS: '100',
  });
  const gateway = await stack.gateway();
  const tenant = uniqueTenant('esc');
  const admin = await stack.createKey(`admin-${randomUUID()}`, { isAdmin: true });
  const policyName = `page-${randomUUID().slice(0, 8)}`;
  const created = await gateway.app.inject({
    method: 'POST',
    url: '/api/v1/admin/escalation-policies',
    headers: { 'x-api-key': admin, 'content-type': 'application/json' },
    payload: JSON.stringify({
      name: policyName,
      minSeverity: 'high',
      tenants: [tenant],
      steps: [{ after: `${afterMs}ms`, targets: ['pager'] }],
    }),
  });
  expect(created.statusCode).toBe(201);
  expect(created.json()).toMatchObject({
    name: policyName,
    steps: [{ after: afterMs, targets: ['pager'] }],
    source: 'api',
  });
  return { stack, gateway, tenant, key: await stack.createKey(tenant), pager };
}

async function workerSide(env: Env): Promise<WorkerSide> {
  const side = await startWorkerSide(env.stack);
  workerSides.push(side);
  return side;
}

async function send(env: Env, body: unknown): Promise<void> {
  const response = await env.gateway.app.inject({
    method: 'POST',
    url: '/alerts/event',
    headers: { 'x-api-key': env.key, 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
  expect(response.statusCode).toBe(202);
}

function paged(env: Env): { fingerprint: string; at: number }[] {
  return env.pager.accepted.flatMap((request) =>
    (request.json as { alerts: { fingerprint: string }[] }).alerts.map((alert) => ({
      fingerprint: alert.fingerprint,
      at: Number(request.headers['webhook-timestamp']),
    })),
  );
}

async function escalationEntries(env: Env, fingerprint: string): Promise<number> {
  const [row] = await env.stack.services.database.sql<{ n: number }[]>`
    select count(*)::int as n from alert_lifecycle
    where tenant = ${env.tenant} and fingerprint = ${fingerprint} and action = 'escalate'`;
  return row?.n ?? 0;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('escalation', () => {
  it('sends an un-acknowledged alert at or above the severity to the step targets after the delay', async () => {
    const env = await setUp(800);
    await workerSide(env);
    const started = Date.now();
    await send(env, [
      { name: 'api down', fingerprint: 'esc-critical', severity: 'critical' },
      { name: 'slow page', fingerprint: 'esc-warning', severity: 'warning' },
    ]);
    await waitFor(() => paged(env).length > 0, 10_000, 20);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(800);
    await sleep(800);
    expect(paged(env).map((page) => page.fingerprint)).toEqual(['esc-critical']);
    expect(await escalationEntries(env, 'esc-critical')).toBe(1);
  });

  it('does not fire at all when the alert is acknowledged first', async () => {
    const env = await setUp(1000);
    const side = await workerSide(env);
    await send(env, { name: 'api down', fingerprint: 'esc-ack', severity: 'critical' });
    await waitFor(async () => (await side.escalationQueue.queue.getDelayedCount()) > 0);
    const ack = await env.gateway.app.inject({
      method: 'POST',
      url: '/api/v1/alerts/esc-ack/acknowledge',
      headers: { 'x-api-key': env.key, 'content-type': 'application/json' },
      payload: JSON.stringify({ actor: 'oncall' }),
    });
    expect(ack.statusCode).toBe(200);
    // The step falls due, finds the alert acknowledged and completes without sending.
    await waitFor(async () => (await side.escalationQueue.queue.getCompletedCount()) > 0, 10_000);
    await sleep(300);
    expect(paged(env)).toEqual([]);
    expect(await escalationEntries(env, 'esc-ack')).toBe(0);
  });

  it('fires exactly once across a worker restart, and a duplicate job of the step sends nothing', async () => {
    const env = await setUp(1500);
    const first = await workerSide(env);
    const started = Date.now();
    await send(env, { name: 'db down', fingerprint: 'esc-restart', severity: 'high' });
    await waitFor(async () => (await first.escalationQueue.queue.getDelayedCount()) > 0);
    await first.stop(); // the timer lives on in Redis as a delayed job
    expect(paged(env)).toEqual([]);

    const second = await workerSide(env);
    await waitFor(() => paged(env).length > 0, 10_000, 20);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);

    // The same step once more under another job id (as after a lost completion): the claim refuses it.
    // The page goes out before the job is marked completed.
    const [job] = await waitFor(async () => {
      const completed = await second.escalationQueue.queue.getCompleted();
      return completed.length > 0 ? completed : undefined;
    });
    expect(job?.id).toBe(escalationJobId(job!.data));
    await second.escalationQueue.queue.add('escalate', job!.data, { jobId: `${job!.id}.again` });
    await waitFor(async () => (await second.escalationQueue.queue.getCompletedCount()) >= 2);
    await sleep(1000);
    expect(paged(env).map((page) => page.fingerprint)).toEqual(['esc-restart']);
    expect(await escalationEntries(env, 'esc-restart')).toBe(1);
  });
});
