import { type ChildProcess, spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/compose/gateway.js';
import { workerAnnouncementKey, workerRegistryKey } from '../../src/pipeline/shard-ownership.js';
import { openTestStack, type TestStack, uniqueTenant, waitFor } from '../support/harness.js';

let stack: TestStack | undefined;
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  await stack?.close();
  stack = undefined;
});

interface HealthBody {
  status: string;
  reasons: { status: string; check: string }[];
  queues: { name: string; kind: string; waiting: number; oldestWaitingSeconds: number; throughput: unknown }[];
  workers: { id: string; shards: number[]; pid: number | null }[];
  unownedShards: number[];
  deadLetters: { ingest: number };
}

async function health(gateway: Gateway, key: string): Promise<{ code: number; body: HealthBody }> {
  const response = await gateway.app.inject({ url: '/admin/queues/health', headers: { 'x-api-key': key } });
  return { code: response.statusCode, body: response.json() as HealthBody };
}

const FAST = {
  SHARDS: '3',
  QUEUE_SAMPLE_INTERVAL_MS: '200',
  HEALTH_WORKER_LIVENESS_SECONDS: '2',
  HEALTH_QUEUE_DEPTH_DEGRADED: '3',
  HEALTH_QUEUE_DEPTH_UNHEALTHY: '6',
};

describe('GET /admin/queues/health', () => {
  it('needs an admin key', async () => {
    stack = openTestStack(FAST);
    const gateway = await stack.gateway();
    expect((await gateway.app.inject({ url: '/admin/queues/health' })).statusCode).toBe(401);
    const tenantKey = await stack.createKey(uniqueTenant());
    expect((await health(gateway, tenantKey)).code).toBe(403);
  });

  it('is unhealthy (503) while no worker lives and healthy (200) once one announces every shard', async () => {
    stack = openTestStack(FAST);
    const gateway = await stack.gateway();
    const admin = await stack.createKey(uniqueTenant('admin'), { isAdmin: true });

    const before = await health(gateway, admin);
    expect(before.code).toBe(503);
    expect(before.body.status).toBe('unhealthy');
    expect(before.body.reasons.map((reason) => reason.check)).toContain('no_worker');
    expect(before.body.queues.map((queue) => queue.name)).toEqual([
      'ingest-0',
      'ingest-1',
      'ingest-2',
      'publish',
      'dlq-ingest',
    ]);

    const worker = await stack.worker();
    const up = await waitFor(async () => {
      const answer = await health(gateway, admin);
      return answer.code === 200 && answer.body.unownedShards.length === 0 ? answer : null;
    });
    expect(up.body.status).toBe('healthy');
    expect(up.body.workers).toHaveLength(1);
    expect(up.body.workers[0]?.shards).toEqual([0, 1, 2]);
    expect(up.body.workers[0]?.pid).toBe(process.pid);

    // A graceful stop leaves the registry at once.
    await worker.stop();
    const down = await waitFor(async () => {
      const answer = await health(gateway, admin);
      return answer.code === 503 ? answer : null;
    });
    expect(down.body.reasons.map((reason) => reason.check)).toContain('no_worker');
    expect(down.body.workers).toEqual([]);

    await stack.worker();
    await waitFor(async () => (await health(gateway, admin)).code === 200);
  });

  it('turns unhealthy when a worker process dies without a goodbye, and back when another returns', async () => {
    stack = openTestStack(FAST);
    const gateway = await stack.gateway();
    const admin = await stack.createKey(uniqueTenant('admin'), { isAdmin: true });
    // Node itself, not npx: SIGKILL must hit the worker so it cannot leave the registry.
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/worker-process.ts'], {
      env: { ...process.env, QUEUE_PREFIX: stack.config.QUEUE_PREFIX, SHARDS: '3', LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    await new Promise<void>((resolve) =>
      child.stdout?.on('data', (chunk) => String(chunk).includes('owned') && resolve()),
    );
    const alive = await waitFor(async () => {
      const answer = await health(gateway, admin);
      return answer.code === 200 && answer.body.workers[0]?.pid ? answer : null;
    });
    expect(alive.body.workers.map((worker) => worker.pid)).toEqual([child.pid]);

    const deadId = alive.body.workers[0]?.id as string;
    child.kill('SIGKILL');
    const dead = await waitFor(async () => {
      const answer = await health(gateway, admin);
      return answer.code === 503 ? answer : null;
    });
    expect(dead.body.reasons.map((reason) => reason.check)).toContain('no_worker');
    // It never left the registry: its heartbeat aged past HEALTH_WORKER_LIVENESS_SECONDS.
    const registry = workerRegistryKey(stack.config.QUEUE_PREFIX);
    expect(Date.now() - Number(await stack.services.redis.zscore(registry, deadId))).toBeGreaterThan(2000);

    await stack.worker();
    await waitFor(async () => (await health(gateway, admin)).code === 200);
  });

  it('reports backlog depth against the thresholds: degraded, then unhealthy, then healthy once drained', async () => {
    stack = openTestStack(FAST);
    const { redis } = stack.services;
    const prefix = stack.config.QUEUE_PREFIX;
    const gateway = await stack.gateway();
    const admin = await stack.createKey(uniqueTenant('admin'), { isAdmin: true });
    const key = await stack.createKey(uniqueTenant());
    // A live worker that takes no jobs: heartbeats in the registry ShardOwnership maintains.
    const heartbeat = async () => {
      await redis.zadd(workerRegistryKey(prefix), Date.now(), 'idle-worker');
      await redis.set(workerAnnouncementKey(prefix, 'idle-worker'), JSON.stringify({ shards: [0, 1, 2] }));
    };
    await heartbeat();
    const beating = setInterval(() => void heartbeat(), 300);
    try {
      await waitFor(async () => (await health(gateway, admin)).code === 200);
      const send = (name: string) =>
        gateway.app.inject({
          method: 'POST',
          url: '/alerts/event/keep',
          headers: { 'x-api-key': key, 'content-type': 'application/json' },
          payload: JSON.stringify({ name }),
        });
      for (let i = 0; i < 3; i++) expect((await send(`backlog-${i}`)).statusCode).toBe(202);
      const degraded = await waitFor(async () => {
        const answer = await health(gateway, admin);
        return answer.body.status === 'degraded' ? answer : null;
      });
      expect(degraded.code).toBe(200);
      expect(degraded.body.reasons).toEqual([expect.objectContaining({ status: 'degraded', check: 'ingest_depth' })]);

      for (let i = 3; i < 6; i++) expect((await send(`backlog-${i}`)).statusCode).toBe(202);
      const unhealthy = await waitFor(async () => {
        const answer = await health(gateway, admin);
        return answer.code === 503 ? answer : null;
      });
      expect(unhealthy.body.reasons).toEqual([expect.objectContaining({ status: 'unhealthy', check: 'ingest_depth' })]);
      const ingest = unhealthy.body.queues.filter((queue) => queue.kind === 'ingest');
      expect(ingest.reduce((sum, queue) => sum + queue.waiting, 0)).toBe(6);
      expect(Math.max(...ingest.map((queue) => queue.oldestWaitingSeconds))).toBeGreaterThan(0);
    } finally {
      clearInterval(beating);
    }

    await redis.zrem(workerRegistryKey(prefix), 'idle-worker');
    await stack.worker();
    const drained = await waitFor(async () => {
      const answer = await health(gateway, admin);
      return answer.code === 200 && answer.body.status === 'healthy' ? answer : null;
    });
    expect(drained.body.reasons).toEqual([]);
    // The drained jobs show up as throughput (BullMQ worker metrics) once completed.
    await waitFor(async () => (await health(gateway, admin)).body.queues.some((queue) => queue.throughput !== null));
  });
});
