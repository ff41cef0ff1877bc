/**
 * kill -9 of a worker after its batch committed but before any after-commit output ran (no publish
 * enqueued, stream not trimmed): the next owner resumes at the committed offsets, so nothing is
 * stored or counted twice, and delivers the batch from the outbox, so the target misses nothing.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { afterEach, expect, it } from 'vitest';
import type { Gateway } from '../../src/compose/gateway.js';
import { openTestStack, type TestStack, uniqueTenant, waitFor } from '../support/harness.js';
import { writeTargetsFile } from '../support/publish.js';
import { HttpReceiver } from '../support/receivers/http-receiver.js';
import { webhookContract } from '../support/receivers/webhook.js';
import { startWorkerSide, type WorkerSide } from '../support/streams.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function send(gateway: Gateway, key: string, name: string, description: string) {
  return gateway.app.inject({
    method: 'POST',
    url: '/alerts/event',
    headers: { 'x-api-key': key, 'content-type': 'application/json' },
    payload: JSON.stringify({ name, description, severity: 'critical', fingerprint: name }),
  });
}

/** Starts test/support/worker-process.ts; resolves with the process once `line` appears in its output. */
function workerProcess(stack: TestStack, env: Record<string, string>) {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'test/support/worker-process.ts'], {
    env: { ...process.env, QUEUE_PREFIX: stack.config.QUEUE_PREFIX, SHARDS: '2', LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let printed = '';
  child.stdout?.on('data', (chunk) => {
    printed += String(chunk);
  });
  cleanups.push(async () => child.kill('SIGKILL'));
  return { child, printed: () => printed };
}

it('publishes and counts exactly once across kill -9 between commit and the after-commit outputs', async () => {
  const receiver = await new HttpReceiver(webhookContract(SECRET)).start();
  cleanups.push(() => receiver.close());
  const tenant = uniqueTenant('outbox');
  const stack = openTestStack({
    SHARDS: '2',
    TARGETS_FILE: writeTargetsFile([
      {
        name: 'hook',
        type: 'webhook',
        routes: [{ tenants: [tenant] }],
        settings: { url: `${receiver.url}/hook`, secret: SECRET },
      },
    ]),
    PUBLISH_BACKOFF_BASE_MS: '100',
    PUBLISH_TARGETS_REFRESH_MS: '200',
  });
  cleanups.push(() => stack.close());
  const gateway = await stack.gateway();
  const key = await stack.createKey(tenant);
  const { sql } = stack.services.database;

  // Waiting in the log before any worker runs, so the first worker takes all three in one batch.
  for (const [name, description] of [
    ['a', 'v1'],
    ['a', 'v1'],
    ['b', 'v1'],
  ])
    expect((await send(gateway, key, name as string, description as string)).statusCode).toBe(202);
  const first = workerProcess(stack, { STOP_AFTER_COMMIT: '1' });
  await waitFor(() => /committed \d+/.test(first.printed()), 30_000);
  first.child.kill('SIGKILL');
  const [outbox] = await sql<{ rows: number }[]>`
    select count(*)::int as rows from ingest_outbox where shard_key like ${`{${stack.config.QUEUE_PREFIX}:%`}`;
  expect(outbox?.rows).toBeGreaterThan(0);

  const worker: WorkerSide = await startWorkerSide(stack);
  cleanups.push(() => worker.stop());
  for (const [name, description] of [
    ['a', 'v1'],
    ['b', 'v1'],
    ['c', 'v1'],
    ['b', 'v2'],
  ])
    expect((await send(gateway, key, name as string, description as string)).statusCode).toBe(202);

  type Message = { alerts: { id: string; name: string; description: string | null }[] };
  const delivered = () =>
    receiver.accepted.flatMap((request) =>
      (request.json as Message).alerts.map((alert) => ({ ...alert, messageId: request.headers['webhook-id'] })),
    );
  await waitFor(() => new Set(delivered().map((alert) => alert.id)).size >= 4, 30_000);
  const stored = await sql<{ id: string; name: string; description: string }[]>`
    select id, name, description from alerts where tenant = ${tenant} order by name, description`;
  expect(stored.map((row) => `${row.name}:${row.description}`)).toEqual(['a:v1', 'b:v1', 'b:v2', 'c:v1']);
  const [counts] = await sql<{ duplicates: number }[]>`
    select sum(duplicate_count)::int as duplicates from last_alert where tenant = ${tenant}`;
  // a (second send), a and b after the takeover: the first worker's duplicate is not counted again.
  expect(counts?.duplicates).toBe(3);

  // Every stored alert reached the target; a re-sent one carries its first message id.
  expect(new Set(delivered().map((alert) => alert.id))).toEqual(new Set(stored.map((row) => row.id)));
  const messageOf = new Map<string, unknown>();
  for (const alert of delivered()) {
    if (messageOf.has(alert.id)) expect(alert.messageId).toBe(messageOf.get(alert.id));
    messageOf.set(alert.id, alert.messageId);
  }
  // Once every output ran and the worker stopped, no outbox row of the namespace is left.
  await worker.stop();
  const [left] = await sql<{ rows: number }[]>`
    select count(*)::int as rows from ingest_outbox where shard_key like ${`{${stack.config.QUEUE_PREFIX}:%`}`;
  expect(left?.rows).toBe(0);
}, 120_000);
