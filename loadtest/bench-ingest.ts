/**
 * Gateway ingest throughput next to a bare Fastify route, same payloads, same run.
 * `npm run bench:ingest [-- --duration 10 --connections 50 --profile <dir>]` (`--profile` writes the
 * gateway's `node --cpu-prof` profile there; `npm run loadtest:profile -- <dir>` summarizes it). Workers are not running, so this
 * measures auth, rate limiting, parsing, normalizing, fingerprinting and the durable enqueue alone.
 * CPU per request of the server, of Redis and of the load generator (this process) is steadier than
 * req/s on a busy machine, and their sum bounds the rate the machine's cores allow.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { ApiKeyStore } from '../src/auth/api-keys.js';
import { openServices } from '../src/compose/services.js';
import { loadConfig } from '../src/config.js';
import { cpuSeconds, redisCpuSeconds } from './lib/probes.js';
import { type ServerProcess, spawnServer } from './servers/spawn.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    profile: { type: 'string' },
  },
});
const duration = Number(values.duration);
const connections = Number(values.connections);
const WARM_UP_SECONDS = 2;

const fixture = (path: string) =>
  JSON.parse(readFileSync(new URL(`../test/fixtures/providers/${path}`, import.meta.url), 'utf8'));
const alertmanagerGroup = fixture('prometheus/alertmanager-batch.json');
const [firstAlert] = alertmanagerGroup.alerts;
/** Alertmanager groups of `count` alerts, each a distinct instance (so a distinct fingerprint). */
const alertmanagerBody = (count: number) =>
  JSON.stringify({
    ...alertmanagerGroup,
    alerts: Array.from({ length: count }, (_, i) => ({
      ...firstAlert,
      labels: { ...firstAlert.labels, instance: `10.0.3.${i}:9100` },
    })),
  });
const payloads = [
  { provider: 'alertmanager', alerts: 1, body: alertmanagerBody(1) },
  { provider: 'alertmanager', alerts: 10, body: alertmanagerBody(10) },
  { provider: 'datadog', alerts: 1, body: JSON.stringify(fixture('datadog/triggered.json')) },
];

const prefix = `bench-${randomUUID()}`;
const env = {
  ...process.env,
  QUEUE_PREFIX: prefix,
  LOG_LEVEL: 'info',
  HOST: '127.0.0.1',
  PORT: '0',
  RATE_LIMIT_CAPACITY: '100000000',
  RATE_LIMIT_REFILL_PER_SECOND: '100000000',
  BACKPRESSURE_HIGH_WATERMARK: '50000000',
  BACKPRESSURE_LOW_WATERMARK: '40000000',
  BACKPRESSURE_MAX_AGE_SECONDS: '86400',
};
const config = loadConfig(env);
const services = openServices(config, 'bench');
const key = (await new ApiKeyStore(services.database.db, 0).create({ tenant: `bench-${randomUUID()}`, name: 'bench' }))
  .key;

/** CPU seconds spent so far by the server, by Redis, and by this process (the load generator). */
async function cpuSpent(pid: number) {
  const self = process.cpuUsage();
  return {
    server: await cpuSeconds(pid),
    redis: await redisCpuSeconds(services.redis),
    generator: (self.user + self.system) / 1e6,
  };
}

/** Throughput and latency of one server, and the CPU each process spent per accepted request. */
async function measure(server: ServerProcess, provider: string, body: string) {
  const pid = server.child.pid as number;
  const load = (seconds: number) =>
    autocannon({
      url: `http://127.0.0.1:${server.port}/alerts/event/${provider}`,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body,
      connections,
      duration: seconds,
    });
  // Unmeasured warm-up: the first seconds of a fresh process are spent compiling its hot paths.
  await load(WARM_UP_SECONDS);
  const cpuBefore = await cpuSpent(pid);
  const result = await load(duration);
  const ok = result['2xx'];
  const cpuAfter = await cpuSpent(pid);
  const perRequest = (process: keyof typeof cpuAfter) =>
    ok > 0 ? Math.round(((cpuAfter[process] - cpuBefore[process]) * 1e6) / ok) : 0;
  return {
    cpu: { server: perRequest('server'), redis: perRequest('redis'), generator: perRequest('generator') },
    reqPerSec: Math.round(ok / duration),
    mbPerSec: (ok * Buffer.byteLength(body)) / duration / 1e6,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
  };
}

const rows: Record<string, unknown>[] = [];
const bare = await spawnServer(['--import', 'tsx', 'loadtest/servers/bare.ts']);
const gateway = await spawnServer(
  [...(values.profile ? ['--cpu-prof', `--cpu-prof-dir=${values.profile}`] : []), 'dist/main.js', 'serve'],
  env,
).catch(async (error) => {
  await bare.stop();
  await services.close();
  throw error;
});
try {
  for (const { provider, alerts, body } of payloads) {
    const reference = await measure(bare, provider, body);
    const ours = await measure(gateway, provider, body);
    const payload = `${provider} ×${alerts} (${Buffer.byteLength(body)} B)`;
    rows.push({ payload, server: 'bare fastify', ...format(reference, alerts) });
    rows.push({
      payload,
      server: 'alertgate',
      ...format(ours, alerts),
      'vs bare': `${Math.round((ours.reqPerSec / reference.reqPerSec) * 100)}%`,
    });
  }
} finally {
  await Promise.all([bare.stop(), gateway.stop()]);
  const keys = [...(await services.redis.keys(`${prefix}:*`)), ...(await services.redis.keys(`{${prefix}:s*`))];
  for (let i = 0; i < keys.length; i += 1000) await services.redis.del(...keys.slice(i, i + 1000));
  await services.close();
}
console.table(rows);
console.log(
  'targets: alertgate ≥ 0.55× the bare route (≥ 0.6× with 10-alert requests) in the same run; gateway + Redis ≤ 100 µs CPU per single-alert request',
);

function format(result: Awaited<ReturnType<typeof measure>>, alertsPerRequest: number) {
  return {
    'req/s': result.reqPerSec,
    'alerts/s': result.reqPerSec * alertsPerRequest,
    'MB/s': result.mbPerSec.toFixed(2),
    'p50 ms': result.p50,
    'p99 ms': result.p99,
    'CPU µs/req': result.cpu.server,
    'Redis µs/req': result.cpu.redis,
    'generator µs/req': result.cpu.generator,
    // Requests/s the machine's cores could carry at this CPU per request, with nothing else running.
    'CPU ceiling req/s': Math.round(
      (availableParallelism() * 1e6) / (result.cpu.server + result.cpu.redis + result.cpu.generator),
    ),
    errors: result.errors,
  };
}
