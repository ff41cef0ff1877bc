import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alert/alert.js';
import { alertId } from '../../src/alert/identity.js';
import type { Gateway } from '../../src/gateway.js';
import { registry } from '../../src/metrics.js';
import { IngestDeadLetters } from '../../src/queue/dead-letters.js';
import { IngestQueues } from '../../src/queue/ingest-queues.js';
import { pingRedis } from '../../src/redis.js';
import { ensurePartitions } from '../../src/store/partitions.js';
import { openTestStack, type TestStack, uniqueTenant, waitFor } from '../support/harness.js';

let stack: TestStack | undefined;
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  await stack?.close();
  stack = undefined;
});

function send(gateway: Gateway, key: string, body: unknown) {
  return gateway.app.inject({
    method: 'POST',
    url: '/alerts/event',
    headers: { 'x-api-key': key, 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
}

async function storedRows(tenant: string) {
  return stack!.services.database.sql<
    { id: string; name: string; fingerprint: string; description: string | null; partition: string }[]
  >`
    select id, name, fingerprint, description, tableoid::regclass::text as partition from alerts where tenant = ${tenant} order by received_at, name`;
}

async function lastAlert(tenant: string) {
  return stack!.services.database.sql<{ fingerprint: string; duplicate_count: number; status: string }[]>`
    select fingerprint, duplicate_count::int, status from last_alert where tenant = ${tenant} order by fingerprint`;
}

function alert(tenant: string, fields: Partial<Alert> & { name: string; receivedAt: string }): Alert {
  return {
    id: alertId(tenant, randomUUID(), 0, fields.receivedAt),
    eventId: null,
    fingerprint: fields.name,
    tenant,
    providerType: 'keep',
    providerId: null,
    status: 'firing',
    severity: 'info',
    lastReceived: fields.receivedAt,
    description: null,
    message: null,
    source: ['keep'],
    service: null,
    environment: null,
    url: null,
    labels: {},
    extra: {},
    ...fields,
  };
}

describe('batch pipeline', () => {
  it('creates daily partitions ahead and stores alerts in the partition of their day', async () => {
    stack = openTestStack();
    await stack.worker();
    const [row] = await stack.services.database.sql<{ count: number }[]>`
      select count(*)::int as count from pg_class where relname = any(${[0, 1, 2, 3].map((days) => {
        const day = new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10).replaceAll('-', '');
        return `alerts_p${day}`;
      })})`;
    expect(row?.count).toBe(4);

    // A batch straddling midnight lands in two partitions (a far-future day pair unique to this test).
    const tenant = uniqueTenant();
    const day = 1 + Math.floor(Math.random() * 27);
    const evening = `2098-02-${String(day).padStart(2, '0')}T23:59:59.900Z`;
    const morning = `2098-02-${String(day + 1).padStart(2, '0')}T00:00:00.100Z`;
    const queues = new IngestQueues(stack.services.redis, stack.config.SHARDS, stack.config.QUEUE_PREFIX);
    await queues.enqueue({
      requestId: randomUUID(),
      tenant,
      providerType: 'keep',
      alerts: [
        alert(tenant, { name: 'before-midnight', receivedAt: evening }),
        alert(tenant, { name: 'after-midnight', receivedAt: morning }),
      ],
    });
    const rows = await waitFor(async () => {
      const found = await storedRows(tenant);
      return found.length === 2 ? found : undefined;
    });
    await queues.close();
    const partition = (dayOfMonth: number) => `alerts_p209802${String(dayOfMonth).padStart(2, '0')}`;
    expect(rows.map((row) => row.partition)).toEqual([partition(day), partition(day + 1)]);
  });

  it('drops full duplicates but counts them, stores changes, and keeps A,B,A as three rows', async () => {
    stack = openTestStack();
    const gateway = await stack.gateway();
    await stack.worker();
    const tenant = uniqueTenant();
    const key = await stack.createKey(tenant);
    const version = (description: string) => ({ name: 'disk', fingerprint: 'fp-disk', description, id: 'stable' });

    const committedJobs = async () =>
      Number(await stack!.services.redis.get(`${stack!.config.QUEUE_PREFIX}:stats:committed-jobs`));
    for (const [i, body] of [version('A'), version('A'), version('B'), version('A'), version('A')].entries()) {
      expect((await send(gateway, key, body)).statusCode).toBe(202);
      // One commit at a time, so the order of arrival is the order of the test.
      await waitFor(async () => (await committedJobs()) >= i + 1);
    }
    const rows = await waitFor(async () => {
      const state = await lastAlert(tenant);
      const found = await storedRows(tenant);
      return found.length === 3 && state[0]?.duplicate_count === 2 ? found : undefined;
    });
    expect(rows.map((row) => row.description)).toEqual(['A', 'B', 'A']);
    expect(await lastAlert(tenant)).toEqual([{ fingerprint: 'fp-disk', duplicate_count: 2, status: 'firing' }]);
    const metrics = await registry.getSingleMetricAsString('alertgate_dedup_alerts_total');
    expect(metrics).toMatch(/outcome="duplicate"} [1-9]/);
  });

  it('deduplicates alerts whose content repeats without a stable provider id (unlike Keep)', async () => {
    stack = openTestStack();
    const gateway = await stack.gateway();
    await stack.worker();
    const tenant = uniqueTenant();
    const key = await stack.createKey(tenant);
    for (let i = 0; i < 3; i++) await send(gateway, key, { name: 'no-id-alert', severity: 'warning' });
    await waitFor(async () => (await lastAlert(tenant))[0]?.duplicate_count === 2);
    expect(await storedRows(tenant)).toHaveLength(1);
  });

  it('shares shards between two workers without processing anything twice', async () => {
    stack = openTestStack({ SHARDS: '8' });
    const gateway = await stack.gateway();
    const first = await stack.worker();
    const second = await stack.worker();
    await waitFor(() => first.ownership.ownedShards.length === 4 && second.ownership.ownedShards.length === 4, 20_000);
    expect(new Set([...first.ownership.ownedShards, ...second.ownership.ownedShards]).size).toBe(8);

    const tenant = uniqueTenant();
    const key = await stack.createKey(tenant);
    const alerts = Array.from({ length: 200 }, (_, i) => ({ name: `alert-${i}` }));
    expect((await send(gateway, key, alerts)).statusCode).toBe(202);
    const rows = await waitFor(async () => {
      const found = await storedRows(tenant);
      return found.length >= 200 ? found : undefined;
    });
    expect(rows).toHaveLength(200);
    expect(new Set(rows.map((row) => row.id)).size).toBe(200);
  });

  it('loses and duplicates nothing when a worker is killed mid-stream and another takes over', async () => {
    stack = openTestStack({ SHARDS: '4', JOB_LOCK_MS: '2000', BATCH_SIZE: '20', BATCH_MAX_SIZE: '40' });
    const gateway = await stack.gateway();
    const tenant = uniqueTenant();
    const key = await stack.createKey(tenant);

    // Node itself, not npx: SIGKILL must hit the process that holds the jobs.
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/worker-process.ts'], {
      env: {
        ...process.env,
        QUEUE_PREFIX: stack.config.QUEUE_PREFIX,
        SHARDS: '4',
        JOB_LOCK_MS: '2000',
        BATCH_SIZE: '20',
        BATCH_MAX_SIZE: '40',
        LOG_LEVEL: 'silent',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    await new Promise<void>((resolve) =>
      child.stdout?.on('data', (chunk) => String(chunk).includes('owned') && resolve()),
    );

    const total = 600;
    const sending = (async () => {
      for (let i = 0; i < total; i += 20) {
        const batch = Array.from({ length: 20 }, (_, j) => ({ name: `k-${i + j}` }));
        expect((await send(gateway, key, batch)).statusCode).toBe(202);
      }
    })();
    await waitFor(async () => (await storedRows(tenant)).length > 50, 20_000, 20);
    child.kill('SIGKILL');
    await sending;

    await stack.worker();
    const rows = await waitFor(
      async () => {
        const found = await storedRows(tenant);
        return found.length >= total ? found : undefined;
      },
      30_000,
      200,
    );
    expect(rows).toHaveLength(total);
    expect(new Set(rows.map((row) => row.name)).size).toBe(total);
  }, 60_000);

  it('groups the requests of one shard that arrive while its enqueue is in flight into one job', async () => {
    stack = openTestStack();
    const tenant = uniqueTenant();
    await pingRedis(stack.services.redis);
    const queues = new IngestQueues(stack.services.redis, stack.config.SHARDS, stack.config.QUEUE_PREFIX);
    const at = new Date().toISOString();
    const request = (name: string, count: number, severity: Alert['severity'] = 'info') => ({
      requestId: randomUUID(),
      tenant,
      providerType: 'keep',
      alerts: Array.from({ length: count }, () =>
        alert(tenant, { name, fingerprint: 'same', severity, receivedAt: at }),
      ),
    });
    const jobsOf = async () => {
      const jobs = await Promise.all(queues.queues.map((queue) => queue.getJobs(['waiting', 'prioritized'])));
      return jobs.flat().sort((a, b) => a.timestamp - b.timestamp);
    };

    await Promise.all(['a', 'b', 'c'].map((name) => queues.enqueue(request(name, 1))));
    await queues.enqueue(request('d', 1, 'critical'));
    // 1,000 alerts at most per job; one request is never split.
    await Promise.all([queues.enqueue(request('e', 600)), queues.enqueue(request('f', 600))]);

    const jobs = await jobsOf();
    expect(jobs.map((job) => job.data.parts.map((part) => part.alerts[0]?.name))).toEqual([
      ['a', 'b', 'c'],
      ['d'],
      ['e'],
      ['f'],
    ]);
    expect(jobs.map((job) => job.priority)).toEqual([4, 1, 4, 4]);
    await queues.close();
  });

  it('dead-letters the request that cannot be stored without blocking the rest of its job, and replays it', async () => {
    stack = openTestStack();
    const worker = await stack.worker();
    const tenant = uniqueTenant();
    const { sql } = stack.services.database;
    // A day of its own with a trigger that refuses this tenant's "poison" rows, as a broken
    // constraint would; dropping the trigger is the operator's fix before replaying.
    const day = new Date(Date.UTC(2097, 0, 1 + Math.floor(Math.random() * 300)));
    await ensurePartitions(sql, day, day);
    const partition = `alerts_p${day.toISOString().slice(0, 10).replaceAll('-', '')}`;
    const trigger = `poison_${randomUUID().replaceAll('-', '')}`;
    await sql.unsafe(`create function ${trigger}() returns trigger language plpgsql as $$
      begin if new.name = 'poison' then raise exception 'poison row refused' using errcode = '23P01'; end if; return new; end $$`);
    await sql.unsafe(
      `create trigger ${trigger} before insert on "${partition}" for each row execute function ${trigger}()`,
    );
    try {
      const queues = new IngestQueues(stack.services.redis, stack.config.SHARDS, stack.config.QUEUE_PREFIX);
      const at = new Date(day.getTime() + 3_600_000).toISOString();
      // Same fingerprint → same shard; enqueued together → one job holding the three requests.
      await Promise.all(
        ['good-1', 'poison', 'good-2'].map((name) =>
          queues.enqueue({
            requestId: randomUUID(),
            tenant,
            providerType: 'keep',
            alerts: [alert(tenant, { name, fingerprint: 'same', description: name, receivedAt: at })],
          }),
        ),
      );
      const deadLetters = new IngestDeadLetters(stack.services.redis, stack.config.QUEUE_PREFIX);
      const [entry] = await waitFor(async () => {
        const entries = await deadLetters.list(tenant);
        return entries.length === 1 ? entries : undefined;
      });
      expect(entry?.error).toMatch(/poison row refused/);
      await waitFor(async () => (await storedRows(tenant)).length === 2);
      expect((await storedRows(tenant)).map((row) => row.name).sort()).toEqual(['good-1', 'good-2']);

      await sql.unsafe(`drop trigger ${trigger} on "${partition}"`);
      expect(await deadLetters.replay(entry!.id, tenant, queues)).toBe(true);
      await waitFor(async () => (await storedRows(tenant)).length === 3);
      expect(await deadLetters.list(tenant)).toEqual([]);
      expect(worker.ownership.ownedShards.length).toBe(stack.config.SHARDS);
      await Promise.all([queues.close(), deadLetters.close()]);
    } finally {
      await sql.unsafe(`drop trigger if exists ${trigger} on "${partition}"`);
      await sql.unsafe(`drop function if exists ${trigger}()`);
    }
  });
});
