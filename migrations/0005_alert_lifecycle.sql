CREATE TABLE "alert_lifecycle" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "alert_lifecycle_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"tenant" text NOT NULL,
	"fingerprint" text NOT NULL,
	"action" text NOT NULL,
	"from_state" text,
	"to_state" text NOT NULL,
	"actor" text NOT NULL,
	"note" text,
	"idempotency_key" text,
	"details" jsonb,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "escalation_policies" (
	"name" text PRIMARY KEY NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"definition" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "silences" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant" text NOT NULL,
	"matchers" jsonb NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone NOT NULL,
	"created_by" text NOT NULL,
	"comment" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "last_alert" ADD COLUMN "state" text DEFAULT 'firing' NOT NULL;--> statement-breakpoint
ALTER TABLE "last_alert" ADD COLUMN "previous_state" text;--> statement-breakpoint
ALTER TABLE "last_alert" ADD COLUMN "muted" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "last_alert" ADD COLUMN "episode_started_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "alert_lifecycle_fingerprint_idx" ON "alert_lifecycle" USING btree ("tenant","fingerprint","at");--> statement-breakpoint
CREATE UNIQUE INDEX "alert_lifecycle_idempotency_key_idx" ON "alert_lifecycle" USING btree ("idempotency_key");--> statement-breakpoint
CREATE INDEX "silences_tenant_ends_at_idx" ON "silences" USING btree ("tenant","ends_at");