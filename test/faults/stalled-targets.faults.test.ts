/**
 * Publish targets that hang forever or answer garbage (non-JSON, a redirect, a reset connection,
 * bytes that are not HTTP) never stall the pipeline: with them routed, the worker commits at the
 * pace it has without them and a healthy target still receives every alert.
 */
import { randomUUID } from 'node:crypto';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, expect, it, onTestFailed } from 'vitest';
import type { TargetDefinition } from '../../src/publish/model.js';
import { openFaultStack } from '../support/fault-stack.js';
import { waitFor } from '../support/harness.js';
import { type Sent, startIngestLoad } from '../support/ingest-load.js';
import { writeTargetsFile } from '../support/publish.js';
import { HttpReceiver } from '../support/receivers/http-receiver.js';
import { webhookContract } from '../support/receivers/webhook.js';
import { waitUntilStored } from '../support/stored-alerts.js';

const LOAD_MS = 12_000;
/** How long each request to the hanging target waits: what every other target would wait if it stalled them. */
const HANG_TIMEOUT_MS = 20_000;
const FAULTY = { faulty: 'yes' };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

it('commits at its normal pace and keeps delivering to a healthy target while others hang or answer garbage', async () => {
  const healthy = await new HttpReceiver(webhookContract()).start();
  const hanging = await new HttpReceiver(webhookContract()).behave({ kind: 'hang' }).start();
  const notJson = await new HttpReceiver(webhookContract())
    .behave({ kind: 'status', status: 200, body: '<html>definitely not JSON' })
    .start();
  const redirect = await new HttpReceiver(webhookContract())
    .behave({ kind: 'status', status: 302, body: 'moved' })
    .start();
  // One resets each connection as soon as a request arrives; one answers bytes that are not HTTP.
  const resets = await rawServer((socket) => socket.once('data', () => socket.resetAndDestroy()));
  const noise = await rawServer((socket) => socket.once('data', () => socket.end('\u0000\u00ffgarbage\r\n\r\n')));
  cleanups.push(async () => {
    for (const server of [healthy, hanging, notJson, redirect, resets, noise]) await server.close();
  });

  // Target names are shared state (health counters, dead letters): unique ones per run.
  const run = randomUUID().slice(0, 8);
  const name = (label: string) => `faults-${label}-${run}`;
  const faulty = (label: string, url: string): Partial<TargetDefinition> => ({
    name: name(label),
    type: 'webhook',
    routes: [{ labels: FAULTY }],
    settings: { url },
  });
  const stack = await openFaultStack({
    SHARDS: '4',
    BATCH_SIZE: '50',
    TARGETS_FILE: writeTargetsFile([
      { name: name('healthy'), type: 'webhook', settings: { url: healthy.url } },
      { ...faulty('hangs', hanging.url), timeoutMs: HANG_TIMEOUT_MS },
      faulty('not-json', notJson.url),
      faulty('redirects', redirect.url),
      faulty('resets', resets.url),
      faulty('not-http', noise.url),
    ]),
  });
  const { sql } = stack.stack.services.database;
  cleanups.push(async () => {
    await sql`delete from publish_dead_letters where target like ${`faults-%-${run}`}`;
    await sql`delete from publish_log where ${stack.tenant} = any(tenants)`;
    await stack.close();
  });
  onTestFailed(() => console.error(stack.outputs()));
  await Promise.all([stack.gateway(), stack.worker()]);

  /** A light load for LOAD_MS, so delivery lag is the pipeline's, not a commit backlog's. */
  const phase = async (label: string, labels?: Record<string, string>) => {
    const started = Date.now();
    const load = startIngestLoad({
      url: () => stack.url,
      key: stack.key,
      label,
      concurrency: 2,
      alertsPerRequest: 10,
      pauseMs: 100,
      labels,
    });
    await sleep(LOAD_MS);
    await load.stop();
    const stopped = Date.now();
    const stored = await waitUntilStored(sql, stack.tenant, load.accepted, 60_000);
    const committed = Date.now();
    await waitFor(() => deliveryLags(healthy, load.sent).length >= load.accepted.size, 60_000, 100).catch(() => {});
    const lags = deliveryLags(healthy, load.sent);
    return {
      accepted: load.accepted.size,
      stored,
      commitsPerSecond: load.accepted.size / ((committed - started) / 1000),
      commitDrainMs: committed - stopped,
      delivered: lags.length,
      lagP95Ms: lags[Math.floor(0.95 * (lags.length - 1))] ?? Number.POSITIVE_INFINITY,
    };
  };
  const baseline = await phase('baseline');
  const faults = await phase('faults', FAULTY);
  const report = JSON.stringify({ baseline, faults });

  // Commits go on at their pace (generous bounds: this runs on a shared, busy machine), every alert once.
  expect(faults.stored.missing).toEqual([]);
  expect(faults.stored.doubled).toEqual([]);
  expect(faults.commitsPerSecond, report).toBeGreaterThan(0.5 * baseline.commitsPerSecond);
  // The healthy target gets every alert, and not a timeout of the hanging one later: a stall would
  // hold its deliveries for up to HANG_TIMEOUT_MS, noise costs a few seconds at most.
  expect(faults.delivered, report).toBe(faults.accepted);
  expect(faults.lagP95Ms, report).toBeLessThan(baseline.lagP95Ms + HANG_TIMEOUT_MS / 4);
  // Every faulty target was tried; the redirect is a rejection, not a delivery.
  expect(hanging.received.length).toBeGreaterThan(0);
  expect(notJson.received.length).toBeGreaterThan(0);
  expect(resets.connections() * noise.connections()).toBeGreaterThan(0);
  const [redirected] = await sql<{ count: number }[]>`
    select count(*)::int as count from publish_dead_letters
    where target = ${name('redirects')} and status_code = 302 and error_class = 'permanent'`;
  expect(redirected?.count).toBeGreaterThan(0);
}, 240_000);

/** Time from each alert's 202 to its arrival at `receiver`, sorted (alerts of this load only). */
function deliveryLags(receiver: HttpReceiver, sent: readonly Sent[]): number[] {
  const acceptedAt = new Map(
    sent.filter((one) => one.status === 202).flatMap((one) => one.names.map((name) => [name, one.endedAt] as const)),
  );
  const lags = new Map<string, number>();
  for (const request of receiver.accepted)
    for (const alert of (request.json as { alerts: { name: string }[] }).alerts) {
      const at = acceptedAt.get(alert.name);
      if (at !== undefined && !lags.has(alert.name)) lags.set(alert.name, request.at - at);
    }
  return [...lags.values()].sort((a, b) => a - b);
}

/** A TCP server that treats each connection with `onConnection`; counts the connections it got. */
async function rawServer(onConnection: (socket: Socket) => void) {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    connections: () => connections,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
