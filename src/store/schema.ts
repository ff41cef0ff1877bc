/**
 * Tables managed by drizzle-kit (`npx drizzle-kit generate`). The time-partitioned tables live in
 * partitioned-schema.ts because drizzle-kit cannot express PARTITION BY; their DDL is hand-written.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
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
  },
  (t) => [
    primaryKey({ columns: [t.tenant, t.fingerprint] }),
    index('last_alert_shard_idx').on(t.shard),
    index('last_alert_last_seen_idx').on(t.lastSeen),
  ],
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
