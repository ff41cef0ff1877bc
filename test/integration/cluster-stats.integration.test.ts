import { randomUUID } from 'node:crypto';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ClusterStats } from '../../src/observe/cluster-stats.js';
import { ProcessStatsPublisher } from '../../src/observe/process-stats.js';
import { createRedis } from '../../src/redis.js';
import { silentLog } from '../support/harness.js';

const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent' });
const redis = createRedis(config, 'test-cluster-stats');
const prefix = `t-${randomUUID()}`;
const publishers: ProcessStatsPublisher[] = [];

beforeAll(async () => {
  if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
});
afterAll(async () => {
  await redis.quit();
});
afterEach(async () => {
  for (const publisher of publishers.splice(0)) await publisher.stop();
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
});

/** A process's metrics: its own registry with the shared families this test uses. */
function processMetrics() {
  const registry = new Registry();
  return {
    registry,
    accepted: new Counter({
      name: 'alertgate_ingest_alerts_accepted_total',
      help: 'x',
      labelNames: ['provider'],
      registers: [registry],
    }),
    circuit: new Gauge({
      name: 'alertgate_publish_circuit_state',
      help: 'x',
      labelNames: ['target'],
      registers: [registry],
    }),
    lag: new Histogram({
      name: 'alertgate_enqueue_to_commit_seconds',
      help: 'x',
      buckets: [0.1, 1, 10],
      registers: [registry],
    }),
    // Not shared: must not travel.
    other: new Counter({ name: 'alertgate_something_else_total', help: 'x', registers: [registry] }),
  };
}

async function share(registry: Registry, role: string): Promise<ProcessStatsPublisher> {
  const publisher = new ProcessStatsPublisher(redis, registry, { prefix, intervalMs: 60_000, role }, silentLog);
  await publisher.start();
  publishers.push(publisher);
  return publisher;
}

describe('shared process counters', () => {
  it('sums counters across processes, survives a restart, and keeps gauges as the worst value', async () => {
    const gateway = processMetrics();
    const worker = processMetrics();
    gateway.accepted.inc({ provider: 'datadog' }, 1000); // before the reader started: a baseline, not growth
    const gatewayShare = await share(gateway.registry, 'serve');
    const workerShare = await share(worker.registry, 'worker');
    const stats = new ClusterStats(redis, { prefix, shareIntervalMs: 60_000, retentionMs: 600_000 });
    await stats.sample();
    expect(stats.processes.map((process) => process.role).sort()).toEqual(['serve', 'worker']);

    gateway.accepted.inc({ provider: 'datadog' }, 10);
    worker.accepted.inc({ provider: 'datadog' }, 5);
    worker.accepted.inc({ provider: 'grafana' }, 2);
    gateway.circuit.set({ target: 'pager' }, 2);
    worker.circuit.set({ target: 'pager' }, 0);
    for (const value of [0.05, 0.05, 0.5, 5]) worker.lag.observe(value);
    gateway.other.inc(99);
    await Promise.all([gatewayShare.publishNow(), workerShare.publishNow()]);
    await stats.sample();
    expect(Object.fromEntries(stats.increase('alertgate_ingest_alerts_accepted_total', 60_000, 'provider'))).toEqual({
      datadog: 15,
      grafana: 2,
    });
    expect(stats.increase('alertgate_something_else_total', 60_000).size).toBe(0);
    expect(Object.fromEntries(stats.gauge('alertgate_publish_circuit_state', 'target'))).toEqual({ pager: 2 });
    // Half the observations are ≤ 0.1 s; the 99th percentile lies in the (1, 10] bucket.
    expect(stats.quantile('alertgate_enqueue_to_commit_seconds', 0.5, 60_000)).toBeCloseTo(0.1);
    expect(stats.quantile('alertgate_enqueue_to_commit_seconds', 0.99, 60_000)).toBeGreaterThan(1);

    // The gateway restarts: its counters start again at zero, and nothing is lost or negative.
    await gatewayShare.stop();
    const restarted = processMetrics();
    restarted.accepted.inc({ provider: 'datadog' }, 3);
    await share(restarted.registry, 'serve');
    await stats.sample();
    expect(Object.fromEntries(stats.increase('alertgate_ingest_alerts_accepted_total', 60_000, 'provider'))).toEqual({
      datadog: 18,
      grafana: 2,
    });
    expect(stats.processes).toHaveLength(2);
    expect(stats.historySeconds).toBeGreaterThan(0);
    const rate = stats.rate('alertgate_ingest_alerts_accepted_total', 60_000, 'provider').get('datadog') ?? 0;
    expect(rate).toBeGreaterThan(0);
  });

  it('forgets a process whose entry expired', async () => {
    const lone = processMetrics();
    const publisher = await share(lone.registry, 'worker');
    const stats = new ClusterStats(redis, { prefix, shareIntervalMs: 60_000, retentionMs: 600_000 });
    await stats.sample();
    expect(stats.processes).toHaveLength(1);
    await publisher.stop();
    await stats.sample();
    expect(stats.processes).toHaveLength(0);
  });
});
