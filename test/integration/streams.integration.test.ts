import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alert/alert.js';
import { registry } from '../../src/metrics.js';
import type { CommitOutput } from '../../src/pipeline/committed-batch.js';
import { compareIds } from '../../src/realtime/events.js';
import { openTestStack, type TestStack, uniqueTenant, waitFor } from '../support/harness.js';
import {
  alertFingerprints,
  ingest,
  listen,
  SseClient,
  StatusError,
  startWorkerSide,
  type WorkerSide,
  WsClient,
} from '../support/streams.js';

let stack: TestStack | undefined;
let workerSide: WorkerSide | undefined;
const clients: { close(): void }[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await workerSide?.stop();
  workerSide = undefined;
  await stack?.close();
  stack = undefined;
});

/** Two listening gateways (A ingests, B streams) and the worker side, in one namespace. */
async function twoGateways(overrides: Record<string, string> = {}, extra: CommitOutput[] = []) {
  stack = openTestStack({ REALTIME_HEARTBEAT_MS: '300', ...overrides });
  const a = await stack.gateway();
  const b = await stack.gateway();
  const [urlA, urlB] = [await listen(a), await listen(b)];
  workerSide = await startWorkerSide(stack, extra);
  return { urlA, urlB, stack };
}

async function metricValue(name: string, labels: Record<string, string>): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((entry) => entry.name === name);
  const value = metric?.values.find((entry) =>
    Object.entries(labels).every(([key, label]) => (entry.labels as Record<string, unknown>)[key] === label),
  );
  return Number(value?.value ?? 0);
}

const SEVERITIES = ['critical', 'high', 'warning', 'info'] as const;
const TEAMS = ['payments', 'db'] as const;

function alertsFor(tenantLabel: string, count: number) {
  return Array.from({ length: count }, (_, i) => ({
    name: `${i % 3 === 0 ? 'disk full' : 'cpu high'} ${tenantLabel} ${i}`,
    fingerprint: `fp-${tenantLabel}-${i}`,
    severity: SEVERITIES[i % SEVERITIES.length],
    status: i % 5 === 4 ? 'resolved' : 'firing',
    labels: { team: TEAMS[Math.floor(i / 2) % TEAMS.length] },
  }));
}

describe('alert streams', () => {
  it('deliver exactly the matching alerts of the subscriber tenant, in commit order, from another gateway', async () => {
    const committed: Alert[] = [];
    const { urlA, urlB, stack } = await twoGateways({}, [
      { name: 'test', run: async (batch) => void committed.push(...batch.alerts.map((c) => c.alert)) },
    ]);
    const [t1, t2] = [uniqueTenant('s1'), uniqueTenant('s2')];
    const [k1, k2] = [await stack.createKey(t1), await stack.createKey(t2)];

    // SSE authenticates with ?api_key= (as a browser EventSource must); WebSocket with the header.
    const sse = await SseClient.open(
      `${urlB}/api/v1/alerts/stream?api_key=${k1}&severity=critical&severity=high&labels=team%3Dpayments`,
    );
    const ws = await WsClient.open(`${urlB.replace('http', 'ws')}/api/v1/alerts/ws?q=disk&status=firing`, {
      'x-api-key': k1,
    });
    const otherTenant = await SseClient.open(`${urlB}/api/v1/alerts/stream`, { 'x-api-key': k2 });
    clients.push(sse, ws, otherTenant);

    const [mine, theirs] = [alertsFor('a', 40), alertsFor('b', 40)];
    // Several requests at once: several batches and shards, so commit order is the worker's, not ours.
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        Promise.all([ingest(urlA, k1, mine.slice(i * 5, i * 5 + 5)), ingest(urlA, k2, theirs.slice(i * 5, i * 5 + 5))]),
      ),
    );
    await waitFor(() => committed.length >= 80);

    const inOrder = committed.filter((alert) => alert.tenant === t1);
    const expectSse = inOrder
      .filter((alert) => ['critical', 'high'].includes(alert.severity) && alert.labels.team === 'payments')
      .map((alert) => alert.fingerprint);
    const expectWs = inOrder
      .filter((alert) => alert.name.includes('disk') && alert.status === 'firing')
      .map((alert) => alert.fingerprint);
    expect(expectSse.length).toBeGreaterThan(3);
    expect(expectWs.length).toBeGreaterThan(3);

    await sse.waitFor('alert', expectSse.length);
    await ws.waitFor('alert', expectWs.length);
    await otherTenant.waitFor('alert', 40);
    await new Promise((resolve) => setTimeout(resolve, 400)); // nothing extra arrives late
    expect(alertFingerprints(sse.events)).toEqual(expectSse);
    expect(alertFingerprints(ws.events)).toEqual(expectWs);
    expect(new Set(alertFingerprints(otherTenant.events))).toEqual(new Set(theirs.map((alert) => alert.fingerprint)));
    // Ids are the stream positions: strictly increasing.
    const ids = sse.events.map((event) => event.id ?? '');
    for (let i = 1; i < ids.length; i++) expect(compareIds(ids[i - 1] as string, ids[i] as string)).toBeLessThan(0);
    expect(sse.of('alert')[0]?.data).toMatchObject({ type: 'alert', change: 'new', alert: { tenant: t1 } });
    expect(sse.raw).toContain(': heartbeat');
  });

  it('replays missed events on resume with Last-Event-ID, then continues live without duplicates', async () => {
    const order: string[] = [];
    const { urlA, urlB, stack } = await twoGateways({}, [
      { name: 'test', run: async (batch) => void order.push(...batch.alerts.map((c) => c.alert.fingerprint)) },
    ]);
    const tenant = uniqueTenant();
    const key = await stack.createKey(tenant);
    const first = await SseClient.open(`${urlB}/api/v1/alerts/stream`, { 'x-api-key': key });
    clients.push(first);
    for (const i of [0, 1, 2]) await ingest(urlA, key, { name: `before ${i}`, fingerprint: `before-${i}` });
    const seen = await first.waitFor('alert', 3);
    const lastId = seen.at(-1)?.id as string;
    first.close();

    for (const i of [0, 1, 2, 3]) await ingest(urlA, key, { name: `missed ${i}`, fingerprint: `missed-${i}` });
    await waitFor(async () => {
      const [row] = await stack.services.database.sql<{ n: number }[]>`
        select count(*)::int as n from last_alert where tenant = ${tenant}`;
      return row?.n === 7;
    });
    await new Promise((resolve) => setTimeout(resolve, 200)); // the listener runs right after the commit

    const resumed = await SseClient.open(`${urlB}/api/v1/alerts/stream`, { 'x-api-key': key, 'last-event-id': lastId });
    const ws = await WsClient.open(`${urlA.replace('http', 'ws')}/api/v1/alerts/ws?lastEventId=${lastId}`, {
      'x-api-key': key,
    });
    clients.push(resumed, ws);
    await resumed.waitFor('alert', 4);
    await ingest(urlA, key, { name: 'live', fingerprint: 'live-0' });
    await resumed.waitFor('alert', 5);
    await ws.waitFor('alert', 5);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Commit order: the four went to different shards, so not necessarily the order they were sent in.
    const expected = order.filter((fingerprint) => !fingerprint.startsWith('before'));
    expect([...expected].sort()).toEqual(['live-0', 'missed-0', 'missed-1', 'missed-2', 'missed-3']);
    expect(alertFingerprints(resumed.events)).toEqual(expected);
    expect(alertFingerprints(ws.events)).toEqual(expected);

    // A position the stream never had is reported as a gap, then the stream goes on live.
    const unknown = await SseClient.open(`${urlB}/api/v1/alerts/stream`, {
      'x-api-key': key,
      'last-event-id': '99999999999999-0',
    });
    clients.push(unknown);
    const [gap] = await unknown.waitFor('gap', 1);
    expect(gap?.data).toEqual({ reason: 'unknown_position', lastEventId: '99999999999999-0' });
  });

  it('drops a stalled client with a reason without slowing ingestion or the other clients', async () => {
    // Batches of 40 alerts (2 MB here) at most: a reader keeping up never has more than one batch
    // waiting, far under its 4 MB buffer, while the stalled one falls 20 MB behind.
    const { urlA, urlB, stack } = await twoGateways({
      REALTIME_CLIENT_BUFFER_BYTES: '4194304',
      BATCH_SIZE: '40',
      BATCH_MAX_SIZE: '40',
    });
    const tenant = uniqueTenant();
    const key = await stack.createKey(tenant);
    const healthy = await SseClient.open(`${urlB}/api/v1/alerts/stream`, { 'x-api-key': key });
    clients.push(healthy);

    // A raw TCP client that sends the request, reads the headers, then stops reading.
    const port = new URL(urlB).port;
    const stalled = connect(Number(port), '127.0.0.1');
    clients.push({ close: () => stalled.destroy() });
    let stalledBytes = 0;
    let stalledClosed = false;
    stalled.on('close', () => {
      stalledClosed = true;
    });
    await new Promise<void>((resolve) => {
      stalled.once('data', (chunk) => {
        stalledBytes += chunk.length;
        stalled.pause();
        resolve();
      });
      stalled.write(`GET /api/v1/alerts/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-KEY: ${key}\r\n\r\n`);
    });
    const dropsBefore = await metricValue('alertgate_stream_clients_dropped_total', { reason: 'slow_consumer' });

    // 20 MB: more than loopback socket buffers can hide (several MB), so the relay must notice.
    const big = 'x'.repeat(50_000);
    const total = 400;
    const started = performance.now();
    for (let i = 0; i < total; i += 40) {
      await ingest(
        urlA,
        key,
        Array.from({ length: 40 }, (_, j) => ({
          name: `bulky ${i + j}`,
          fingerprint: `bulky-${i + j}`,
          description: big,
        })),
      );
    }
    await healthy.waitFor('alert', total, 90_000);
    const elapsedMs = performance.now() - started;

    await waitFor(
      async () =>
        (await metricValue('alertgate_stream_clients_dropped_total', { reason: 'slow_consumer' })) > dropsBefore,
    );
    // Reading again, the stalled client gets at most its buffer plus what the kernel held, then the end.
    stalled.on('data', (chunk: Buffer) => {
      stalledBytes += chunk.length;
    });
    stalled.resume();
    await waitFor(() => stalledClosed, 10_000);
    expect(stalledBytes).toBeLessThan(total * big.length);
    expect(healthy.closed).toBe(false);
    expect(alertFingerprints(healthy.events)).toHaveLength(total);
    // 20 MB through the pipeline on a shared machine; a blocked relay would stall this for good.
    expect(elapsedMs).toBeLessThan(80_000);
  }, 150_000);

  it('refuses bad requests before streaming: no key, admin key, bad filter, bad Last-Event-ID', async () => {
    stack = openTestStack();
    const gateway = await stack.gateway();
    const url = await listen(gateway);
    const tenant = uniqueTenant();
    const key = await stack.createKey(tenant);
    const admin = await stack.createKey(`admin-${randomUUID()}`, { isAdmin: true });
    const status = (path: string, headers: Record<string, string> = {}) =>
      SseClient.open(`${url}${path}`, headers).then(
        (client) => {
          client.close();
          return 200;
        },
        (error: unknown) => (error instanceof StatusError ? error.status : -1),
      );
    expect(await status('/api/v1/alerts/stream')).toBe(401);
    expect(await status('/api/v1/alerts/stream', { 'x-api-key': admin })).toBe(403);
    expect(await status('/api/v1/alerts/stream?severity=urgent', { 'x-api-key': key })).toBe(400);
    expect(await status('/api/v1/alerts/stream?labels=novalue', { 'x-api-key': key })).toBe(400);
    expect(await status('/api/v1/alerts/stream', { 'x-api-key': key, 'last-event-id': 'abc' })).toBe(400);
    await expect(WsClient.open(`${url.replace('http', 'ws')}/api/v1/alerts/ws`)).rejects.toMatchObject({ status: 401 });
  });
});
