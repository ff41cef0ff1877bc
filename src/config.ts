import { availableParallelism } from 'node:os';
import { type Static, Type } from 'typebox';
import { Value } from 'typebox/value';

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
  DATABASE_URL: Type.String({
    format: 'uri',
    default: 'postgres://alertgate:alertgate@127.0.0.1:55432/alertgate',
    description: 'PostgreSQL connection URL (default: the local stack).',
  }),
  DATABASE_POOL_SIZE: Type.Integer({ minimum: 1, maximum: 200, default: 10, description: 'Connections per process.' }),
  REDIS_URL: Type.String({
    format: 'uri',
    default: 'redis://127.0.0.1:56379',
    description: 'Redis URL for queues, rate limits and pub/sub (default: the local stack).',
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
  SHARDS: Type.Integer({
    minimum: 1,
    maximum: 1024,
    default: 16,
    description: 'Number of ingest queues `ingest:{n}`.',
  }),
  QUEUE_PREFIX: Type.String({ default: 'alertgate', description: 'Redis key prefix of every queue.' }),
  BODY_LIMIT_BYTES: Type.Integer({ minimum: 1024, default: 5 * 1024 * 1024, description: 'Largest request body.' }),
  MAX_ALERTS_PER_REQUEST: Type.Integer({
    minimum: 1,
    default: 10_000,
    description: 'Most alerts one ingestion request may carry.',
  }),
  REQUEST_TIMEOUT_MS: Type.Integer({
    minimum: 1000,
    default: 30_000,
    description: 'Whole-request timeout; also bounds slow bodies.',
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
    description: 'Queued jobs above which ingestion answers 429.',
  }),
  BACKPRESSURE_LOW_WATERMARK: Type.Integer({
    minimum: 0,
    default: 250_000,
    description: 'Queued jobs below which admission resumes (hysteresis).',
  }),
  BACKPRESSURE_MAX_AGE_SECONDS: Type.Integer({
    minimum: 1,
    default: 300,
    description: 'Oldest waiting job age above which ingestion answers 429.',
  }),
  BACKPRESSURE_CRITICAL_HARD_LIMIT: Type.Integer({
    minimum: 1,
    default: 1_000_000,
    description: 'Critical alerts are still admitted above the high watermark up to this depth.',
  }),
  BATCH_SIZE: Type.Integer({ minimum: 1, default: 1000, description: 'Alerts per committed batch.' }),
  BATCH_MAX_SIZE: Type.Integer({ minimum: 1, default: 5000, description: 'Batch size ceiling under backlog.' }),
  BATCH_MAX_WAIT_MS: Type.Integer({ minimum: 1, default: 50, description: 'Longest wait to fill a batch.' }),
  WORKER_CONCURRENCY: Type.Integer({
    minimum: 1,
    default: availableParallelism(),
    description: 'Batches committed in parallel per worker process (default: CPU count).',
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
    description: 'Per-provider raw storage overrides, e.g. `datadog=all,prometheus=sample:0.1`.',
  }),
});

export type Config = Readonly<Static<typeof ConfigSchema>>;

/** The schema's properties as plain JSON-schema objects, for error messages and docs. */
const VARIABLES = ConfigSchema.properties as unknown as Record<string, Record<string, unknown>>;

/** One line per problem, naming the variable, what is wrong and the expected form. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment once into a frozen Config; throws ConfigError listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const known = Object.keys(ConfigSchema.properties);
  const input: Record<string, unknown> = {};
  for (const key of known) {
    const value = env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const candidate = Value.Default(ConfigSchema, Value.Convert(ConfigSchema, input));
  const problems: string[] = [];
  const reported = new Set<string>();
  for (const error of Value.Errors(ConfigSchema, candidate)) {
    const key = error.instancePath.replace(/^\//, '');
    if (reported.has(key)) continue;
    reported.add(key);
    problems.push(`${key}=${JSON.stringify(input[key] ?? null)}: ${error.message}; expected ${describeExpected(key)}`);
  }
  const config = candidate as Static<typeof ConfigSchema>;
  if (config.BACKPRESSURE_LOW_WATERMARK >= config.BACKPRESSURE_HIGH_WATERMARK) {
    problems.push('BACKPRESSURE_LOW_WATERMARK must be below BACKPRESSURE_HIGH_WATERMARK');
  }
  if (config.BATCH_MAX_SIZE < config.BATCH_SIZE) problems.push('BATCH_MAX_SIZE must be at least BATCH_SIZE');
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}

function describeExpected(key: string): string {
  const schema = VARIABLES[key];
  return typeof schema?.description === 'string' ? `${typeOf(schema)} — ${schema.description}` : 'a valid value';
}

function typeOf(schema: Record<string, unknown>): string {
  if (Array.isArray(schema.enum)) return `one of ${schema.enum.join(', ')}`;
  const bounds = [
    schema.minimum !== undefined ? `≥ ${schema.minimum}` : '',
    schema.maximum !== undefined ? `≤ ${schema.maximum}` : '',
  ].filter(Boolean);
  return [String(schema.format ?? schema.type), ...bounds].join(' ');
}

/** Markdown table of every variable, for the README. */
export function configReference(): string {
  const rows = Object.entries(VARIABLES).map(
    ([key, schema]) =>
      `| \`${key}\` | ${typeOf(schema)} | ${schema.default === undefined || schema.default === '' ? '—' : `\`${String(schema.default)}\``} | ${schema.description} |`,
  );
  return ['| Variable | Type | Default | Meaning |', '|---|---|---|---|', ...rows].join('\n');
}

/** Config with secrets in URLs masked, safe to log. */
export function redactConfig(config: Config): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...config };
  for (const key of ['DATABASE_URL', 'REDIS_URL', 'ELASTICSEARCH_URL'] as const) {
    copy[key] = config[key].replace(/\/\/([^:/@]+):([^@]+)@/, '//$1:***@');
  }
  return copy;
}
