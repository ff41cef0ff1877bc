import { randomUUID } from 'node:crypto';
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pingRedis } from '../../src/redis.js';
import { openTestStack, type TestStack, uniqueTenant, waitFor } from '../support/harness.js';
import { PublishTestScope, writeTargetsFile } from '../support/publish.js';
import { type LocalRedisCluster, startRedisCluster } from '../support/redis-cluster.js';
import { checkExactlyOnce, storedCounts, waitUntilStored } from '../support/stored-alerts.js';
import { alertFingerprints, listen, SseClient, startWorkerSide, type WorkerSide } from '../support/streams.js';

const SHARDS = 8;
const ALERTS = 3000;
const PER_REQUEST = 25;
/** The first REPEATED alerts are sent a second time, identical, through the other gateway. */
const REPEATED = 600;

let cluster: LocalRedisCluster | undefined;
const machines: TestStack[] = [];
const workerSides: WorkerSide[] = [];
const scope = new PublishTestScope();

beforeAll(async () => {
  cluster = await startRedisCluster();
});

afterAll(async () => {
  for (const side of workerSides) await side.stop();
  await scope.closeReceivers();
  if (machines[0]) await scope.deleteRows(machines[0].services.database.db);
  for (const machine of machines) await machine.close();
  await cluster?.close();
});

/** Alert `i`, the same body every time it is sent; one in four is critical (the urgent lane). */
function alertBody(i: number) {
  return { name: `cluster-${i}`, fingerprint: `fp-${i}`, severity: i % 4 === 0 ? 'critical' : 'warning' };
}

/** Runs the tasks with at most `limit` in flight. */
async function inParallel(tasks: (() => Promise<void>)[], limit: number): Promise<void> {
  const queue = [...tasks];
  await Promise.all(
    Array.from({ length: limit }, async () => {
      for (let task = queue.shift(); task; task = queue.shift()) await task();
    }),
  );
}

describe('scale-out on a Redis Cluster', () => {
  it('stores every alert accepted by two gateways exactly once with two workers, shards spread over the masters', async () => {
    const tenant = uniqueTenant('cluster');
    const receiver = await scope.receiver();
    const target = `cluster-${randomUUID().slice(0, 8)}`;
    scope.targets.push(target);
    scope.tenants.push(tenant);
    const env = {
      REDIS_CLUSTER_NODES: cluster!.nodes.join(','),
      QUEUE_PREFIX: `t-${randomUUID()}`,
      SHARDS: String(SHARDS),
      TARGETS_FILE: writeTargetsFile([
        { name: target, type: 'webhook', routes: [{ tenants: [tenant] }], settings: { url: `${receiver.url}/hook` } },
      ]),
    };
    // Two "machines" in one namespace, each with its own connections: a gateway and a worker side.
    machines.push(openTestStack(env), openTestStack(env));
    const [a, b] = machines as [TestStack, TestStack];
    expect(a.config.QUEUE_PREFIX).toBe(`{${env.QUEUE_PREFIX}}`);
    await Promise.all(machines.map((machine) => pingRedis(machine.services.redis)));
    const urls = [await listen(await a.gateway()), await listen(await b.gateway())];
    workerSides.push(await startWorkerSide(a), await startWorkerSide(b));

    const owned = () => workerSides.map((side) => side.batches.ownership.ownedShards);
    await waitFor(() => owned().every((shards) => shards.length === SHARDS / 2), 20_000);
    expect(new Set(owned().flat()).size).toBe(SHARDS);
    for (const url of urls) expect((await fetch(`${url}/readyz`)).status).toBe(200);

    const key = await a.createKey(tenant);
    // Live events travel by cluster pub/sub; gateway B streams what both gateways accepted.
    const stream = await SseClient.open(`${urls[1]}/api/v1/alerts/stream`, { 'x-api-key': key });
    const accepted = new Set<string>();
    let repeatsAccepted = 0;
    const post = async (gateway: number, indexes: number[], repeat: boolean) => {
      const response = await fetch(`${urls[gateway]}/alerts/event`, {
        method: 'POST',
        headers: { 'x-api-key': key, 'content-type': 'application/json' },
        body: JSON.stringify(indexes.map(alertBody)),
      });
      expect(response.status).toBe(202);
      if (repeat) repeatsAccepted += indexes.length;
      else for (const i of indexes) accepted.add(alertBody(i).name);
    };
    const tasks: (() => Promise<void>)[] = [];
    for (let start = 0; start < ALERTS; start += PER_REQUEST) {
      const indexes = Array.from({ length: PER_REQUEST }, (_, j) => start + j);
      const gateway = (start / PER_REQUEST) % 2;
      tasks.push(() => post(gateway, indexes, false));
      if (start < REPEATED) tasks.push(() => post(1 - gateway, indexes, true));
    }
    await inParallel(tasks, 16);
    expect(accepted.size).toBe(ALERTS);
    expect(repeatsAccepted).toBe(REPEATED);

    const { sql } = a.services.database;
    const result = await waitUntilStored(sql, tenant, accepted, 30_000);
    expect(result.missing).toEqual([]);
    expect(result.doubled).toEqual([]);
    const duplicates = async () => {
      const [row] = await sql<{ total: number }[]>`
        select coalesce(sum(duplicate_count), 0)::int as total from last_alert where tenant = ${tenant}`;
      return row?.total ?? 0;
    };
    await waitFor(async () => (await duplicates()) >= REPEATED, 15_000);
    expect(await duplicates()).toBe(REPEATED);
    expect(checkExactlyOnce(await storedCounts(sql, tenant), accepted).stored).toBe(ALERTS);

    // New alerts (not the repeats) reach the stream and, through the BullMQ publish queue, the webhook.
    expect(new Set(alertFingerprints(await stream.waitFor('alert', ALERTS))).size).toBe(ALERTS);
    stream.close();
    const delivered = () =>
      receiver.accepted.flatMap((request) => (request.json as { alerts: { name: string }[] }).alerts);
    await waitFor(() => delivered().length >= ALERTS, 20_000);
    expect(new Set(delivered().map((alert) => alert.name))).toEqual(accepted);

    // Where the shards' keys live: each shard's lanes and clock on one master, the shards on several.
    const masters = (a.services.redis as Cluster).nodes('master');
    const placement = new Map<string, { masters: Set<number>; keys: string[] }>();
    for (const [index, master] of masters.entries()) {
      for (const name of await master.keys(`{${env.QUEUE_PREFIX}:s*`)) {
        const shard = name.slice(0, name.indexOf('}') + 1);
        const place = placement.get(shard) ?? { masters: new Set(), keys: [] };
        place.masters.add(index);
        place.keys.push(name.slice(shard.length + 1));
        placement.set(shard, place);
      }
    }
    expect(placement.size).toBe(SHARDS);
    for (const place of placement.values()) {
      expect(place.masters.size).toBe(1);
      expect(place.keys.sort()).toEqual(['clock', 'normal', 'urgent']);
    }
    expect(new Set([...placement.values()].flatMap((place) => [...place.masters])).size).toBeGreaterThan(1);
  }, 60_000);
});
