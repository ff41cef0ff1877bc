import { expect, it } from 'vitest';
import {
  acceptedAlerts,
  commitSeconds,
  liveWorkers,
  ownedShards,
  queueHealthStatus,
  registry,
  streamClients,
} from '../../../src/metrics.js';
import { mergeSnapshots } from '../../../src/supervisor/metrics-collector.js';
import { parsePrometheus, total } from '../../support/prometheus-text.js';

it('adds up counters, histograms and per-process levels, and takes the max of cluster-wide samples', async () => {
  // Two processes' registries, taken from the real metric definitions at two moments.
  acceptedAlerts.inc({ provider: 'grafana' }, 2);
  commitSeconds.observe(0.02);
  ownedShards.set(4);
  streamClients.set({ transport: 'sse' }, 3);
  liveWorkers.set(2);
  queueHealthStatus.set(0);
  // A copy, as IPC delivers it: prom-client hands out its live value objects.
  const first = structuredClone(await registry.getMetricsAsJSON());
  acceptedAlerts.inc({ provider: 'grafana' }, 5);
  commitSeconds.observe(0.2);
  ownedShards.set(12);
  streamClients.set({ transport: 'sse' }, 1);
  liveWorkers.set(2);
  queueHealthStatus.set(1);
  const second = await registry.getMetricsAsJSON();

  const merged = parsePrometheus(await mergeSnapshots([first, second]));

  expect(total(merged, 'alertgate_ingest_alerts_accepted_total', { provider: 'grafana' })).toBe(2 + 7);
  expect(total(merged, 'alertgate_batch_commit_seconds_count')).toBe(1 + 2);
  expect(total(merged, 'alertgate_batch_commit_seconds_bucket', { le: '0.025' })).toBe(1 + 1);
  expect(total(merged, 'alertgate_worker_owned_shards')).toBe(16);
  expect(total(merged, 'alertgate_stream_clients', { transport: 'sse' })).toBe(4);
  expect(total(merged, 'alertgate_live_workers')).toBe(2);
  expect(total(merged, 'alertgate_queue_health_status')).toBe(1);
  // Process start time is per process and has no sensible merge: prom-client omits it.
  expect(merged.some((sample) => sample.name === 'alertgate_process_process_start_time_seconds')).toBe(false);
});
