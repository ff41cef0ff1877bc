import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** The process-wide registry and every metric Alertgate exports (names follow Prometheus conventions). */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'alertgate_process_' });

export const acceptedAlerts = new Counter({
  name: 'alertgate_ingest_alerts_accepted_total',
  help: 'Alerts durably enqueued, by provider.',
  labelNames: ['provider'] as const,
  registers: [registry],
});

export const acceptedBytes = new Counter({
  name: 'alertgate_ingest_bytes_accepted_total',
  help: 'Request body bytes of accepted ingestion requests, by provider.',
  labelNames: ['provider'] as const,
  registers: [registry],
});

export const rejectedRequests = new Counter({
  name: 'alertgate_ingest_requests_rejected_total',
  help: 'Ingestion requests refused, by provider and reason (rate_limited, backpressure, invalid, ...).',
  labelNames: ['provider', 'reason'] as const,
  registers: [registry],
});

export const dedupDecisions = new Counter({
  name: 'alertgate_dedup_alerts_total',
  help: 'Alerts through deduplication, by provider and outcome (new, changed, duplicate).',
  labelNames: ['provider', 'outcome'] as const,
  registers: [registry],
});

export const batchSize = new Histogram({
  name: 'alertgate_batch_alerts',
  help: 'Alerts per committed batch.',
  labelNames: ['trigger'] as const,
  buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000],
  registers: [registry],
});

export const commitSeconds = new Histogram({
  name: 'alertgate_batch_commit_seconds',
  help: 'Time to write and commit one batch.',
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [registry],
});

export const queueLagSeconds = new Histogram({
  name: 'alertgate_enqueue_to_commit_seconds',
  help: 'Time from acceptance by the gateway to commit in PostgreSQL.',
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
  registers: [registry],
});

export const batchFailures = new Counter({
  name: 'alertgate_batch_failures_total',
  help: 'Batches that failed to commit, by failure class.',
  labelNames: ['class'] as const,
  registers: [registry],
});

export const deadLettered = new Counter({
  name: 'alertgate_dead_lettered_jobs_total',
  help: 'Ingest jobs moved to the dead-letter queue.',
  registers: [registry],
});

export const ownedShards = new Gauge({
  name: 'alertgate_worker_owned_shards',
  help: 'Shards this worker process owns.',
  registers: [registry],
});

export const bloomFillRatio = new Gauge({
  name: 'alertgate_bloom_fill_ratio',
  help: 'Items in the shard bloom filter over its capacity.',
  labelNames: ['shard'] as const,
  registers: [registry],
});

export const bloomFalsePositiveRate = new Gauge({
  name: 'alertgate_bloom_false_positive_rate',
  help: 'Estimated false-positive rate of the shard bloom filter.',
  labelNames: ['shard'] as const,
  registers: [registry],
});
