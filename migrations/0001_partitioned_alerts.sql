-- Hand-written: drizzle-kit cannot express PARTITION BY. Daily partitions are created ahead by the
-- partition maintenance task and on demand by the batch writer (src/store/partitions.ts). There is
-- deliberately no DEFAULT partition: rows in it would block creating that day's partition later.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
--> statement-breakpoint
CREATE TABLE "alerts" (
	"received_at" timestamp with time zone NOT NULL,
	"id" uuid NOT NULL,
	"tenant" text NOT NULL,
	"fingerprint" text NOT NULL,
	"provider_type" text NOT NULL,
	"provider_id" text,
	"event_id" text,
	"name" text NOT NULL,
	"status" text NOT NULL,
	"severity" text NOT NULL,
	"source" text[] NOT NULL,
	"service" text,
	"environment" text,
	"description" text COMPRESSION lz4,
	"message" text COMPRESSION lz4,
	"url" text,
	"labels" jsonb COMPRESSION lz4 NOT NULL,
	"extra" jsonb COMPRESSION lz4 NOT NULL,
	"content_hash" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"last_received" timestamp with time zone NOT NULL,
	PRIMARY KEY ("received_at", "id")
) PARTITION BY RANGE ("received_at");
--> statement-breakpoint
CREATE INDEX "alerts_received_at_brin" ON "alerts" USING brin ("received_at");
--> statement-breakpoint
CREATE INDEX "alerts_tenant_fingerprint_idx" ON "alerts" ("tenant", "fingerprint", "received_at" DESC);
--> statement-breakpoint
CREATE INDEX "alerts_tenant_provider_idx" ON "alerts" ("tenant", "provider_type", "received_at");
--> statement-breakpoint
CREATE INDEX "alerts_tenant_severity_status_idx" ON "alerts" ("tenant", "severity", "status", "received_at");
--> statement-breakpoint
CREATE INDEX "alerts_tenant_received_idx" ON "alerts" ("tenant", "received_at" DESC, "id" DESC);
--> statement-breakpoint
CREATE INDEX "alerts_labels_gin" ON "alerts" USING gin ("labels" jsonb_path_ops);
--> statement-breakpoint
CREATE INDEX "alerts_text_trgm" ON "alerts" USING gin ((lower("name" || ' ' || coalesce("description", '') || ' ' || coalesce("message", ''))) gin_trgm_ops);
--> statement-breakpoint
CREATE TABLE "alert_raw" (
	"received_at" timestamp with time zone NOT NULL,
	"request_id" uuid NOT NULL,
	"tenant" text NOT NULL,
	"provider_type" text NOT NULL,
	"payload" jsonb COMPRESSION lz4 NOT NULL,
	PRIMARY KEY ("received_at", "request_id")
) PARTITION BY RANGE ("received_at");
