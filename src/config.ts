import type { Static } from 'typebox';
import { Value } from 'typebox/value';
import { type ConfigSections, sectionsOf } from './compose/config-sections.js';
import { ConfigSchema, type Settings } from './config-schema.js';
import { RawPolicy } from './ingest/raw-policy.js';

/** The validated variables by name, plus the sections (compose/config-sections.ts) the composition hands to components. */
export type Config = Settings & Readonly<ConfigSections>;

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
  if (config.JSON_MAX_ARRAY_LENGTH < config.MAX_ALERTS_PER_REQUEST)
    problems.push('JSON_MAX_ARRAY_LENGTH must be at least MAX_ALERTS_PER_REQUEST (a batch of alerts is one array)');
  if (!reported.has('RAW_STORE')) {
    try {
      new RawPolicy({ default: config.RAW_STORE, providers: config.RAW_STORE_PROVIDERS });
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  if (config.HEALTH_QUEUE_DEPTH_UNHEALTHY < config.HEALTH_QUEUE_DEPTH_DEGRADED)
    problems.push('HEALTH_QUEUE_DEPTH_UNHEALTHY must be at least HEALTH_QUEUE_DEPTH_DEGRADED');
  if (config.HEALTH_QUEUE_AGE_UNHEALTHY_SECONDS < config.HEALTH_QUEUE_AGE_DEGRADED_SECONDS)
    problems.push('HEALTH_QUEUE_AGE_UNHEALTHY_SECONDS must be at least HEALTH_QUEUE_AGE_DEGRADED_SECONDS');
  if (config.PUBLISH_BACKOFF_MAX_MS < config.PUBLISH_BACKOFF_BASE_MS)
    problems.push('PUBLISH_BACKOFF_MAX_MS must be at least PUBLISH_BACKOFF_BASE_MS');
  if (config.ARCHIVE_DELETE_AFTER_DAYS <= config.ARCHIVE_AFTER_DAYS)
    problems.push('ARCHIVE_DELETE_AFTER_DAYS must be above ARCHIVE_AFTER_DAYS');
  if (problems.length > 0) throw new ConfigError(problems);
  if (config.REDIS_CLUSTER_NODES !== '') config.QUEUE_PREFIX = withHashTag(config.QUEUE_PREFIX);
  return Object.freeze({ ...config, ...sectionsOf(config) });
}

/**
 * BullMQ needs every key of a queue in one cluster slot, and the shared keys are written together
 * (MULTI, MGET), so in cluster mode the prefix carries a hash tag. Redis hashes the first non-empty
 * `{…}` of a key; a prefix that already has one is kept as written.
 */
function withHashTag(prefix: string): string {
  return /\{[^}]+\}/.test(prefix) ? prefix : `{${prefix}}`;
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
  const copy = Object.fromEntries(Object.keys(VARIABLES).map((key) => [key, config[key as keyof Config]]));
  for (const key of ['DATABASE_URL', 'REDIS_URL', 'ELASTICSEARCH_URL'] as const) {
    copy[key] = config[key].replace(/\/\/([^:/@]+):([^@]+)@/, '//$1:***@');
  }
  copy.SEARCH_CURSOR_SECRET = '***';
  return copy;
}
