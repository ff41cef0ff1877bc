-- Hand-written (data, not schema): fingerprints stored before lifecycle states existed start in the
-- state their source last reported, and their current episode starts when they were first seen.
UPDATE "last_alert" SET "state" = "status", "episode_started_at" = "first_seen" WHERE "episode_started_at" IS NULL;
