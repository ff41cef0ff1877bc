/**
 * Daily range-partitioned tables (DDL in migrations/*_partitioned_*.sql; the indexes of `alerts`
 * depend on a partition's age, see SEALED_INDEXES in partitions.ts). Declared here for typed
 * queries only; drizzle-kit does not manage them.
 */
import { jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

const time = (name: string) => timestamp(name, { withTimezone: true, mode: 'string' });

/** Every stored (non-duplicate) alert occurrence, partitioned by received_at. */
export const alerts = pgTable('alerts', {
  receivedAt: time('received_at').notNull(),
  id: uuid('id').notNull(),
  tenant: text('tenant').notNull(),
  fingerprint: text('fingerprint').notNull(),
  providerType: text('provider_type').notNull(),
  providerId: text('provider_id'),
  eventId: text('event_id'),
  name: text('name').notNull(),
  status: text('status').notNull(),
  severity: text('severity').notNull(),
  source: text('source').array().notNull(),
  service: text('service'),
  environment: text('environment'),
  description: text('description'),
  message: text('message'),
  url: text('url'),
  labels: jsonb('labels').$type<Record<string, string>>().notNull(),
  extra: jsonb('extra').$type<Record<string, unknown>>().notNull(),
  contentHash: text('content_hash').notNull(),
  startedAt: time('started_at').notNull(),
  lastReceived: time('last_received').notNull(),
});

/** Provider payloads as received (selectively stored), partitioned by received_at. */
export const alertRaw = pgTable('alert_raw', {
  receivedAt: time('received_at').notNull(),
  requestId: uuid('request_id').notNull(),
  tenant: text('tenant').notNull(),
  providerType: text('provider_type').notNull(),
  payload: jsonb('payload').notNull(),
});
