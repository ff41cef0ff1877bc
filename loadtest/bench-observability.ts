/**
 * `npm run bench:observability`: what watching Alertgate costs. On 127.0.0.1, in a queue namespace
 * of its own: (1) the background queue sample of 16 shards holding a backlog, (2) a /metrics scrape
 * and an admin snapshot, (3) one process-stats share, (4) the HTTP metrics hook, as requests per
 * second of a bare route with and without it (autocannon, a few seconds each). Prints the figures,
 * then removes its Redis keys. BENCH_BACKLOG (jobs, default 20000) and BENCH_SECONDS (per autocannon
 * run, default 5) override the sizes.
 */
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import pino from 'pino';
import type { Alert } from '../src/alert/alert.js';
import { DEFAULT_RULE } from '../src/alert/dedup-rules.js';
import { createQueueSampler } from '../src/compose/gateway.js';
import { openServices } from '../src/compose/services.js';
import { loadConfig } from '../src/config.js';
import { installRequestMetrics } from '../src/http/request-metrics.js';
import * as metrics from '../src/metrics.js';
import { registry } from '../src/metrics.js';
import { AdminSnapshots } from '../src/observe/admin-snapshot.js';
import { archiveSource } from '../src/observe/admin-sources.js';
import { ClusterStats } from '../src/observe/cluster-stats.js';
import { collectShared, ProcessStatsPublisher } from '../src/observe/process-stats.js';
import { IngestLog } from '../src/pipeline/ingest-log.js';

const backlog = Number(process.env.BENCH_BACKLOG ?? 20_000);
const runSeconds = Number(process.env.BENCH_SECONDS ?? 5);
const prefix = `bench-obs-${randomUUID().slice(0, 8)}`;
const config = loadConfig({ ...process.env, LOG_LEVEL: 'warn', QUEUE_PREFIX: prefix, SHARDS: '16' });
if (!/\/\/([^@/]*@)?127\.0\.0\.1[:/]/.test(config.REDIS_URL))
  throw new Error('the benchmark only runs against 127.0.0.1');
const services = openServices(config, 'bench-observability');
const log = pino({ level: 'warn' });

function percentiles(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return `p50 ${at(0.5).toFixed(2)} ms, p99 ${at(0.99).toFixed(2)} ms (n=${values.length})`;
}

async function time(samples: number, work: () => Promise<unknown>): Promise<number[]> {
  const durations: number[] = [];
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    await work();
    durations.push(performance.now() - started);
  }
  return durations;
}

function alert(i: number): Alert {
  const now = new Date().toISOString();
  const severity = (['low', 'info', 'warning', 'high', 'critical'] as const)[i % 5] ?? 'info';
  return {
    id: randomUUID(),
    eventId: null,
    name: `bench-${i}`,
    status: 'firing',
    severity,
    fingerprint: `fp-${i}`,
    tenant: 'bench',
    providerType: 'keep',
    providerId: null,
    receivedAt: now,
    lastReceived: now,
    description: null,
    message: null,
    source: [],
    service: null,
    environment: null,
    url: null,
    labels: {},
    extra: {},
  };
}

async function hookThroughput(withHook: boolean): Promise<number> {
  const app = Fastify({ logger: false });
  if (withHook) installRequestMetrics(app);
  app.get('/ping/:id', async () => ({ ok: true }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };
  const result = await autocannon({ url: `http://127.0.0.1:${port}/ping/1`, connections: 20, duration: runSeconds });
  await app.close();
  return result.requests.average;
}

try {
  if (services.redis.status !== 'ready') await new Promise((resolve) => services.redis.once('ready', resolve));
  const ingestLog = new IngestLog(services.redis, prefix, config.SHARDS, () => DEFAULT_RULE);
  const seeding = performance.now();
  for (let i = 0; i < backlog; i += 500)
    await Promise.all(
      Array.from({ length: Math.min(500, backlog - i) }, (_, j) =>
        ingestLog.append({
          requestId: randomUUID(),
          tenant: 'bench',
          providerType: 'keep',
          providerId: null,
          alerts: [alert(i + j)],
        }),
      ),
    );
  console.log(
    `backlog: ${backlog} entries in 16 shards (seeded in ${((performance.now() - seeding) / 1000).toFixed(1)} s)`,
  );

  // The gateway's sampler, sampled by hand (it is never started).
  const sampler = createQueueSampler(services, config, log);
  console.log(
    `queue sample (16 shards + publish + DLQ):       ${percentiles(await time(100, () => sampler.sampleNow()))}`,
  );
  const depth = sampler.latest()?.queues.reduce((sum, queue) => sum + queue.waiting, 0);
  console.log(`  sampled depth ${depth}, oldest ${sampler.latest()?.queues[0]?.oldestWaitingSeconds.toFixed(1)} s`);

  const metricsText = await registry.metrics();
  console.log(
    `/metrics render (${(Buffer.byteLength(metricsText) / 1024).toFixed(0)} KB):                      ${percentiles(await time(100, () => registry.metrics()))}`,
  );

  const stats = new ProcessStatsPublisher(services.redis, registry, { prefix, intervalMs: 60_000, role: 'bench' }, log);
  await stats.start();
  const shared = JSON.stringify(await collectShared(registry));
  console.log(
    `process-stats share (${(Buffer.byteLength(shared) / 1024).toFixed(1)} KB):                    ${percentiles(await time(100, () => stats.publishNow()))}`,
  );
  const cluster = new ClusterStats(services.redis, { prefix, shareIntervalMs: 1000, retentionMs: 360_000 });
  const snapshots = new AdminSnapshots(cluster, () => sampler.latest(), config.observe.health, {
    archive: archiveSource(services.database, config.archive.archiver.afterDays),
  });
  console.log(
    `admin snapshot build (SSE tick):                 ${percentiles(await time(100, () => snapshots.build()))}`,
  );
  const snapshotBytes = Buffer.byteLength(JSON.stringify(await snapshots.build()));
  console.log(`  snapshot size ${(snapshotBytes / 1024).toFixed(1)} KB per second per open page`);

  // The hook's own work, in isolation: what every request pays.
  const labels = { method: 'POST', route: '/alerts/event/:provider_type', status: '202' };
  const loops = 200_000;
  const loopStarted = performance.now();
  for (let i = 0; i < loops; i++) {
    metrics.httpRequests.inc({ ...labels });
    metrics.httpRequestSeconds.observe({ ...labels }, 0.0012);
  }
  console.log(
    `HTTP metrics hook work: ${(((performance.now() - loopStarted) * 1000) / loops).toFixed(2)} µs per request`,
  );

  // Alternated, twice each: on a shared machine one run alone says little.
  const runs = { bare: [] as number[], hooked: [] as number[] };
  for (let round = 0; round < 2; round++) {
    runs.bare.push(await hookThroughput(false));
    runs.hooked.push(await hookThroughput(true));
  }
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const [bare, hooked] = [mean(runs.bare), mean(runs.hooked)];
  console.log(
    `HTTP metrics hook: ${bare.toFixed(0)} req/s bare, ${hooked.toFixed(0)} req/s with the hook (${(((bare - hooked) / bare) * 100).toFixed(1)}% fewer; runs ${runs.bare.map(Math.round).join('/')} vs ${runs.hooked.map(Math.round).join('/')})`,
  );

  await stats.stop();
  await sampler.stop();
} finally {
  const keys = [...(await services.redis.keys(`${prefix}:*`)), ...(await services.redis.keys(`{${prefix}:s*`))];
  for (let i = 0; i < keys.length; i += 1000) await services.redis.del(...keys.slice(i, i + 1000));
  await services.close();
}
