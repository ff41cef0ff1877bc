CREATE TABLE "api_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant" text NOT NULL,
	"name" text NOT NULL,
	"key_hash" text NOT NULL,
	"providers" text[],
	"is_admin" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	"last_used_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "dedup_rules" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant" text NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"provider_type" text NOT NULL,
	"provider_id" text,
	"fingerprint_fields" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"ignore_fields" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"full_deduplication" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "last_alert" (
	"tenant" text NOT NULL,
	"fingerprint" text NOT NULL,
	"shard" integer NOT NULL,
	"alert_id" uuid NOT NULL,
	"provider_type" text NOT NULL,
	"content_hash" text NOT NULL,
	"status" text NOT NULL,
	"severity" text NOT NULL,
	"first_seen" timestamp with time zone NOT NULL,
	"last_seen" timestamp with time zone NOT NULL,
	"duplicate_count" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "last_alert_tenant_fingerprint_pk" PRIMARY KEY("tenant","fingerprint")
);
--> statement-breakpoint
CREATE UNIQUE INDEX "api_keys_key_hash_idx" ON "api_keys" USING btree ("key_hash");--> statement-breakpoint
CREATE INDEX "api_keys_tenant_idx" ON "api_keys" USING btree ("tenant");--> statement-breakpoint
CREATE UNIQUE INDEX "dedup_rules_scope_idx" ON "dedup_rules" USING btree ("tenant","provider_type",coalesce("provider_id", ''));--> statement-breakpoint
CREATE INDEX "last_alert_shard_idx" ON "last_alert" USING btree ("shard");--> statement-breakpoint
CREATE INDEX "last_alert_last_seen_idx" ON "last_alert" USING btree ("last_seen");