/**
 * Tables managed by drizzle-kit (`npx drizzle-kit generate`). The time-partitioned tables live in
 * partitioned-schema.ts because drizzle-kit cannot express PARTITION BY; their DDL is hand-written.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

/** API keys: only the SHA-256 of the key is stored. */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenant: text('tenant').notNull(),
    name: text('name').notNull(),
    keyHash: text('key_hash').notNull(),
    /** Provider types this key may post to; null means any. */
    providers: text('providers').array(),
    isAdmin: boolean('is_admin').notNull().default(false),
    /**
     * Standard Webhooks secret (`whsec_<base64>`) ingestion requests with this key must be signed
     * with; null: unsigned requests are accepted. Kept as is: verifying an HMAC needs the secret itself.
     */
    signingSecret: text('signing_secret'),
    createdAt: createdAt(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('api_keys_key_hash_idx').on(t.keyHash), index('api_keys_tenant_idx').on(t.tenant)],
);

/** Newest stored occurrence per (tenant, fingerprint): the exact dedup reference. */
export const lastAlert = pgTable(
  'last_alert',
  {
    tenant: text('tenant').notNull(),
    fingerprint: text('fingerprint').notNull(),
    shard: integer('shard').notNull(),
    alertId: uuid('alert_id').notNull(),
    providerType: text('provider_type').notNull(),
    contentHash: text('content_hash').notNull(),
    status: text('status').notNull(),
    severity: text('severity').notNull(),
    firstSeen: timestamp('first_seen', { withTimezone: true }).notNull(),
    lastSeen: timestamp('last_seen', { withTimezone: true }).notNull(),
    duplicateCount: bigint('duplicate_count', { mode: 'number' }).notNull().default(0),
    /** Lifecycle state (a Keep status): the source's status as amended by acknowledge/resolve/suppress. */
    state: text('state').notNull().default('firing'),
    /** State before the latest write, so one upsert statement can report the transition it made. */
    previousState: text('previous_state'),
    /** Suppressed by an operator: stays suppressed whatever the source sends, until unsuppressed. */
    muted: boolean('muted').notNull().default(false),
    /** Start of the current firing episode (first seen, or the first occurrence after a resolve). */
    episodeStartedAt: timestamp('episode_started_at', { withTimezone: true }),
    /** Ingest-log position (entry ms × 10^6 + sequence) of the occurrence that set the state; it only grows. */
    entryPosition: bigint('entry_position', { mode: 'bigint' }).notNull().default(sql`0`),
  },
  (t) => [
    primaryKey({ columns: [t.tenant, t.fingerprint] }),
    // No index on last_seen or the counters: every duplicate updates them, and an update that
    // changes no indexed column stays on its page (HOT; the table keeps 30% free, migration 0010).
    // The TTL sweep finds idle rows through the shard index.
    index('last_alert_shard_idx').on(t.shard),
  ],
);

/** How far each ingest stream has been committed: written in the same transaction as the batch. */
export const ingestOffsets = pgTable('ingest_offsets', {
  stream: text('stream').primaryKey(),
  lastId: text('last_id').notNull().default('0-0'),
});

/** Committed batches whose after-commit outputs may not have run yet (drained by the shard's owner). */
export const ingestOutbox = pgTable(
  'ingest_outbox',
  {
    id: uuid('id').primaryKey(),
    shardKey: text('shard_key').notNull(),
    alertIds: uuid('alert_ids').array().notNull(),
    receivedFrom: timestamp('received_from', { withTimezone: true }).notNull(),
    receivedTo: timestamp('received_to', { withTimezone: true }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('ingest_outbox_shard_key_idx').on(t.shardKey)],
);

/** Keep-style deduplication rules per (tenant, provider type, provider id). */
export const dedupRules = pgTable(
  'dedup_rules',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenant: text('tenant').notNull(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    providerType: text('provider_type').notNull(),
    providerId: text('provider_id'),
    fingerprintFields: jsonb('fingerprint_fields').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    ignoreFields: jsonb('ignore_fields').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    fullDeduplication: boolean('full_deduplication').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('dedup_rules_scope_idx').on(t.tenant, t.providerType, sql`coalesce(${t.providerId}, '')`)],
);

/** Archive progress of one day's partitions; `dropped` rows define the archive watermark. */
export const ARCHIVE_STATUSES = ['running', 'verified', 'dropped', 'failed'] as const;
export type ArchiveStatus = (typeof ARCHIVE_STATUSES)[number];

/** One row per archive attempt of one day: running → verified → dropped, or failed (partition kept). */
export const archiveLog = pgTable(
  'archive_log',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    /** UTC day of the partition (its received_at range). */
    day: date('day', { mode: 'string' }).notNull(),
    status: text('status').$type<ArchiveStatus>().notNull(),
    indexName: text('index_name').notNull(),
    /** Index the raw payloads went to; null when ARCHIVE_RAW=drop. */
    rawIndexName: text('raw_index_name'),
    pgRows: bigint('pg_rows', { mode: 'number' }),
    esCount: bigint('es_count', { mode: 'number' }),
    rawRows: bigint('raw_rows', { mode: 'number' }),
    rawEsCount: bigint('raw_es_count', { mode: 'number' }),
    /** Bytes of document JSON sent to Elasticsearch (alerts + raw). */
    bytes: bigint('bytes', { mode: 'number' }).notNull().default(0),
    durationMs: integer('duration_ms'),
    error: text('error'),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    index('archive_log_day_idx').on(t.day, t.startedAt),
    index('archive_log_status_day_idx').on(t.status, t.day),
    check('archive_log_status_check', sql`${t.status} in ('running', 'verified', 'dropped', 'failed')`),
  ],
);

/** Downstream targets managed through the admin API (targets from TARGETS_FILE are not stored). */
export const publishTargets = pgTable('publish_targets', {
  name: text('name').primaryKey(),
  type: text('type').notNull(),
  enabled: boolean('enabled').notNull().default(true),
  /** Route[]; empty means every alert. */
  routes: jsonb('routes').$type<Record<string, unknown>[]>().notNull().default(sql`'[]'::jsonb`),
  timeoutMs: integer('timeout_ms'),
  /** {perSecond, burst} or null for the type's default. */
  rateLimit: jsonb('rate_limit').$type<{ perSecond: number; burst: number }>(),
  /** Type-specific settings, secrets included (never returned by the API). */
  settings: jsonb('settings').$type<Record<string, unknown>>().notNull(),
  createdAt: createdAt(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** One row per published batch: the fan-out result, updated as retries settle. Pruned by age. */
export const publishLog = pgTable(
  'publish_log',
  {
    batchId: uuid('batch_id').primaryKey(),
    tenants: text('tenants').array().notNull(),
    alerts: integer('alerts').notNull(),
    total: integer('total').notNull(),
    succeeded: integer('succeeded').notNull(),
    failed: integer('failed').notNull(),
    skipped: integer('skipped').notNull(),
    partial: boolean('partial').notNull(),
    durationMs: integer('duration_ms').notNull(),
    /** TargetResult[] (see src/publish/model.ts). */
    results: jsonb('results').$type<Record<string, unknown>[]>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('publish_log_created_at_idx').on(t.createdAt)],
);

/** Deliveries that failed permanently (or ran out of retries): replayable from the admin API. */
export const publishDeadLetters = pgTable(
  'publish_dead_letters',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    batchId: uuid('batch_id').notNull(),
    target: text('target').notNull(),
    targetType: text('target_type').notNull(),
    /** The alerts this delivery carried (canonical Alert objects). */
    alerts: jsonb('alerts').$type<Record<string, unknown>[]>().notNull(),
    errorClass: text('error_class').notNull(),
    reason: text('reason').notNull(),
    error: text('error').notNull(),
    statusCode: integer('status_code'),
    /** The target's response body (capped), the evidence for a permanent rejection. */
    responseBody: text('response_body'),
    attempts: integer('attempts').notNull(),
    failedAt: timestamp('failed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('publish_dead_letters_target_idx').on(t.target, t.failedAt),
    index('publish_dead_letters_failed_at_idx').on(t.failedAt),
  ],
);

/**
 * Append-only history of lifecycle changes per fingerprint: operator actions, transitions the
 * source caused (a resolved occurrence) and escalation steps taken.
 */
export const alertLifecycle = pgTable(
  'alert_lifecycle',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    tenant: text('tenant').notNull(),
    fingerprint: text('fingerprint').notNull(),
    /** acknowledge, resolve, suppress, unsuppress (operators), source (an occurrence), escalate. */
    action: text('action').notNull(),
    fromState: text('from_state'),
    toState: text('to_state').notNull(),
    /** Who acted: the operator named in the request, the provider type, or `escalation:<policy>`. */
    actor: text('actor').notNull(),
    note: text('note'),
    /** Set on entries that may exist once only (an escalation step of one episode): the claim that keeps it from firing twice. */
    idempotencyKey: text('idempotency_key'),
    details: jsonb('details').$type<Record<string, unknown>>(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('alert_lifecycle_fingerprint_idx').on(t.tenant, t.fingerprint, t.at),
    uniqueIndex('alert_lifecycle_idempotency_key_idx').on(t.idempotencyKey),
  ],
);

/** Alertmanager-style silences: alerts matching every matcher inside [starts_at, ends_at) are stored, not published. */
export const silences = pgTable(
  'silences',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenant: text('tenant').notNull(),
    /** Matcher[] (see src/lifecycle/silence-match.ts). */
    matchers: jsonb('matchers')
      .$type<{ name: string; value: string; isRegex: boolean; isEqual: boolean }[]>()
      .notNull(),
    startsAt: timestamp('starts_at', { withTimezone: true }).notNull(),
    endsAt: timestamp('ends_at', { withTimezone: true }).notNull(),
    createdBy: text('created_by').notNull(),
    comment: text('comment').notNull().default(''),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('silences_tenant_ends_at_idx').on(t.tenant, t.endsAt)],
);

/** Escalation policies managed through the admin API (those from ESCALATION_FILE are not stored). */
export const escalationPolicies = pgTable('escalation_policies', {
  name: text('name').primaryKey(),
  enabled: boolean('enabled').notNull().default(true),
  /** The policy without name and enabled (see src/rules/escalation-policy.ts). */
  definition: jsonb('definition').$type<Record<string, unknown>>().notNull(),
  createdAt: createdAt(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});
