/**
 * Pipeline throughput: dedup decisions per second in memory, bloom memory and observed false-positive
 * rate, then alerts committed per second by a worker process draining a pre-filled queue with a
 * realistic mix (60% full duplicates). `npm run bench:pipeline [-- --alerts 200000 --per-request 10]`.
 * Requests are enqueued 200 at a time, as a busy gateway does, so each shard's job groups several.
 * The CPU the worker, PostgreSQL and Redis spend per alert while draining shows what bounds the rate.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import type { Alert } from '../src/alert/alert.js';
import { contentHash } from '../src/alert/content-hash.js';
import { type DedupCandidate, DedupState } from '../src/alert/dedup.js';
import { alertId } from '../src/alert/identity.js';
import { loadConfig } from '../src/config.js';
import { COMMITTED_JOBS_KEY } from '../src/queue/backpressure.js';
import { IngestQueues } from '../src/queue/ingest-queues.js';
import { pingRedis } from '../src/redis.js';
import { openServices } from '../src/services.js';
import { cpuSeconds, serviceCpuSeconds } from './lib/probes.js';

const { values } = parseArgs({
  options: {
    alerts: { type: 'string', default: '200000' },
    'per-request': { type: 'string', default: '10' },
    'duplicate-ratio': { type: 'string', default: '0.6' },
  },
});
const totalAlerts = Number(values.alerts);
const perRequest = Number(values['per-request']);
const duplicateRatio = Number(values['duplicate-ratio']);
const tenant = `bench-${randomUUID()}`;
const severities = ['info', 'warning', 'high', 'critical'] as const;

/** ~1 KB alerts over a fingerprint population sized so `duplicateRatio` of them repeat content. */
function makeAlerts(count: number): Alert[] {
  const distinct = Math.max(1, Math.round(count * (1 - duplicateRatio)));
  const now = new Date().toISOString();
  return Array.from({ length: count }, (_, i) => {
    const n = i % distinct;
    return {
      id: alertId(tenant, 'bench', i, now),
      eventId: null,
      name: `HighLatency-${n % 500}`,
      status: 'firing',
      severity: severities[n % severities.length] as Alert['severity'],
      fingerprint: `fp-${n}`,
      lastReceived: now,
      description: `p99 latency above threshold on service ${n % 50} in region eu-west-${n % 3}: ${'x'.repeat(400)}`,
      message: null,
      source: ['prometheus'],
      service: `svc-${n % 50}`,
      environment: 'production',
      url: `https://grafana.example.com/d/abc?var-instance=host-${n}`,
      labels: { alertname: `HighLatency-${n % 500}`, instance: `host-${n}:9100`, job: 'node', team: `team-${n % 7}` },
      extra: { annotations: { runbook: 'https://runbooks.example.com/latency' }, value: String(n) },
      tenant,
      providerType: 'prometheus',
      providerId: null,
      receivedAt: now,
    };
  });
}

function rate(count: number, ms: number): string {
  return Math.round((count * 1000) / ms).toLocaleString('en-US');
}

// 1. In memory: content hashing and dedup decisions, each timed on its second pass (the first
// compiles the hot paths, as a long-running worker has long done).
const sample = makeAlerts(200_000);
const hashAll = () => sample.map((alert) => contentHash(alert));
hashAll();
let started = performance.now();
const hashes = hashAll();
const hashMs = performance.now() - started;
const candidates: DedupCandidate[] = sample.map((alert, i) => ({
  tenant,
  fingerprint: alert.fingerprint,
  contentHash: hashes[i] as string,
  fullDeduplication: true,
}));
const noStore = async () => new Map<string, string>();
/** Decides every candidate, 1,000 per batch, on a fresh shard state; milliseconds taken. */
async function decideAll(): Promise<number> {
  const state = new DedupState({ bloomCapacity: 1_000_000, bloomErrorRate: 0.01, cacheSize: 200_000 });
  const begun = performance.now();
  for (let i = 0; i < candidates.length; i += 1000) {
    const batch = candidates.slice(i, i + 1000);
    const decisions = await state.decide(batch, noStore);
    for (const [j, candidate] of batch.entries()) {
      if (decisions[j] !== 'duplicate') state.remember(candidate.tenant, candidate.fingerprint, candidate.contentHash);
    }
  }
  return performance.now() - begun;
}
await decideAll();
const decideMs = await decideAll();

// Bloom false positives: fill a fresh filter to half its capacity, probe keys never added.
const bloom = new DedupState({ bloomCapacity: 1_000_000, bloomErrorRate: 0.01, cacheSize: 0 });
for (let i = 0; i < 500_000; i++) bloom.remember(tenant, `fill-${i}`, `h${i}`);
const probes = Array.from({ length: 100_000 }, (_, i) => ({
  tenant,
  fingerprint: `probe-${i}`,
  contentHash: `p${i}`,
  fullDeduplication: true,
}));
let lookedUp = 0;
await bloom.decide(probes, async (keys) => {
  lookedUp = keys.length;
  return new Map();
});
const bloomStats = bloom.stats();

// 2. Committed by a worker process from a pre-filled queue.
const prefix = `bench-${randomUUID()}`;
const env = { ...process.env, QUEUE_PREFIX: prefix, LOG_LEVEL: 'warn' };
const config = loadConfig(env);
const services = openServices(config, 'bench');
await pingRedis(services.redis);
const queues = new IngestQueues(services.redis, config.SHARDS, prefix);
const alerts = makeAlerts(totalAlerts);
started = performance.now();
for (let i = 0; i < alerts.length; i += perRequest * 200) {
  const chunk = [];
  for (let j = i; j < Math.min(alerts.length, i + perRequest * 200); j += perRequest) {
    chunk.push(
      queues.enqueue({
        requestId: randomUUID(),
        tenant,
        providerType: 'prometheus',
        alerts: alerts.slice(j, j + perRequest),
      }),
    );
  }
  await Promise.all(chunk);
}
const fillMs = performance.now() - started;
const jobsExpected = Number(
  (await Promise.all(queues.queues.map((queue) => queue.getJobCounts('wait', 'prioritized')))).reduce(
    (sum, counts) => sum + (counts.wait ?? 0) + (counts.prioritized ?? 0),
    0,
  ),
);

/** CPU seconds spent so far by the worker process and by the two services it talks to. */
const cpuSpent = async (workerPid: number) => ({
  worker: await cpuSeconds(workerPid),
  postgres: await serviceCpuSeconds('postgres'),
  redis: await serviceCpuSeconds('redis-server'),
});
const worker = spawn(process.execPath, ['dist/main.js', 'worker'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
const workerPid = worker.pid as number;
const cpuBefore = await cpuSpent(workerPid);
started = performance.now();
let committed = 0;
while (committed < jobsExpected) {
  await new Promise((resolve) => setTimeout(resolve, 100));
  committed = Number(await services.redis.get(`${prefix}:${COMMITTED_JOBS_KEY}`));
  if (performance.now() - started > 600_000) throw new Error('worker did not drain the queue within 10 minutes');
}
const drainMs = performance.now() - started;
const cpuAfter = await cpuSpent(workerPid);
const microsPerAlert = (process: keyof typeof cpuAfter) =>
  ((cpuAfter[process] - cpuBefore[process]) * 1e6) / totalAlerts;
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
  'content hash (in memory)': { figure: `${rate(sample.length, hashMs)} alerts/s` },
  'dedup decisions (in memory, 1,000 per batch)': { figure: `${rate(candidates.length, decideMs)} decisions/s` },
  'bloom memory per shard (1,000,000 capacity)': {
    figure: `${(bloomStats.bloomMemoryBytes / 1024 / 1024).toFixed(2)} MiB`,
  },
  'bloom false positives at 50% fill (target 1%)': { figure: `${((lookedUp / probes.length) * 100).toFixed(3)}%` },
  'queue pre-fill': {
    figure: `${rate(totalAlerts, fillMs)} alerts/s (${perRequest} alerts per request, ${jobsExpected} jobs)`,
  },
  'committed by one worker process': {
    figure: `${rate(totalAlerts, drainMs)} alerts/s (${(drainMs / 1000).toFixed(1)} s)`,
  },
  'stored rows / counted duplicates': { figure: `${stored?.rows} / ${stored?.duplicates} of ${totalAlerts}` },
  'CPU per alert while draining (µs)': {
    figure: `worker ${budget.worker.toFixed(0)}, PostgreSQL ${budget.postgres.toFixed(0)}, Redis ${budget.redis.toFixed(0)}; total ${budgetTotal.toFixed(0)}`,
  },
  [`ceiling that CPU allows on ${availableParallelism()} cores`]: {
    figure: `${rate(availableParallelism() * 1e6, budgetTotal * 1000)} alerts/s`,
  },
});
console.log('targets: ≥ 20,000 alerts/s committed, ≥ 500,000 dedup decisions/s in memory');

await services.database.sql`delete from alerts where tenant = ${tenant}`;
await services.database.sql`delete from last_alert where tenant = ${tenant}`;
const keys = await services.redis.keys(`${prefix}:*`);
for (let i = 0; i < keys.length; i += 1000) await services.redis.del(...keys.slice(i, i + 1000));
await queues.close();
await services.close();
