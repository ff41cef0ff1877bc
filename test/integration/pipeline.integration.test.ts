import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alert/alert.js';
import { DEFAULT_RULE } from '../../src/alert/dedup-rules.js';
import { alertId } from '../../src/alert/identity.js';
import type { Gateway } from '../../src/compose/gateway.js';
import { registry } from '../../src/metrics.js';
import { COMMITTED_ENTRIES_KEY } from '../../src/pipeline/batch-loop.js';
import { IngestDeadLetters } from '../../src/pipeline/dead-letters.js';
import { IngestLog } from '../../src/pipeline/ingest-log.js';
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

/** The gateway's side of the log, for tests that append without HTTP. */
async function ingestLog(test: TestStack): Promise<IngestLog> {
  await pingRedis(test.services.redis);
  return new IngestLog(test.services.redis, test.config.QUEUE_PREFIX, test.config.SHARDS, () => DEFAULT_RULE);
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

async function metricTotal(name: string): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((entry) => entry.name === name);
  return (metric?.values ?? []).reduce((sum, value) => sum + value.value, 0);
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
    const log = await ingestLog(stack);
    await log.append({
      requestId: randomUUID(),
      tenant,
      providerType: 'keep',
      providerId: null,
      alerts: [
        alert(tenant, { name: 'before-midnight', receivedAt: evening }),
        alert(tenant, { name: 'after-midnight', receivedAt: morning }),
      ],
    });
    const rows = await waitFor(async () => {
      const found = await storedRows(tenant);
      return found.length === 2 ? found : undefined;
    });
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

    const committedEntries = async () =>
      Number(await stack!.services.redis.get(`${stack!.config.QUEUE_PREFIX}:${COMMITTED_ENTRIES_KEY}`));
    for (const [i, body] of [version('A'), version('A'), version('B'), version('A'), version('A')].entries()) {
      expect((await send(gateway, key, body)).statusCode).toBe(202);
      // One commit at a time, so the order of arrival is the order of the test.
      await waitFor(async () => (await committedEntries()) >= i + 1);
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
    stack = openTestStack({ SHARDS: '4', BATCH_SIZE: '20', BATCH_MAX_SIZE: '40' });
    const gateway = await stack.gateway();
    const tenant = uniqueTenant();
    const key = await stack.createKey(tenant);

    // Node itself, not npx: SIGKILL must hit the process that owns the shards.
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/worker-process.ts'], {
      env: {
        ...process.env,
        QUEUE_PREFIX: stack.config.QUEUE_PREFIX,
        SHARDS: '4',
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

  it('appends one entry per shard and lane of a request, critical and high alerts to the urgent lane', async () => {
    stack = openTestStack({ SHARDS: '1' });
    const tenant = uniqueTenant();
    const log = await ingestLog(stack);
    const at = new Date().toISOString();
    const severities: Alert['severity'][] = ['info', 'critical', 'warning', 'high'];
    const entries = await log.append({
      requestId: randomUUID(),
      tenant,
      providerType: 'keep',
      providerId: null,
      alerts: severities.map((severity) => alert(tenant, { name: severity, severity, receivedAt: at })),
    });
    expect(entries).toBe(2);
    const lane = async (name: string) => {
      const items = await stack!.services.redis.xrange(`{${stack!.config.QUEUE_PREFIX}:s00}:${name}`, '-', '+');
      // The entry's value: the head, then one alert per line.
      return items.flatMap(([, fields]) =>
        (fields[1] as string)
          .split('\n')
          .slice(1)
          .map((line) => (JSON.parse(line) as Alert).name),
      );
    };
    expect(await lane('urgent')).toEqual(['critical', 'high']);
    expect(await lane('normal')).toEqual(['info', 'warning']);
  });

  it('stores entries left in the log by the previous release, which held the whole part in one field', async () => {
    stack = openTestStack({ SHARDS: '1' });
    const tenant = uniqueTenant();
    const receivedAt = new Date().toISOString();
    const part = {
      requestId: randomUUID(),
      tenant,
      providerType: 'keep',
      providerId: null,
      alerts: ['disk', 'disk', 'cpu'].map((name) => alert(tenant, { name, receivedAt })),
      hashes: ['hash-disk', 'hash-disk', 'hash-cpu'],
    };
    await pingRedis(stack.services.redis);
    await stack.services.redis.xadd(`{${stack.config.QUEUE_PREFIX}:s00}:normal`, '*', 'part', JSON.stringify(part));

    await stack.worker();
    await waitFor(async () => (await storedRows(tenant)).length === 2);
    expect(await lastAlert(tenant)).toEqual([
      { fingerprint: 'cpu', duplicate_count: 0, status: 'firing' },
      { fingerprint: 'disk', duplicate_count: 1, status: 'firing' },
    ]);
  });

  it('stores an occurrence the urgent lane overtook as history without rolling the state back', async () => {
    // One shard, and a batch of 16 alerts at most: the urgent entry is read with the first 15 of
    // a backlog of 40 older normal entries of the same fingerprint, which come after it.
    stack = openTestStack({ SHARDS: '1', BATCH_SIZE: '1', BATCH_MAX_SIZE: '16' });
    const tenant = uniqueTenant();
    const log = await ingestLog(stack);
    const occurrence = (description: string, severity: Alert['severity']) => ({
      requestId: randomUUID(),
      tenant,
      providerType: 'keep',
      providerId: null,
      alerts: [alert(tenant, { name: 'cpu', description, severity, receivedAt: new Date().toISOString() })],
    });
    for (let i = 0; i < 40; i++) await log.append(occurrence(`backlog-${i}`, 'warning'));
    await log.append(occurrence('newest', 'critical'));
    const staleBefore = await metricTotal('alertgate_stale_occurrences_total');

    await stack.worker();
    await waitFor(async () => (await storedRows(tenant)).length === 41);
    const [state] = await stack.services.database.sql<{ description: string; severity: string }[]>`
      select a.description, l.severity from last_alert l join alerts a on a.id = l.alert_id
      where l.tenant = ${tenant}`;
    expect(state).toEqual({ description: 'newest', severity: 'critical' });
    expect((await metricTotal('alertgate_stale_occurrences_total')) - staleBefore).toBe(25);
  });

  it('dead-letters the entry that cannot be stored without blocking the rest of its batch, and replays it', async () => {
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
      const log = await ingestLog(stack);
      const at = new Date(day.getTime() + 3_600_000).toISOString();
      // Same fingerprint → same shard and lane; appended together → read in one batch.
      await Promise.all(
        ['good-1', 'poison', 'good-2'].map((name) =>
          log.append({
            requestId: randomUUID(),
            tenant,
            providerType: 'keep',
            providerId: null,
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
      expect(await deadLetters.replay(entry!.id, tenant, log)).toBe(true);
      await waitFor(async () => (await storedRows(tenant)).length === 3);
      expect(await deadLetters.list(tenant)).toEqual([]);
      expect(worker.ownership.ownedShards.length).toBe(stack.config.SHARDS);
      await deadLetters.close();
    } finally {
      await sql.unsafe(`drop trigger if exists ${trigger} on "${partition}"`);
      await sql.unsafe(`drop function if exists ${trigger}()`);
    }
  });
});
