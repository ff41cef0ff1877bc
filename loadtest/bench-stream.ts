/**
 * `npm run bench:stream`: fan-out latency of the realtime stream, from the moment a batch commits in
 * the worker to the moment each of BENCH_CLIENTS (1,000) SSE clients has the event. Topology as
 * deployed: this process runs the batch worker (with the realtime output) and feeds its
 * ingest log; the gateway is `alertgate serve` in its own process; the clients are spread over
 * BENCH_CLIENT_PROCESSES (4) more.
 * Every client subscribes to the same tenant without filters (each event goes to all of them).
 * BENCH_SECONDS (15) of BENCH_RATE (20) alerts per second after BENCH_WARMUP_SECONDS (2) that are
 * sent but not measured (first-use compilation in every process), then prints p50/p90/p99/p99.9/max.
 * Talks to 127.0.0.1 only and removes what it created.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { build } from 'hdr-histogram-js';
import pino from 'pino';
import type { Alert } from '../src/alert/alert.js';
import { DEFAULT_RULE } from '../src/alert/dedup-rules.js';
import { alertId } from '../src/alert/identity.js';
import { ApiKeyStore } from '../src/auth/api-keys.js';
import { openServices } from '../src/compose/services.js';
import { startBatchWorker } from '../src/compose/worker.js';
import { loadConfig } from '../src/config.js';
import { IngestLog } from '../src/pipeline/ingest-log.js';
import { createRealtimeOutput } from '../src/realtime/commit-listener.js';
import { RealtimeEventLog } from '../src/realtime/event-log.js';
import { freePort } from './lib/stack.js';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 1000);
/** Client processes: a thousand subscribers are a thousand machines, not one event loop. */
const CLIENT_PROCESSES = Number(process.env.BENCH_CLIENT_PROCESSES ?? 4);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const RATE = Number(process.env.BENCH_RATE ?? 20);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const TARGET_P99_MS = 100;
const ROOT = new URL('../', import.meta.url).pathname;

const prefix = `bench-stream-${randomUUID().slice(0, 8)}`;
const tenant = `bench-stream-${randomUUID()}`;
const config = loadConfig({ ...process.env, QUEUE_PREFIX: prefix, LOG_LEVEL: 'warn', SHARDS: '4' });
for (const url of [config.DATABASE_URL, config.REDIS_URL]) {
  if (!/\/\/([^@/]*@)?127\.0\.0\.1[:/]/.test(url))
    throw new Error(`the benchmark only runs against 127.0.0.1, not ${url}`);
}
const log = pino({ level: 'warn' });
const services = openServices(config, 'bench-stream');
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const children: ChildProcess[] = [];

function alertFor(i: number, requestId: string): Alert {
  const at = new Date().toISOString();
  return {
    id: alertId(tenant, requestId, 0, at),
    eventId: null,
    name: `bench alert ${i}`,
    status: 'firing',
    severity: i % 2 === 0 ? 'critical' : 'warning',
    fingerprint: `bench-${i}`,
    tenant,
    providerType: 'prometheus',
    providerId: null,
    receivedAt: at,
    lastReceived: at,
    description: 'checkout p99 latency above 2 s for 5 minutes',
    message: null,
    source: ['prometheus'],
    service: 'checkout',
    environment: 'prod',
    url: null,
    labels: { team: 'payments', region: 'eu-1', alertname: 'HighLatency' },
    extra: {},
  };
}

function ask<T>(child: ChildProcess, message: object, type: string): Promise<T> {
  return new Promise((resolve) => {
    const listener = (reply: { type: string }) => {
      if (reply.type !== type) return;
      child.off('message', listener);
      resolve(reply as T);
    };
    child.on('message', listener);
    child.send(message);
  });
}

async function main(): Promise<void> {
  const { key, id: keyId } = await new ApiKeyStore(services.database.db, 0).create({ tenant, name: 'bench-stream' });

  const port = await freePort();
  const profile = process.env.BENCH_GATEWAY_PROFILE; // a directory: CPU profile of the gateway
  const flags = profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : [];
  const gateway = spawn(process.execPath, [...flags, '--import', 'tsx', 'src/main.ts', 'serve'], {
    cwd: ROOT,
    env: {
      ...process.env,
      QUEUE_PREFIX: prefix,
      SHARDS: '4',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      ELASTICSEARCH_REQUIRED: 'false',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  children.push(gateway);
  const url = `http://127.0.0.1:${port}`;
  for (let tries = 0; ; tries++) {
    if (gateway.exitCode !== null) throw new Error(`gateway exited with ${gateway.exitCode}`);
    if (
      await fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (tries > 240) throw new Error('gateway not ready after 60 s');
    await sleep(250);
  }

  const commits = new Map<string, number>();
  const measured = new Set<string>();
  const events = new RealtimeEventLog(services.redis, prefix, config.REALTIME_REPLAY_EVENTS);
  const worker = await startBatchWorker(services, log, {
    config,
    outputs: [
      // First, so the time is taken right after the commit, before the stream publish.
      {
        name: 'commit-time',
        run: async (batch) => {
          const at = now();
          for (const { alert } of batch.alerts) if (measured.has(alert.id)) commits.set(alert.id, at);
        },
      },
      createRealtimeOutput(events, log),
    ],
  });

  const opened = performance.now();
  const clientProcesses = Array.from({ length: CLIENT_PROCESSES }, (_, i) => {
    const share = Math.floor(CLIENTS / CLIENT_PROCESSES) + (i < CLIENTS % CLIENT_PROCESSES ? 1 : 0);
    const child = fork(new URL('./stream/clients-process.ts', import.meta.url).pathname, [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, STREAM_URL: url, STREAM_KEY: key, STREAM_CLIENTS: String(share) },
    });
    children.push(child);
    return child;
  });
  await Promise.all(
    clientProcesses.map(
      (child) =>
        new Promise<void>((resolve, reject) => {
          child.once('message', () => resolve());
          child.once('exit', (code) => reject(new Error(`clients exited with ${code}`)));
        }),
    ),
  );
  console.log(`${CLIENTS} SSE clients connected in ${((performance.now() - opened) / 1000).toFixed(1)} s`);

  const ingestLog = new IngestLog(services.redis, prefix, config.SHARDS, () => DEFAULT_RULE);
  const warmup = WARMUP_SECONDS * RATE;
  const total = SECONDS * RATE;
  const started = performance.now();
  for (let i = 0; i < warmup + total; i++) {
    const requestId = randomUUID();
    const alert = alertFor(i, requestId);
    if (i >= warmup) measured.add(alert.id);
    await ingestLog.append({ requestId, tenant, providerType: 'prometheus', providerId: null, alerts: [alert] });
    const due = started + ((i + 1) * 1000) / RATE;
    await sleep(Math.max(0, due - performance.now()));
  }
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const counts = await Promise.all(
      clientProcesses.map((child) => ask<{ received: number }>(child, { type: 'count' }, 'count')),
    );
    const received = counts.reduce((sum, count) => sum + count.received, 0);
    if (received >= (warmup + total) * CLIENTS && commits.size >= total) break;
    await sleep(250);
  }
  const reports = await Promise.all(
    clientProcesses.map((child) =>
      ask<{ latencies: number[]; missing: number; closed: number }>(
        child,
        { type: 'report', commits: Object.fromEntries(commits) },
        'report',
      ),
    ),
  );
  await worker.stop();
  const histogram = build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
  });
  let max = 0;
  for (const { latencies } of reports)
    for (const ms of latencies) {
      histogram.recordValue(Math.max(1, Math.round(ms * 1000))); // microseconds
      max = Math.max(max, ms);
    }
  const at = (q: number) => (histogram.getValueAtPercentile(q) / 1000).toFixed(1);
  const report = {
    samples: histogram.totalCount,
    missing: reports.reduce((sum, r) => sum + r.missing, 0),
    closed: reports.reduce((sum, r) => sum + r.closed, 0),
    p50: at(50),
    p90: at(90),
    p99: Number(at(99)),
    p999: at(99.9),
    max: max.toFixed(1),
  };

  console.log(
    `\nstream fan-out: ${total} alerts over ${SECONDS} s (${RATE}/s, after ${WARMUP_SECONDS} s of warm-up) to ${CLIENTS} SSE clients`,
  );
  console.log(`  deliveries measured  ${report.samples} (missing ${report.missing}, streams closed ${report.closed})`);
  console.log(`  commit → receive     p50 ${report.p50} ms   p90 ${report.p90} ms   p99 ${report.p99} ms`);
  console.log(`                       p99.9 ${report.p999} ms   max ${report.max} ms`);
  console.log(`  target p99 ≤ ${TARGET_P99_MS} ms: ${report.p99 <= TARGET_P99_MS ? 'met' : 'NOT met'}`);
  console.log('  (2-core machine shared with other work; worker, gateway and clients on the same cores)');

  const { sql } = services.database;
  await sql`delete from alerts where tenant = ${tenant}`;
  await sql`delete from last_alert where tenant = ${tenant}`;
  await sql`delete from api_keys where id = ${keyId}`;
}

try {
  await main();
} finally {
  // SIGTERM lets the gateway drain (and write its CPU profile); SIGKILL whatever is left after 10 s.
  const exits = children.map((child) =>
    child.exitCode === null ? new Promise((resolve) => child.once('exit', resolve)) : Promise.resolve(),
  );
  for (const child of children) child.kill('SIGTERM');
  await Promise.race([Promise.all(exits), sleep(10_000)]);
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  const keys = [...(await services.redis.keys(`${prefix}:*`)), ...(await services.redis.keys(`{${prefix}:s*`))];
  if (keys.length > 0) await services.redis.del(...keys);
  await services.close();
}
