import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The process-wide registry and every metric Alertgate exports (names follow Prometheus conventions).
 * Under `all`, /metrics merges every process's registry by each metric's `aggregator`: counters,
 * histograms and per-process levels add up (the default `sum`); levels every gateway samples
 * cluster-wide (queues, workers, health) and worst-of levels take the `max`.
 */
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
  help: 'Ingest log entries moved to the dead-letter queue.',
  registers: [registry],
});

export const ownedShards = new Gauge({
  name: 'alertgate_worker_owned_shards',
  help: 'Shards owned by the worker processes reporting (summed across the processes under `all`).',
  registers: [registry],
});

export const bloomFillRatio = new Gauge({
  name: 'alertgate_bloom_fill_ratio',
  help: 'Items in the shard bloom filter over its capacity.',
  labelNames: ['shard'] as const,
  aggregator: 'max',
  registers: [registry],
});

export const bloomFalsePositiveRate = new Gauge({
  name: 'alertgate_bloom_false_positive_rate',
  help: 'Estimated false-positive rate of the shard bloom filter.',
  labelNames: ['shard'] as const,
  aggregator: 'max',
  registers: [registry],
});

// HTTP and queue observation. Event-loop delay (alertgate_process_nodejs_eventloop_lag_*_seconds)
// and RSS (alertgate_process_process_resident_memory_bytes) come from the default metrics above.

export const httpRequests = new Counter({
  name: 'alertgate_http_requests_total',
  help: 'HTTP requests answered, by method, route template (unmatched for 404s) and status code.',
  labelNames: ['method', 'route', 'status'] as const,
  registers: [registry],
});

export const httpRequestSeconds = new Histogram({
  name: 'alertgate_http_request_duration_seconds',
  help: 'Time from receiving a request to sending its answer, by method, route template and status code.',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

export const ingestQueueDepth = new Gauge({
  name: 'alertgate_ingest_queue_depth',
  help: 'Entries waiting in an ingest shard, by shard and lane (label priority: urgent or normal).',
  labelNames: ['shard', 'priority'] as const,
  aggregator: 'max',
  registers: [registry],
});

export const queueJobs = new Gauge({
  name: 'alertgate_queue_jobs',
  help: 'Jobs in a queue (ingest-{n}, publish, dlq-ingest) by state (waiting, active, delayed, failed, completed).',
  labelNames: ['queue', 'state'] as const,
  aggregator: 'max',
  registers: [registry],
});

export const queueOldestWaitingSeconds = new Gauge({
  name: 'alertgate_queue_oldest_waiting_seconds',
  help: 'Age of the oldest job waiting in a queue (0 when none waits).',
  labelNames: ['queue'] as const,
  aggregator: 'max',
  registers: [registry],
});

export const queueThroughput = new Gauge({
  name: 'alertgate_queue_throughput_jobs_per_second',
  help: 'Jobs a queue completed per second over a window (1m, 5m); absent until its workers report completions.',
  labelNames: ['queue', 'window'] as const,
  aggregator: 'max',
  registers: [registry],
});

export const liveWorkers = new Gauge({
  name: 'alertgate_live_workers',
  help: 'Batch worker processes that announced themselves within HEALTH_WORKER_LIVENESS_SECONDS.',
  aggregator: 'max',
  registers: [registry],
});

export const unownedShards = new Gauge({
  name: 'alertgate_unowned_shards',
  help: 'Ingest shards no live worker announced as owned.',
  aggregator: 'max',
  registers: [registry],
});

export const publishDeadLetters = new Gauge({
  name: 'alertgate_publish_dead_letters',
  help: 'Deliveries waiting in the publish dead-letter table (counted up to 100000).',
  aggregator: 'max',
  registers: [registry],
});

export const queueHealthStatus = new Gauge({
  name: 'alertgate_queue_health_status',
  help: 'Overall queue health as /admin/queues/health reports it: 0 healthy, 1 degraded, 2 unhealthy.',
  aggregator: 'max',
  registers: [registry],
});

export const queueSampleSeconds = new Histogram({
  name: 'alertgate_queue_sample_seconds',
  help: 'Time one background sample of every queue took.',
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [registry],
});

export const selfAlertTransitions = new Counter({
  name: 'alertgate_self_alerts_total',
  help: 'Self-alerts enqueued, by rule and status (firing, resolved).',
  labelNames: ['rule', 'status'] as const,
  registers: [registry],
});

// Publishing. Shaped like Alertmanager's notifier metrics (alertmanager_notifications_total,
// alertmanager_notifications_failed_total{integration,reason}, alertmanager_notification_latency_seconds),
// with our target name beside the integration type.

export const notificationAttempts = new Counter({
  name: 'alertgate_notifications_total',
  help: 'Delivery attempts to a target (one per batch and target, retries included).',
  labelNames: ['target', 'integration'] as const,
  registers: [registry],
});

export const notificationSuccesses = new Counter({
  name: 'alertgate_notifications_succeeded_total',
  help: 'Delivery attempts that the target accepted.',
  labelNames: ['target', 'integration'] as const,
  registers: [registry],
});

export const notificationFailures = new Counter({
  name: 'alertgate_notifications_failed_total',
  help: 'Delivery attempts that failed, by failure class (transient, permanent) and reason.',
  labelNames: ['target', 'integration', 'class', 'reason'] as const,
  registers: [registry],
});

export const notificationLatency = new Histogram({
  name: 'alertgate_notification_latency_seconds',
  help: 'Time one delivery attempt to a target took.',
  labelNames: ['target', 'integration'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
});

export const publishSkipped = new Counter({
  name: 'alertgate_publish_skipped_total',
  help: 'Deliveries not attempted, by target and reason (disabled, unhealthy, circuit_open, throttled).',
  labelNames: ['target', 'reason'] as const,
  registers: [registry],
});

export const publishCircuitState = new Gauge({
  name: 'alertgate_publish_circuit_state',
  help: "A target's circuit breaker in this process: 0 closed, 1 half-open, 2 open.",
  labelNames: ['target'] as const,
  aggregator: 'max',
  registers: [registry],
});

export const publishBatches = new Counter({
  name: 'alertgate_publish_batches_total',
  help: 'Batches fanned out, by outcome (delivered, partial, failed, skipped).',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

export const publishFanoutSeconds = new Histogram({
  name: 'alertgate_publish_fanout_seconds',
  help: "Time from a batch's fan-out start until every routed target answered or timed out.",
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
});

export const publishStormMode = new Gauge({
  name: 'alertgate_publish_storm_mode',
  help: "1 while a target's last delivery in this process found it in storm mode (over its rate limit), else 0.",
  labelNames: ['target'] as const,
  registers: [registry],
});

export const publishSuperseded = new Counter({
  name: 'alertgate_publish_superseded_total',
  help: 'Alerts not sent in storm mode because a newer state of the same fingerprint was sent or is pending.',
  labelNames: ['target', 'integration'] as const,
  registers: [registry],
});

export const publishDeadLettered = new Counter({
  name: 'alertgate_publish_dead_lettered_total',
  help: 'Deliveries moved to the publish dead-letter queue, by target and failure class.',
  labelNames: ['target', 'class'] as const,
  registers: [registry],
});

export const publishEnqueueFailures = new Counter({
  name: 'alertgate_publish_enqueue_failures_total',
  help: 'Committed batches whose publish job could not be enqueued (their alerts were not published).',
  registers: [registry],
});

export const archivedRows = new Counter({
  name: 'alertgate_archive_rows_total',
  help: 'Rows moved from PostgreSQL to Elasticsearch (counted when their partition is dropped), by kind (alerts, raw).',
  labelNames: ['kind'] as const,
  registers: [registry],
});

export const archivedBytes = new Counter({
  name: 'alertgate_archive_bytes_total',
  help: 'Bytes of documents sent to Elasticsearch by the archiver, by kind (alerts, raw).',
  labelNames: ['kind'] as const,
  registers: [registry],
});

export const archiveDaySeconds = new Histogram({
  name: 'alertgate_archive_day_seconds',
  help: 'Time to archive one day (copy, verify, detach, drop), by outcome (dropped, failed).',
  labelNames: ['status'] as const,
  buckets: [1, 5, 15, 60, 300, 900, 1800, 3600, 7200, 14_400],
  registers: [registry],
});

export const archiveFailures = new Counter({
  name: 'alertgate_archive_failures_total',
  help: 'Days whose archiving failed and whose partitions were kept, by stage (verify, rejected, aborted, error).',
  labelNames: ['stage'] as const,
  registers: [registry],
});

export const archiveWatermarkSeconds = new Gauge({
  name: 'alertgate_archive_watermark_seconds',
  help: 'Archive watermark (Unix time): older alerts are only in Elasticsearch.',
  aggregator: 'max',
  registers: [registry],
});

export const archiveIndicesDeleted = new Counter({
  name: 'alertgate_archive_indices_deleted_total',
  help: 'Archive indices deleted by the archiver because they passed ARCHIVE_DELETE_AFTER_DAYS (ILM absent).',
  registers: [registry],
});

export const searchRequests = new Counter({
  name: 'alertgate_search_requests_total',
  help: 'Alert search API requests, by route (search, history, by_id) and outcome (ok, partial, unavailable, invalid, not_found).',
  labelNames: ['route', 'outcome'] as const,
  registers: [registry],
});

export const searchStoreSeconds = new Histogram({
  name: 'alertgate_search_store_seconds',
  help: 'Time one search spent in one store, by store (postgres, elasticsearch) and status (ok, timeout, unavailable, failed).',
  labelNames: ['store', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5],
  registers: [registry],
});

// Realtime streams, lifecycle and escalation.

export const streamClients = new Gauge({
  name: 'alertgate_stream_clients',
  help: 'Stream subscribers connected to this gateway, by transport (sse, websocket).',
  labelNames: ['transport'] as const,
  registers: [registry],
});

export const streamDrops = new Counter({
  name: 'alertgate_stream_clients_dropped_total',
  help: 'Stream subscribers the gateway disconnected, by transport and reason (slow_consumer, heartbeat_timeout, shutdown).',
  labelNames: ['transport', 'reason'] as const,
  registers: [registry],
});

export const streamRelayedEvents = new Counter({
  name: 'alertgate_stream_relayed_events_total',
  help: 'Events this gateway received from Redis pub/sub (or a reconnect replay) and offered to its subscribers.',
  registers: [registry],
});

export const commitOutputFailures = new Counter({
  name: 'alertgate_commit_output_failures_total',
  help: 'After-commit outputs (realtime, publish, escalation) that failed and will be retried from the outbox.',
  labelNames: ['output'] as const,
  registers: [registry],
});

export const staleOccurrences = new Counter({
  name: 'alertgate_stale_occurrences_total',
  help: 'Stored occurrences older than their fingerprint state (overtaken by the urgent lane): kept as history only.',
  registers: [registry],
});

export const streamPublishFailures = new Counter({
  name: 'alertgate_stream_publish_failures_total',
  help: 'Committed batches or lifecycle changes that could not be published to the realtime stream.',
  registers: [registry],
});

export const publishHeldBack = new Counter({
  name: 'alertgate_publish_held_back_total',
  help: 'Committed alerts stored but not published, by reason (suppressed, silenced).',
  labelNames: ['reason'] as const,
  registers: [registry],
});

export const lifecycleTransitions = new Counter({
  name: 'alertgate_lifecycle_transitions_total',
  help: 'Operator lifecycle actions, by action and outcome (applied, refused).',
  labelNames: ['action', 'outcome'] as const,
  registers: [registry],
});

export const escalations = new Counter({
  name: 'alertgate_escalations_total',
  help: 'Escalation steps that fell due, by outcome (fired, stopped, silenced, duplicate, obsolete).',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

// The `all` supervisor (its own process).

export const supervisedChildren = new Gauge({
  name: 'alertgate_supervisor_children',
  help: 'Child processes the `all` supervisor runs that have started their role, by role (serve, worker, archive).',
  labelNames: ['role'] as const,
  registers: [registry],
});

export const supervisedRestarts = new Counter({
  name: 'alertgate_supervisor_restarts_total',
  help: 'Child processes the `all` supervisor restarted after they exited unasked, by role.',
  labelNames: ['role'] as const,
  registers: [registry],
});
