import { availableParallelism } from 'node:os';
import { type Static, Type } from 'typebox';

/** Development-only cursor key: a fixed value so several local instances accept each other's cursors. */
export const DEV_SEARCH_CURSOR_SECRET = 'alertgate-development-search-cursor-key';

/**
 * Every environment variable Alertgate reads, with its default and meaning. The README's
 * configuration table is printed from this schema (`alertgate config-doc`), so the two cannot drift.
 */
export const ConfigSchema = Type.Object({
  HOST: Type.String({ default: '0.0.0.0', description: 'Interface the HTTP server binds to.' }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8080, description: 'HTTP port (0 picks a free one).' }),
  LOG_LEVEL: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    default: 'info',
    description: 'pino log level.',
  }),
  LOG_REQUESTS: Type.Boolean({
    default: false,
    description: 'Log every HTTP request (off by default: at high volume the log would cost more than the request).',
  }),
  DATABASE_URL: Type.String({
    format: 'uri',
    default: 'postgres://alertgate:alertgate@127.0.0.1:55432/alertgate',
    description: 'PostgreSQL connection URL (default: the local stack).',
  }),
  DATABASE_POOL_SIZE: Type.Integer({ minimum: 1, maximum: 200, default: 20, description: 'Connections per process.' }),
  REDIS_URL: Type.String({
    format: 'uri',
    default: 'redis://127.0.0.1:56379',
    description: 'Redis URL for queues, rate limits and pub/sub (default: the local stack).',
  }),
  REDIS_CLUSTER_NODES: Type.String({
    default: '',
    pattern: '^([^,:\\s]+:\\d{1,5}(,[^,:\\s]+:\\d{1,5})*)?$',
    description:
      'Comma-separated `host:port` seed nodes of a Redis Cluster; when set, Alertgate connects to the cluster (REDIS_URL then supplies only the credentials and `rediss:` TLS) and QUEUE_PREFIX gets a `{…}` hash tag if it has none.',
  }),
  ELASTICSEARCH_URL: Type.String({
    format: 'uri',
    default: 'http://127.0.0.1:59200',
    description: 'Elasticsearch URL for the archive (default: the local stack).',
  }),
  ELASTICSEARCH_REQUIRED: Type.Boolean({
    default: true,
    description: 'Whether /readyz fails when Elasticsearch is unreachable.',
  }),
  SHUTDOWN_GRACE_MS: Type.Integer({
    minimum: 0,
    default: 15_000,
    description: 'Time allowed to drain requests and jobs on SIGTERM/SIGINT before exiting.',
  }),
  GATEWAY_PROCESSES: Type.Integer({
    minimum: 1,
    maximum: 256,
    default: Math.ceil(availableParallelism() / 2),
    description: '`all`: gateway processes sharing the HTTP port; default ⌈CPU count / 2⌉.',
  }),
  WORKER_PROCESSES: Type.Integer({
    minimum: 1,
    maximum: 256,
    default: Math.max(1, Math.floor(availableParallelism() / 2)),
    description: '`all`: batch worker processes; default max(1, ⌊CPU count / 2⌋).',
  }),
  SHARDS: Type.Integer({
    minimum: 1,
    maximum: 1024,
    default: 16,
    description:
      'Number of ingest log shards: a worker owns whole shards, and in a Redis Cluster the shards spread over the masters.',
  }),
  QUEUE_PREFIX: Type.String({
    default: 'alertgate',
    description:
      'Redis key prefix of every queue and shared key (in cluster mode wrapped in a hash tag: `alertgate` → `{alertgate}`).',
  }),
  BODY_LIMIT_BYTES: Type.Integer({
    minimum: 1024,
    default: 5 * 1024 * 1024,
    description: 'Largest request body (413 above); also bounds every string in it.',
  }),
  JSON_MAX_DEPTH: Type.Integer({
    minimum: 2,
    maximum: 1000,
    default: 64,
    description: 'Deepest nesting of objects and arrays in a JSON body (413 deeper); webhook payloads need under 15.',
  }),
  JSON_MAX_ARRAY_LENGTH: Type.Integer({
    minimum: 1,
    default: 10_000,
    description: 'Most elements of any one array in a JSON body (413 above); at least MAX_ALERTS_PER_REQUEST.',
  }),
  JSON_MAX_KEYS: Type.Integer({
    minimum: 1,
    default: 100_000,
    description:
      'Most object keys in a JSON body, all objects together (413 above); parsing time grows faster than the key count (330,000 keys in one object held the event loop 1.9 s).',
  }),
  MAX_ALERTS_PER_REQUEST: Type.Integer({
    minimum: 1,
    default: 10_000,
    description: 'Most alerts one ingestion request may carry.',
  }),
  ALERT_TIME_MAX_PAST_DAYS: Type.Integer({
    minimum: 1,
    default: 3650,
    description:
      'An alert whose own timestamp is older than this is refused (422): it is a wrong clock or a placeholder like the epoch.',
  }),
  ALERT_TIME_MAX_FUTURE_MINUTES: Type.Integer({
    minimum: 1,
    default: 1440,
    description:
      'An alert whose own timestamp lies further ahead than this is refused (422); allows for clock skew and time zones.',
  }),
  REQUEST_TIMEOUT_MS: Type.Integer({
    minimum: 1000,
    default: 30_000,
    description: 'Time to receive a whole request, body included (408 after); bounds slow bodies.',
  }),
  HEADERS_TIMEOUT_MS: Type.Integer({
    minimum: 1000,
    default: 10_000,
    description: "Time to receive a request's headers (408 after); bounds slowloris clients.",
  }),
  CONNECTION_IDLE_TIMEOUT_MS: Type.Integer({
    minimum: 1000,
    default: 30_000,
    description:
      'A connection with no traffic in either direction for this long is closed; while a request is still arriving, not before REQUEST_TIMEOUT_MS has answered it 408.',
  }),
  KEEP_ALIVE_TIMEOUT_MS: Type.Integer({
    minimum: 1000,
    default: 72_000,
    description:
      'How long an idle keep-alive connection waits for its next request; keep above a load balancer’s idle timeout.',
  }),
  MAX_CONNECTIONS: Type.Integer({
    minimum: 1,
    default: 20_000,
    description: 'Open connections one gateway accepts (streams included); more are closed on accept.',
  }),
  API_KEY_CACHE_MS: Type.Integer({
    minimum: 0,
    default: 10_000,
    description: 'How long a verified API key is trusted without a database read; bounds how late a revocation bites.',
  }),
  WEBHOOK_SIGNATURE_TOLERANCE_SECONDS: Type.Integer({
    minimum: 1,
    maximum: 3600,
    default: 300,
    description:
      'Signed ingestion (keys with a signing secret): how far `webhook-timestamp` may be from now, either way; a `webhook-id` is remembered twice as long to refuse replays.',
  }),
  RATE_LIMIT_CAPACITY: Type.Integer({
    minimum: 1,
    default: 20_000,
    description: 'Default token-bucket size (burst) per provider and API key.',
  }),
  RATE_LIMIT_REFILL_PER_SECOND: Type.Number({
    exclusiveMinimum: 0,
    default: 10_000,
    description: 'Default tokens added per second to each bucket.',
  }),
  RATE_LIMITS_FILE: Type.Optional(
    Type.String({ description: 'JSON/YAML file with per-provider and per-tenant bucket overrides.' }),
  ),
  BACKPRESSURE_HIGH_WATERMARK: Type.Integer({
    minimum: 1,
    default: 500_000,
    description: 'Ingest log entries waiting (not yet committed) above which ingestion answers 429.',
  }),
  BACKPRESSURE_LOW_WATERMARK: Type.Integer({
    minimum: 0,
    default: 250_000,
    description: 'Ingest log entries waiting below which admission resumes (hysteresis).',
  }),
  BACKPRESSURE_MAX_AGE_SECONDS: Type.Integer({
    minimum: 1,
    default: 300,
    description: 'Age of the oldest waiting ingest log entry above which ingestion answers 429.',
  }),
  BACKPRESSURE_CRITICAL_HARD_LIMIT: Type.Integer({
    minimum: 1,
    default: 1_000_000,
    description: 'Critical alerts are still admitted above the high watermark up to this depth.',
  }),
  QUEUE_SAMPLE_INTERVAL_MS: Type.Integer({
    minimum: 100,
    default: 500,
    description:
      'How often each gateway samples every queue; backpressure decides on the newest sample, and metrics, /admin/queues/health, self-alerts and the admin page read it.',
  }),
  HEALTH_QUEUE_DEPTH_DEGRADED: Type.Integer({
    minimum: 1,
    default: 100_000,
    description: 'Waiting jobs (all ingest shards together, or the publish queue) from which queue health is degraded.',
  }),
  HEALTH_QUEUE_DEPTH_UNHEALTHY: Type.Integer({
    minimum: 1,
    default: 400_000,
    description: 'Waiting jobs from which queue health is unhealthy (HTTP 503).',
  }),
  HEALTH_QUEUE_AGE_DEGRADED_SECONDS: Type.Integer({
    minimum: 1,
    default: 60,
    description: 'Age of the oldest waiting ingest or publish job from which queue health is degraded.',
  }),
  HEALTH_QUEUE_AGE_UNHEALTHY_SECONDS: Type.Integer({
    minimum: 1,
    default: 300,
    description: 'Age of the oldest waiting job from which queue health is unhealthy (HTTP 503).',
  }),
  HEALTH_WORKER_LIVENESS_SECONDS: Type.Integer({
    minimum: 1,
    default: 10,
    description: 'A worker silent for longer is not counted as live; no live worker makes queue health unhealthy.',
  }),
  STATS_SHARE_INTERVAL_MS: Type.Integer({
    minimum: 100,
    default: 1000,
    description: 'How often each process shares its counters through Redis for the admin page and self-alerts.',
  }),
  ADMIN_UI_DIR: Type.Optional(
    Type.String({ description: 'Directory of the built admin page (default: `dist/admin` of this installation).' }),
  ),
  SELF_ALERT_RULES_FILE: Type.Optional(
    Type.String({ description: 'JSON/YAML file of self-alert rules (default: the built-in rules in the README).' }),
  ),
  SELF_ALERT_TENANT: Type.String({
    minLength: 1,
    default: 'alertgate',
    description: 'Tenant that self-alerts (provider `alertgate`) are stored and published under.',
  }),
  SELF_ALERT_INTERVAL_SECONDS: Type.Integer({
    minimum: 1,
    default: 15,
    description: 'How often self-alert rules are evaluated (by one gateway at a time).',
  }),
  BATCH_SIZE: Type.Integer({
    minimum: 1,
    default: 1000,
    description: 'Alerts per committed batch: a smaller read waits up to BATCH_MAX_WAIT_MS for more.',
  }),
  BATCH_MAX_SIZE: Type.Integer({
    minimum: 1,
    default: 5000,
    description: 'Most alerts one batch (one transaction over every owned shard) takes from the log.',
  }),
  BATCH_MAX_WAIT_MS: Type.Integer({ minimum: 1, default: 50, description: 'Longest wait to fill a batch.' }),
  BATCH_CONCURRENCY: Type.Integer({
    minimum: 1,
    maximum: 64,
    default: 2,
    description:
      'Batches a worker process commits at once, each over its own part of the owned shards: the process decides one while PostgreSQL writes another.',
  }),
  BLOOM_CAPACITY: Type.Integer({ minimum: 1000, default: 1_000_000, description: 'Expected items per shard bloom.' }),
  BLOOM_ERROR_RATE: Type.Number({
    exclusiveMinimum: 0,
    exclusiveMaximum: 1,
    default: 0.01,
    description: 'Target bloom false-positive rate.',
  }),
  DEDUP_CACHE_SIZE: Type.Integer({
    minimum: 0,
    default: 200_000,
    description: 'LRU entries (fingerprint → last hash) per worker.',
  }),
  LAST_ALERT_TTL_DAYS: Type.Integer({
    minimum: 1,
    default: 30,
    description: 'Fingerprints inactive longer than this are swept.',
  }),
  PARTITION_DAYS_AHEAD: Type.Integer({
    minimum: 3,
    default: 3,
    description: 'Daily partitions created ahead of today.',
  }),
  RAW_STORE: Type.String({
    default: 'none',
    pattern: '^(all|none|sample:(0(\\.\\d+)?|1(\\.0+)?)|fields:[\\w.,-]+)$',
    description: 'Default raw-payload storage: all, none, sample:<0..1> or fields:<a,b.c>.',
  }),
  RAW_STORE_PROVIDERS: Type.String({
    default: '',
    description: 'Per-provider raw storage overrides, `;`-separated, e.g. `datadog=all;prometheus=sample:0.1`.',
  }),
  TARGETS_FILE: Type.Optional(
    Type.String({ description: 'JSON/YAML file of downstream publish targets (read-only beside the admin API ones).' }),
  ),
  PUBLISH_CONCURRENCY: Type.Integer({
    minimum: 1,
    default: 256,
    description: 'Most target requests in flight per worker process (global bound across targets).',
  }),
  PUBLISH_JOB_CONCURRENCY: Type.Integer({
    minimum: 1,
    default: 64,
    description: 'Publish jobs (batch fan-outs and per-target retries) processed in parallel per worker process.',
  }),
  PUBLISH_STALLED_LIMIT: Type.Integer({
    minimum: 1,
    default: 4,
    description:
      "Deliveries to one target still in flight after 1 s (per worker process) from which that target's new deliveries are deferred, without spending an attempt, so a hanging target cannot hold every publish job.",
  }),
  PUBLISH_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    default: 10_000,
    description: "Default time one target's delivery may take before it is aborted (a target's timeoutMs overrides).",
  }),
  PUBLISH_MAX_ATTEMPTS: Type.Integer({
    minimum: 1,
    default: 10,
    description: 'Attempts per (batch, target) before a transiently failing delivery is dead-lettered.',
  }),
  PUBLISH_BACKOFF_BASE_MS: Type.Integer({
    minimum: 1,
    default: 1000,
    description: 'First retry delay; doubles per attempt, with jitter, unless Retry-After says otherwise.',
  }),
  PUBLISH_BACKOFF_MAX_MS: Type.Integer({ minimum: 1, default: 300_000, description: 'Longest retry delay.' }),
  PUBLISH_RETRY_WINDOW_MS: Type.Integer({
    minimum: 1000,
    default: 3_600_000,
    description: 'Longest a delivery may keep waiting (throttled, circuit open) before it is dead-lettered.',
  }),
  PUBLISH_UNHEALTHY_AFTER: Type.Integer({
    minimum: 1,
    default: 3,
    description: 'Consecutive failures after which a target is unhealthy and skipped until a success or probe.',
  }),
  PUBLISH_HEALTH_PROBE_MS: Type.Integer({
    minimum: 100,
    default: 30_000,
    description: 'How often an unhealthy target is sent one delivery as a probe.',
  }),
  PUBLISH_CIRCUIT_THRESHOLD: Type.Integer({
    minimum: 1,
    default: 5,
    description: "Consecutive failures that open a target's circuit breaker (per process).",
  }),
  PUBLISH_CIRCUIT_HALF_OPEN_MS: Type.Integer({
    minimum: 100,
    default: 30_000,
    description: 'Cool-down before an open circuit lets one trial request through.',
  }),
  PUBLISH_LOG_RETENTION_HOURS: Type.Integer({
    minimum: 1,
    default: 72,
    description: 'publish_log rows older than this are deleted.',
  }),
  PUBLISH_DLQ_RETENTION_DAYS: Type.Integer({
    minimum: 1,
    default: 14,
    description: 'Publish dead letters older than this are deleted.',
  }),
  PUBLISH_TARGETS_REFRESH_MS: Type.Integer({
    minimum: 100,
    default: 5000,
    description: 'How often workers reload the targets managed through the admin API.',
  }),
  ARCHIVE_AFTER_DAYS: Type.Integer({
    minimum: 1,
    default: 7,
    description: 'Daily partitions older than this many full days are moved to Elasticsearch.',
  }),
  ARCHIVE_DELETE_AFTER_DAYS: Type.Integer({
    minimum: 2,
    default: 365,
    description: 'Archived daily indices older than this are deleted (by ILM, or by the archiver when ILM is absent).',
  }),
  ARCHIVE_INDEX_PREFIX: Type.String({
    default: 'alerts-archive',
    pattern: '^[a-z0-9][a-z0-9.-]{0,200}$',
    description: 'Archive indices are `<prefix>-YYYY.MM.DD` (raw payloads `<prefix>_raw-YYYY.MM.DD`).',
  }),
  ARCHIVE_RAW: Type.Enum(['drop', 'archive'], {
    default: 'drop',
    description: 'Raw payload partitions: copy to their own daily index before dropping, or just drop.',
  }),
  ARCHIVE_INTERVAL_MINUTES: Type.Integer({
    minimum: 1,
    default: 60,
    description: 'Archiver schedule: runs at every multiple of this interval (wall clock).',
  }),
  ARCHIVE_INDEX_SHARDS: Type.Integer({
    minimum: 1,
    maximum: 1024,
    default: 1,
    description: 'Primary shards per daily archive index.',
  }),
  ARCHIVE_INDEX_REPLICAS: Type.String({
    default: '0-1',
    pattern: '^\\d+(-(\\d+|all))?$',
    description:
      'Replicas per archive index: a count (`1`) or an auto-expand range (`0-1`: one when a second node exists).',
  }),
  ARCHIVE_BULK_BYTES: Type.Integer({
    minimum: 65_536,
    default: 8_000_000,
    description: 'Size of one `_bulk` request body while archiving.',
  }),
  ARCHIVE_BULK_CONCURRENCY: Type.Integer({
    minimum: 1,
    maximum: 64,
    default: 4,
    description: '`_bulk` requests in flight while archiving (memory ≈ this × ARCHIVE_BULK_BYTES).',
  }),
  SEARCH_CURSOR_SECRET: Type.String({
    minLength: 32,
    default: DEV_SEARCH_CURSOR_SECRET,
    description:
      'HMAC key signing search cursors; set the same random value (≥ 32 characters) on every instance. The default is for development only.',
  }),
  SEARCH_POSTGRES_TIMEOUT_MS: Type.Integer({
    minimum: 50,
    default: 5000,
    description: 'Deadline of the PostgreSQL part of a search; past it the answer is partial.',
  }),
  SEARCH_ELASTICSEARCH_TIMEOUT_MS: Type.Integer({
    minimum: 50,
    default: 5000,
    description: 'Deadline of the Elasticsearch part of a search; past it the answer is partial.',
  }),
  SEARCH_TOTAL_LIMIT: Type.Integer({
    minimum: 100,
    maximum: 1_000_000,
    default: 1000,
    description:
      "Each store stops counting a search's matches here (`total.relation` becomes `gte`); higher values cost latency on broad queries.",
  }),
  REALTIME_REPLAY_EVENTS: Type.Integer({
    minimum: 1,
    default: 10_000,
    description:
      'Events (committed alerts and lifecycle changes) kept in Redis for `Last-Event-ID` resume of the streams (stream MAXLEN, approximate).',
  }),
  REALTIME_CLIENT_BUFFER_BYTES: Type.Integer({
    minimum: 1024,
    default: 1_048_576,
    description: 'Unsent bytes one stream subscriber may accumulate before it is dropped as a slow consumer.',
  }),
  REALTIME_HEARTBEAT_MS: Type.Integer({
    minimum: 100,
    default: 15_000,
    description:
      'Interval of stream heartbeats (SSE comments, WebSocket pings); a WebSocket client missing one is dropped.',
  }),
  REALTIME_MAX_CLIENTS: Type.Integer({
    minimum: 1,
    default: 10_000,
    description: 'Stream subscribers one gateway serves at once; more are answered 503.',
  }),
  ESCALATION_FILE: Type.Optional(
    Type.String({ description: 'JSON/YAML file of escalation policies (read-only beside the admin API ones).' }),
  ),
  ESCALATION_REFRESH_MS: Type.Integer({
    minimum: 100,
    default: 5000,
    description: 'How often workers reload the escalation policies managed through the admin API.',
  }),
});

/** The validated variables by name. */
export type Settings = Readonly<Static<typeof ConfigSchema>>;
