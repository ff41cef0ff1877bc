CREATE TABLE "publish_dead_letters" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"batch_id" uuid NOT NULL,
	"target" text NOT NULL,
	"target_type" text NOT NULL,
	"alerts" jsonb NOT NULL,
	"error_class" text NOT NULL,
	"reason" text NOT NULL,
	"error" text NOT NULL,
	"status_code" integer,
	"response_body" text,
	"attempts" integer NOT NULL,
	"failed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "publish_log" (
	"batch_id" uuid PRIMARY KEY NOT NULL,
	"tenants" text[] NOT NULL,
	"alerts" integer NOT NULL,
	"total" integer NOT NULL,
	"succeeded" integer NOT NULL,
	"failed" integer NOT NULL,
	"skipped" integer NOT NULL,
	"partial" boolean NOT NULL,
	"duration_ms" integer NOT NULL,
	"results" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "publish_targets" (
	"name" text PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"routes" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"timeout_ms" integer,
	"rate_limit" jsonb,
	"settings" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "publish_dead_letters_target_idx" ON "publish_dead_letters" USING btree ("target","failed_at");--> statement-breakpoint
CREATE INDEX "publish_dead_letters_failed_at_idx" ON "publish_dead_letters" USING btree ("failed_at");--> statement-breakpoint
CREATE INDEX "publish_log_created_at_idx" ON "publish_log" USING btree ("created_at");