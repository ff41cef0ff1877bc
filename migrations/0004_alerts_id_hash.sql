-- Hand-written: search's GET /api/v1/alerts/{id} looks an alert up by id alone. The primary key is
-- (received_at, id), so without this index every lookup scans the tenant's rows in every partition.
-- A hash index: equality is the only use, and its 4-byte hash codes keep it smaller (cheaper to
-- write at ingest volume) than a b-tree over random UUIDs.
CREATE INDEX IF NOT EXISTS "alerts_id_hash" ON "alerts" USING hash ("id");
