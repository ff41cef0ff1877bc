import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/compose/gateway.js';
import { COMMITTED_ENTRIES_KEY } from '../../src/pipeline/batch-loop.js';
import { openTestStack, pendingEntries, type TestStack, uniqueTenant, waitFor } from '../support/harness.js';
import { declaredFamilies, parsePrometheus, type Sample, total } from '../support/prometheus-text.js';

const INGEST_ROUTE = '/alerts/event/:provider_type';

let stack: TestStack;
let gateway: Gateway;
let key: string;

function limitsFile(): string {
  const file = join(tmpdir(), `limits-${randomUUID()}.yaml`);
  // keep: exactly six requests, then 429 (no refill worth mentioning during the test).
  writeFileSync(file, 'providers:\n  keep:\n    capacity: 6\n    refillPerSecond: 0.001\n');
  return file;
}

async function scrape(): Promise<{ text: string; samples: Sample[] }> {
  const response = await gateway.app.inject({ url: '/metrics' });
  expect(response.statusCode).toBe(200);
  expect(response.headers['content-type']).toMatch(/^text\/plain/);
  return { text: response.body, samples: parsePrometheus(response.body) };
}

async function post(provider: string, body: unknown) {
  const payload = JSON.stringify(body);
  const response = await gateway.app.inject({
    method: 'POST',
    url: `/alerts/event/${provider}`,
    headers: { 'x-api-key': key, 'content-type': 'application/json' },
    payload,
  });
  return { status: response.statusCode, bytes: Buffer.byteLength(payload) };
}

beforeAll(async () => {
  stack = openTestStack({ SHARDS: '2', RATE_LIMITS_FILE: limitsFile(), QUEUE_SAMPLE_INTERVAL_MS: '200' });
  gateway = await stack.gateway();
  key = await stack.createKey(uniqueTenant('metrics'));
});
afterAll(async () => {
  await stack.close();
});

describe('GET /metrics after a known workload', () => {
  it('counts requests, bytes, 429s, queue depth by lane, dedup outcomes, batches and lag', async () => {
    const before = (await scrape()).samples;
    const delta = (after: Sample[], name: string, labels: Record<string, string> = {}) =>
      total(after, name, labels) - total(before, name, labels);

    // Phase 1, no worker: six keep requests (one alert each) pass the bucket, the seventh is refused.
    const severities = ['critical', 'critical', 'warning', 'info', 'high', 'low'];
    let keepBytes = 0;
    for (const [index, severity] of severities.entries()) {
      const sent = await post('keep', { name: `metrics-${index}`, severity });
      expect(sent.status).toBe(202);
      keepBytes += sent.bytes;
    }
    expect((await post('keep', { name: 'refused', severity: 'info' })).status).toBe(429);
    const promBody = {
      alerts: [
        { labels: { alertname: 'DiskFullA', severity: 'warning' }, startsAt: '2026-01-01T00:00:00Z' },
        { labels: { alertname: 'DiskFullB', severity: 'warning' }, startsAt: '2026-01-01T00:00:00Z' },
      ],
    };
    const prom = await post('prometheus', promBody);
    expect(prom.status).toBe(202);

    // Depth by shard and priority is sampled in the background; wait until it sees every job.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    // The first call may join a sample already in flight; the second starts after every post.
    await gateway.sampler.sampleNow();
    await gateway.sampler.sampleNow();
    const queued = (await scrape()).samples;
    const waitingEntries = await pendingEntries(gateway.ingestLog);
    // The critical, critical and high keep alerts took the urgent lane (one entry each).
    const urgentEntries = 3;
    expect(waitingEntries).toBeGreaterThanOrEqual(7);
    expect(total(queued, 'alertgate_ingest_queue_depth')).toBe(waitingEntries);
    expect(total(queued, 'alertgate_ingest_queue_depth', { priority: 'urgent' })).toBe(urgentEntries);
    expect(total(queued, 'alertgate_ingest_queue_depth', { priority: 'normal' })).toBe(waitingEntries - urgentEntries);
    expect(total(queued, 'alertgate_queue_jobs', { state: 'waiting' })).toBe(waitingEntries);
    const oldest = Math.max(
      ...queued.filter((s) => s.name === 'alertgate_queue_oldest_waiting_seconds').map((s) => s.value),
    );
    expect(oldest).toBeGreaterThanOrEqual(1);
    expect(oldest).toBeLessThan(30);
    expect(total(queued, 'alertgate_live_workers')).toBe(0);
    expect(total(queued, 'alertgate_queue_health_status')).toBe(2);

    // Phase 2: a worker drains the queue; the same Prometheus payload again is a pair of duplicates.
    await stack.worker();
    await waitFor(async () => (await pendingEntries(gateway.ingestLog)) === 0);
    expect((await post('prometheus', promBody)).status).toBe(202);
    await waitFor(
      async () => delta((await scrape()).samples, 'alertgate_dedup_alerts_total', { outcome: 'duplicate' }) === 2,
    );
    await waitFor(async () => {
      await gateway.sampler.sampleNow();
      return total((await scrape()).samples, 'alertgate_live_workers') === 1;
    });

    const { text, samples: after } = await scrape();
    const committedEntries = Number(
      await stack.services.redis.get(`${stack.config.QUEUE_PREFIX}:${COMMITTED_ENTRIES_KEY}`),
    );

    expect(delta(after, 'alertgate_http_requests_total', { route: INGEST_ROUTE, status: '202' })).toBe(8);
    expect(delta(after, 'alertgate_http_requests_total', { route: INGEST_ROUTE, status: '429' })).toBe(1);
    expect(delta(after, 'alertgate_http_request_duration_seconds_count', { route: INGEST_ROUTE, status: '202' })).toBe(
      8,
    );
    expect(delta(after, 'alertgate_http_request_duration_seconds_sum', { route: INGEST_ROUTE })).toBeGreaterThan(0);
    expect(delta(after, 'alertgate_ingest_alerts_accepted_total', { provider: 'keep' })).toBe(6);
    expect(delta(after, 'alertgate_ingest_alerts_accepted_total', { provider: 'prometheus' })).toBe(4);
    expect(delta(after, 'alertgate_ingest_bytes_accepted_total', { provider: 'keep' })).toBe(keepBytes);
    expect(delta(after, 'alertgate_ingest_bytes_accepted_total', { provider: 'prometheus' })).toBe(2 * prom.bytes);
    expect(delta(after, 'alertgate_ingest_requests_rejected_total', { provider: 'keep', reason: 'rate_limited' })).toBe(
      1,
    );
    expect(delta(after, 'alertgate_dedup_alerts_total', { provider: 'keep', outcome: 'new' })).toBe(6);
    expect(delta(after, 'alertgate_dedup_alerts_total', { provider: 'prometheus', outcome: 'new' })).toBe(2);
    expect(delta(after, 'alertgate_dedup_alerts_total', { provider: 'prometheus', outcome: 'duplicate' })).toBe(2);
    expect(delta(after, 'alertgate_batch_alerts_sum')).toBe(10);
    expect(delta(after, 'alertgate_batch_commit_seconds_count')).toBe(delta(after, 'alertgate_batch_alerts_count'));
    expect(delta(after, 'alertgate_enqueue_to_commit_seconds_count')).toBe(committedEntries);
    // The first jobs waited at least the second of phase 1 before a worker existed.
    expect(delta(after, 'alertgate_enqueue_to_commit_seconds_bucket', { le: '0.5' })).toBeLessThan(committedEntries);
    expect(
      Math.max(...after.filter((s) => s.name === 'alertgate_bloom_fill_ratio').map((s) => s.value)),
    ).toBeGreaterThan(0);
    expect(after.some((s) => s.name === 'alertgate_bloom_false_positive_rate')).toBe(true);
    expect(total(after, 'alertgate_worker_owned_shards')).toBe(2);
    expect(total(after, 'alertgate_unowned_shards')).toBe(0);
    expect(total(after, 'alertgate_queue_health_status')).toBe(0);
    expect(total(after, 'alertgate_queue_jobs', { state: 'completed' })).toBe(committedEntries);
    expect(total(after, 'alertgate_queue_sample_seconds_count')).toBeGreaterThan(0);

    // Runtime: event-loop delay and RSS (default process metrics under the alertgate_process_ prefix).
    expect(total(after, 'alertgate_process_process_resident_memory_bytes')).toBeGreaterThan(10_000_000);
    expect(total(after, 'alertgate_process_nodejs_eventloop_lag_p99_seconds')).toBeGreaterThan(0);
    expect(total(after, 'alertgate_process_process_cpu_user_seconds_total')).toBeGreaterThan(0);

    // Every family the issue names is declared, with Prometheus naming conventions (the default
    // process metrics keep prom-client's names, e.g. the gauge nodejs_active_resources_total).
    const families = declaredFamilies(text);
    for (const [name, type] of families) {
      expect(name).toMatch(/^alertgate_/);
      if (name.startsWith('alertgate_process_')) continue;
      if (type === 'counter') expect(name).toMatch(/_total$/);
      else expect(name).not.toMatch(/_total$/);
    }
    for (const name of [
      'alertgate_http_requests_total',
      'alertgate_http_request_duration_seconds',
      'alertgate_ingest_alerts_accepted_total',
      'alertgate_ingest_bytes_accepted_total',
      'alertgate_ingest_requests_rejected_total',
      'alertgate_ingest_queue_depth',
      'alertgate_queue_oldest_waiting_seconds',
      'alertgate_enqueue_to_commit_seconds',
      'alertgate_batch_alerts',
      'alertgate_batch_commit_seconds',
      'alertgate_dedup_alerts_total',
      'alertgate_bloom_fill_ratio',
      'alertgate_bloom_false_positive_rate',
      'alertgate_notifications_total',
      'alertgate_archive_rows_total',
      'alertgate_process_nodejs_eventloop_lag_seconds',
      'alertgate_process_process_resident_memory_bytes',
    ])
      expect(families.has(name), name).toBe(true);
  });
});
