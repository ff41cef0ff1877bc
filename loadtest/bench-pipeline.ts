/**
 * Pipeline throughput: content hashes and dedup decisions per second in memory, bloom memory and
 * observed false-positive rate (as `npm run bench:dedup` prints them), then alerts committed per
 * second by a worker process draining a pre-filled ingest log with a
 * realistic mix (60% full duplicates). `npm run bench:pipeline [-- --alerts 200000 --per-request 10
 * --profile <dir>]` (`--profile` writes the worker's `node --cpu-prof` profile for `npm run loadtest:profile`).
 * Requests are appended 200 at a time, as a busy gateway does (one pipelined round trip).
 * The CPU the worker, PostgreSQL and Redis spend per alert while draining shows what bounds the rate.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { DEFAULT_RULE } from '../src/alert/dedup-rules.js';
import { openServices } from '../src/compose/services.js';
import { loadConfig } from '../src/config.js';
import { COMMITTED_ENTRIES_KEY } from '../src/pipeline/batch-loop.js';
import { IngestLog } from '../src/pipeline/ingest-log.js';
import { pingRedis } from '../src/redis.js';
import { makeBenchAlerts, ratePerSecond } from './lib/bench-alerts.js';
import { measureDedupInMemory } from './lib/dedup-micro.js';
import { cpuSeconds, redisCpuSeconds, serviceCpuSeconds } from './lib/probes.js';

const { values } = parseArgs({
  options: {
    alerts: { type: 'string', default: '200000' },
    'per-request': { type: 'string', default: '10' },
    'duplicate-ratio': { type: 'string', default: '0.6' },
    profile: { type: 'string' },
  },
});
const totalAlerts = Number(values.alerts);
const perRequest = Number(values['per-request']);
const duplicateRatio = Number(values['duplicate-ratio']);
const tenant = `bench-${randomUUID()}`;

// 1. In memory (the figures of `npm run bench:dedup`).
const inMemory = await measureDedupInMemory(tenant);

// 2. Committed by a worker process from a pre-filled ingest log.
const prefix = `bench-${randomUUID()}`;
const env = { ...process.env, QUEUE_PREFIX: prefix, LOG_LEVEL: 'warn' };
const config = loadConfig(env);
const services = openServices(config, 'bench');
await pingRedis(services.redis);
const log = new IngestLog(services.redis, prefix, config.SHARDS, () => DEFAULT_RULE);
const alerts = makeBenchAlerts(tenant, totalAlerts, duplicateRatio);
let started = performance.now();
let entriesExpected = 0;
for (let i = 0; i < alerts.length; i += perRequest * 200) {
  const chunk = [];
  for (let j = i; j < Math.min(alerts.length, i + perRequest * 200); j += perRequest) {
    chunk.push(
      log.append({
        requestId: randomUUID(),
        tenant,
        providerType: 'prometheus',
        providerId: null,
        alerts: alerts.slice(j, j + perRequest),
      }),
    );
  }
  for (const entries of await Promise.all(chunk)) entriesExpected += entries;
}
const fillMs = performance.now() - started;

/** CPU seconds spent so far by the worker process and by the two services it talks to. */
const cpuSpent = async (workerPid: number) => ({
  worker: await cpuSeconds(workerPid),
  postgres: await serviceCpuSeconds('postgres'),
  redis: await redisCpuSeconds(services.redis),
});
const profileFlags = values.profile ? ['--cpu-prof', `--cpu-prof-dir=${values.profile}`] : [];
const worker = spawn(process.execPath, [...profileFlags, 'dist/main.js', 'worker'], {
  env,
  stdio: ['ignore', 'inherit', 'inherit'],
});
const workerPid = worker.pid as number;
const committedEntries = async () => Number(await services.redis.get(`${prefix}:${COMMITTED_ENTRIES_KEY}`));
/** Polls until `done` holds for the committed entry count; returns that count. */
const waitForCommitted = async (done: (entries: number) => boolean) => {
  const deadline = performance.now() + 600_000;
  for (;;) {
    const entries = await committedEntries();
    if (done(entries)) return entries;
    if (performance.now() > deadline) throw new Error('worker did not drain the log within 10 minutes');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};
// Measured from the first commit on: starting the process and taking the shards over is not draining.
const firstCommitted = await waitForCommitted((entries) => entries > 0);
const cpuBefore = await cpuSpent(workerPid);
started = performance.now();
await waitForCommitted((entries) => entries >= entriesExpected);
const drainMs = performance.now() - started;
const cpuAfter = await cpuSpent(workerPid);
/** Alerts committed while measured (entries hold alerts evenly enough: the log is one workload). */
const measuredAlerts = (totalAlerts * (entriesExpected - firstCommitted)) / entriesExpected;
const microsPerAlert = (process: keyof typeof cpuAfter) =>
  ((cpuAfter[process] - cpuBefore[process]) * 1e6) / measuredAlerts;
const budget = {
  worker: microsPerAlert('worker'),
  postgres: microsPerAlert('postgres'),
  redis: microsPerAlert('redis'),
};
const budgetTotal = budget.worker + budget.postgres + budget.redis;
const exited = new Promise((resolve) => worker.once('exit', resolve));
worker.kill('SIGTERM');
await exited;

const [stored] = await services.database.sql<{ rows: number; duplicates: number }[]>`
  select (select count(*)::int from alerts where tenant = ${tenant}) as rows,
         (select coalesce(sum(duplicate_count), 0)::int from last_alert where tenant = ${tenant}) as duplicates`;

console.table({
  'content hash (in memory, alerts)': { figure: inMemory.hashesPerSecond },
  'dedup decisions (in memory, 1,000 per batch)': { figure: inMemory.decisionsPerSecond },
  'bloom memory per shard (1,000,000 capacity)': { figure: `${inMemory.bloomMemoryMiB} MiB` },
  'bloom false positives at 50% fill (target 1%)': { figure: `${inMemory.bloomFalsePositivePercent}%` },
  'ingest log pre-fill': {
    figure: `${ratePerSecond(totalAlerts, fillMs)} alerts/s (${perRequest} alerts per request, ${entriesExpected} entries)`,
  },
  'committed by one worker process': {
    figure: `${ratePerSecond(measuredAlerts, drainMs)} alerts/s (${(drainMs / 1000).toFixed(1)} s from its first commit)`,
  },
  'stored rows / counted duplicates': { figure: `${stored?.rows} / ${stored?.duplicates} of ${totalAlerts}` },
  'CPU per alert while draining (µs)': {
    figure: `worker ${budget.worker.toFixed(0)}, PostgreSQL ${budget.postgres.toFixed(0)}, Redis ${budget.redis.toFixed(0)}; total ${budgetTotal.toFixed(0)}`,
  },
  [`ceiling that CPU allows on ${availableParallelism()} cores`]: {
    figure: `${ratePerSecond(availableParallelism() * 1e6, budgetTotal * 1000)} alerts/s`,
  },
});
console.log(
  'targets: ≥ 25,000 alerts/s committed, ≤ 60 µs CPU per alert (PostgreSQL ≤ 40), ≥ 1,000,000 dedup decisions/s in memory',
);

await services.database.sql`delete from alerts where tenant = ${tenant}`;
await services.database.sql`delete from last_alert where tenant = ${tenant}`;
const keys = [...(await services.redis.keys(`${prefix}:*`)), ...(await services.redis.keys(`{${prefix}:s*`))];
for (let i = 0; i < keys.length; i += 1000) await services.redis.del(...keys.slice(i, i + 1000));
await services.close();
