-- Pipeline v2: the ingest log is a Redis stream per shard and lane; the offset each batch read up
-- to is committed in the batch's own transaction, so an entry's effect lands exactly once.
CREATE TABLE "ingest_offsets" (
	"stream" text PRIMARY KEY NOT NULL,
	"last_id" text DEFAULT '0-0' NOT NULL
);
--> statement-breakpoint
-- Committed batches whose after-commit outputs (realtime, publish, escalation) may not have run yet.
CREATE TABLE "ingest_outbox" (
	"id" uuid PRIMARY KEY NOT NULL,
	"shard_key" text NOT NULL,
	"alert_ids" uuid[] NOT NULL,
	"received_from" timestamp with time zone NOT NULL,
	"received_to" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "ingest_outbox_shard_key_idx" ON "ingest_outbox" USING btree ("shard_key");
--> statement-breakpoint
-- Stream position (entry ms × 10^6 + sequence) of the occurrence that set the state: the state only
-- moves forward, even when the urgent lane overtakes an older entry of the same fingerprint.
ALTER TABLE "last_alert" ADD COLUMN "entry_position" bigint DEFAULT 0 NOT NULL;
