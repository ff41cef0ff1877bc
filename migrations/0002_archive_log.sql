CREATE TABLE "archive_log" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "archive_log_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"day" date NOT NULL,
	"status" text NOT NULL,
	"index_name" text NOT NULL,
	"raw_index_name" text,
	"pg_rows" bigint,
	"es_count" bigint,
	"raw_rows" bigint,
	"raw_es_count" bigint,
	"bytes" bigint DEFAULT 0 NOT NULL,
	"duration_ms" integer,
	"error" text,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	CONSTRAINT "archive_log_status_check" CHECK ("archive_log"."status" in ('running', 'verified', 'dropped', 'failed'))
);
--> statement-breakpoint
CREATE INDEX "archive_log_day_idx" ON "archive_log" USING btree ("day","started_at");--> statement-breakpoint
CREATE INDEX "archive_log_status_day_idx" ON "archive_log" USING btree ("status","day");