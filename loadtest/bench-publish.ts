/**
 * Publish fan-out benchmark, all on 127.0.0.1 and bounded in time. Receivers run in a child
 * process so they do not share the publisher's event loop.
 *  1. Five targets each adding 100 ms: p50/p99 fan-out latency of a batch, against sending to the
 *     five one after another, and batches/s with 50 batches in flight.
 *  2. Five fast targets: batch publishes/s through the fan-out (and CPU per delivery), then
 *     end to end through the `publish` queue (after-commit output → BullMQ → worker → targets).
 *  3. Per-target overhead: one delivery through the wrapper vs the bare HTTP request.
 * `npm run bench:publish [-- --seconds 5 --latency-batches 200]`
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { Agent, request } from 'undici';
import type { Alert } from '../src/alert/alert.js';
import { openServices } from '../src/compose/services.js';
import { startPublisher, startPublishPipeline } from '../src/compose/worker.js';
import { loadConfig } from '../src/config.js';
import { pingRedis } from '../src/redis.js';
import { makeAlert, writeTargetsFile } from '../test/support/publish.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    'latency-batches': { type: 'string', default: '200' },
    'alerts-per-batch': { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '128' },
  },
});
const SECONDS = Number(values.seconds);
const LATENCY_BATCHES = Number(values['latency-batches']);
const PER_BATCH = Number(values['alerts-per-batch']);
const CONCURRENCY = Number(values.concurrency);
const log = pino({ level: 'silent' });

/** 5 slow (100 ms) and 5 fast receivers in a child process; prints their ports as JSON. */
const RECEIVERS = `
const http = require('node:http');
const start = (delay) => new Promise((resolve) => {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const answer = () => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"ok":true}'); };
      delay ? setTimeout(answer, delay) : answer();
    });
  });
  server.keepAliveTimeout = 60000;
  server.listen(0, '127.0.0.1', () => resolve(server.address().port));
});
Promise.all([...Array(5)].map(() => start(100)).concat([...Array(5)].map(() => start(0))))
  .then((ports) => console.log(JSON.stringify(ports)));
setTimeout(() => process.exit(0), ${(SECONDS * 4 + 120) * 1000}).unref();
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
`;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}
const ms = (n: number) => `${n.toFixed(1)} ms`;

function makeBatch(tenant: string): { batchId: string; alerts: Alert[] } {
  const alerts = Array.from({ length: PER_BATCH }, (_, i) =>
    makeAlert(tenant, {
      name: `BenchAlert${i}`,
      description: 'benchmark alert',
      message: 'p99 latency above threshold',
      url: null,
      labels: { team: 'bench', region: 'eu-1' },
    }),
  );
  return { batchId: randomUUID(), alerts };
}

async function main(): Promise<void> {
  const child = spawn(process.execPath, ['-e', RECEIVERS], { stdio: ['pipe', 'pipe', 'inherit'] });
  const ports: number[] = await new Promise((resolve) =>
    child.stdout.once('data', (data) => resolve(JSON.parse(String(data)))),
  );
  const slow = ports.slice(0, 5);
  const fast = ports.slice(5);
  const tenant = `bench-${randomUUID()}`;
  const target = (group: string, port: number, i: number) => ({
    name: `bench-${group}-${i}-${randomUUID().slice(0, 8)}`,
    type: 'webhook' as const,
    routes: [{ tenants: [tenant], labels: { group } }],
    settings: { url: `http://127.0.0.1:${port}/hook` },
  });
  const file = writeTargetsFile([
    ...slow.map((p, i) => target('slow', p, i)),
    ...fast.map((p, i) => target('fast', p, i)),
  ]);
  const config = loadConfig({
    ...process.env,
    LOG_LEVEL: 'silent',
    QUEUE_PREFIX: `bench-${randomUUID()}`,
    TARGETS_FILE: file,
  });
  const services = openServices(config, 'bench');
  await pingRedis(services.redis);
  const pipeline = await startPublishPipeline(services, log, {
    scheduleRetry: async () => {},
  });
  const batchFor = (group: 'slow' | 'fast') => {
    const batch = makeBatch(tenant);
    for (const alert of batch.alerts) alert.labels.group = group;
    return batch;
  };
  const slowTargets = pipeline.catalog.list().filter((t) => t.name.startsWith('bench-slow'));

  const [load1] = loadavg();
  console.log(
    `publish fan-out benchmark (${PER_BATCH} alerts per batch, receivers in a child process; ` +
      `load average ${load1?.toFixed(1)} on ${availableParallelism()} CPUs)\n`,
  );

  // 1a. Latency, one batch at a time.
  for (let i = 0; i < 10; i++) await pipeline.fanOut(batchFor('slow')); // warm-up: connections open
  const parallel: number[] = [];
  for (let i = 0; i < LATENCY_BATCHES; i++) {
    const started = performance.now();
    const result = await pipeline.fanOut(batchFor('slow'));
    parallel.push(performance.now() - started);
    if (result.succeeded !== 5) throw new Error(`expected 5 deliveries, got ${JSON.stringify(result)}`);
  }
  const sequential: number[] = [];
  for (let i = 0; i < Math.min(50, LATENCY_BATCHES); i++) {
    const batch = batchFor('slow');
    const started = performance.now();
    for (const t of slowTargets)
      await pipeline.deliver(t, batch.alerts, { batchId: batch.batchId, messageId: `msg_${i}` });
    sequential.push(performance.now() - started);
  }
  parallel.sort((a, b) => a - b);
  sequential.sort((a, b) => a - b);
  console.log('1. five targets, each +100 ms');
  console.log(
    `   parallel fan-out   p50 ${ms(percentile(parallel, 50))}  p99 ${ms(percentile(parallel, 99))}  (${parallel.length} batches)`,
  );
  console.log(
    `   sequential         p50 ${ms(percentile(sequential, 50))}  p99 ${ms(percentile(sequential, 99))}  (${sequential.length} batches)`,
  );

  // 1b. Batches/s with 50 batches in flight.
  const inflight = async (group: 'slow' | 'fast', lanes: number, seconds: number) => {
    const deadline = performance.now() + seconds * 1000;
    let batches = 0;
    const cpu = process.cpuUsage();
    const started = performance.now();
    await Promise.all(
      Array.from({ length: lanes }, async () => {
        while (performance.now() < deadline) {
          const result = await pipeline.fanOut(batchFor(group));
          if (result.succeeded !== 5) throw new Error(`delivery failed: ${JSON.stringify(result.results[0])}`);
          batches++;
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    return {
      perSecond: batches / elapsed,
      cpuPerDeliveryMs: (used.user + used.system) / 1000 / (batches * 5),
      batches,
    };
  };
  /** The same load with a bare undici client (5 parallel POSTs per batch): what this box allows right now. */
  const bareInflight = async (group: 'slow' | 'fast', lanes: number, seconds: number) => {
    const agent = new Agent({ connections: 64 });
    const group5 = group === 'slow' ? slow : fast;
    const deadline = performance.now() + seconds * 1000;
    let batches = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: lanes }, async () => {
        while (performance.now() < deadline) {
          const body = JSON.stringify({ type: 'alerts.batch', tenant, alerts: batchFor(group).alerts });
          await Promise.all(
            group5.map(async (port) => {
              const response = await request(`http://127.0.0.1:${port}/hook`, {
                method: 'POST',
                body,
                dispatcher: agent,
              });
              await response.body.text();
            }),
          );
          batches++;
        }
      }),
    );
    await agent.close();
    return batches / ((performance.now() - started) / 1000);
  };
  const slowRate = await inflight('slow', 50, Math.min(SECONDS, 3));
  const slowBare = await bareInflight('slow', 50, Math.min(SECONDS, 3));
  console.log(
    `   throughput, 50 batches in flight: ${slowRate.perSecond.toFixed(0)} batches/s (bare HTTP client on this box now: ${slowBare.toFixed(0)})`,
  );

  // 2a. Fast targets: batch publishes/s through the fan-out.
  await inflight('fast', CONCURRENCY, 1); // warm-up
  const fastRate = await inflight('fast', CONCURRENCY, SECONDS);
  const fastBare = await bareInflight('fast', CONCURRENCY, SECONDS);
  console.log('\n2. five fast targets');
  console.log(
    `   fan-out: ${fastRate.perSecond.toFixed(0)} batch publishes/s (${(fastRate.perSecond * 5).toFixed(0)} deliveries/s, ` +
      `${CONCURRENCY} in flight, ${fastRate.batches} batches, publish_log on), CPU ${fastRate.cpuPerDeliveryMs.toFixed(3)} ms per delivery`,
  );
  console.log(
    `   bare HTTP client, same load: ${fastBare.toFixed(0)} batches/s → fan-out reaches ${((100 * fastRate.perSecond) / fastBare).toFixed(0)} % of it; ` +
      `CPU-bound ceiling of the fan-out on one core: ${(1000 / (fastRate.cpuPerDeliveryMs * 5)).toFixed(0)} batches/s`,
  );

  // 3. Per-target overhead: the wrapper (rate limit, breaker, health, metrics) vs a bare request.
  const fastTarget = pipeline.catalog
    .list()
    .find((t) => t.name.startsWith('bench-fast')) as (typeof slowTargets)[number];
  const bare: number[] = [];
  const wrapped: number[] = [];
  const batch = batchFor('fast');
  const body = JSON.stringify({ type: 'alerts.batch', tenant, alerts: batch.alerts });
  for (let i = 0; i < 2000; i++) {
    let started = performance.now();
    const response = await request(`http://127.0.0.1:${fast[0]}/hook`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
    });
    await response.body.text();
    bare.push(performance.now() - started);
    started = performance.now();
    await pipeline.deliver(fastTarget, batch.alerts, { batchId: batch.batchId, messageId: 'msg_overhead' });
    wrapped.push(performance.now() - started);
  }
  const mean = (xs: number[]) => xs.slice(200).reduce((a, b) => a + b, 0) / (xs.length - 200);
  console.log(
    `\n3. per-target overhead: delivery ${ms(mean(wrapped))} vs bare request ${ms(mean(bare))} → ${ms(mean(wrapped) - mean(bare))} per target`,
  );
  await pipeline.stop();

  // 2b. End to end through the queue: after-commit output → BullMQ publish job → worker fan-out.
  const queued = loadConfig({
    ...process.env,
    LOG_LEVEL: 'silent',
    QUEUE_PREFIX: config.QUEUE_PREFIX,
    TARGETS_FILE: file,
    PUBLISH_JOB_CONCURRENCY: '128',
  });
  const publisher = await startPublisher(services, log, { config: queued });
  const total = Math.round(Math.min(fastRate.perSecond, 3000) * SECONDS);
  const startedQueue = performance.now();
  for (let i = 0; i < total; i += 100)
    await Promise.all(
      Array.from({ length: Math.min(100, total - i) }, () =>
        publisher.output.run({
          id: randomUUID(),
          shard: 0,
          alerts: batchFor('fast').alerts.map((alert) => ({
            alert,
            json: JSON.stringify(alert),
            change: 'new' as const,
            state: 'firing',
            episodeStartedAt: null,
          })),
        }),
      ),
    );
  const enqueued = performance.now();
  for (;;) {
    const counts = await publisher.queue.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    if (Object.values(counts).every((n) => n === 0)) break;
    if (performance.now() - startedQueue > 120_000) throw new Error('queue did not drain in 120 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const drained = (performance.now() - startedQueue) / 1000;
  console.log(
    `   through the publish queue: ${(total / drained).toFixed(0)} batch publishes/s end to end ` +
      `(${total} batches; enqueue ${((enqueued - startedQueue) / 1000).toFixed(2)} s, drained ${drained.toFixed(2)} s)`,
  );

  await publisher.stop();
  await services.database.sql`delete from publish_log where tenants && ${[tenant]}::text[]`;
  const keys = await services.redis.keys(`${config.QUEUE_PREFIX}:*`);
  for (let i = 0; i < keys.length; i += 1000) await services.redis.del(...keys.slice(i, i + 1000));
  await services.close();
  child.stdin.end();
  child.kill();

  const p99 = percentile(parallel, 99);
  console.log(
    '\ntargets: p99 ≤ 150 ms for 5 targets (sequential ≥ 500 ms); overhead ≤ 1 ms per target; ≥ 1,000 batch publishes/s',
  );
  console.log(
    `result:  p99 ${p99 <= 150 ? 'met' : 'MISSED'}; sequential ${percentile(sequential, 50) >= 500 ? '≥ 500 ms' : '< 500 ms'}; ` +
      `overhead ${mean(wrapped) - mean(bare) <= 1 ? 'met' : 'MISSED'}; throughput ${fastRate.perSecond >= 1000 ? 'met' : 'MISSED'}`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
