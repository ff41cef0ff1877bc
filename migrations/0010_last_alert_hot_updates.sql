-- Duplicates update last_alert's counters and last_seen on every batch. Without an index on
-- last_seen (the TTL sweep goes through the shard index) such an update changes no indexed column,
-- and with free room on the page PostgreSQL keeps it there (a HOT update: no index writes).
DROP INDEX "last_alert_last_seen_idx";--> statement-breakpoint
ALTER TABLE "last_alert" SET (fillfactor = 70);
