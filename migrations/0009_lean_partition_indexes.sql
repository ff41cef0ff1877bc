-- Hand-written: only the lean indexes stay on the partitioned parent, so a day's partition pays for
-- them alone while it takes writes: the primary key (received_at, id), (tenant, received_at DESC,
-- id DESC), (tenant, fingerprint, received_at DESC) and the labels GIN. The rest of the search set
-- is built on each partition once its day is over (SEALED_INDEXES in
-- src/store/partitions.ts, named <partition>_<suffix>). Partitions of finished days keep their
-- indexes as that sealed set: they are detached (their indexes then belong to them alone), renamed,
-- and attached again, which reads each such partition once to check its bounds, under a lock that
-- holds writes and searches of `alerts` until the migration commits. Partitions of today and later
-- lose them: they still take writes and are sealed when their day is over.
DO $$
DECLARE
  suffixes CONSTANT jsonb := '{"alerts_received_at_brin": "received_brin",
    "alerts_tenant_provider_idx": "tenant_provider", "alerts_tenant_severity_status_idx": "tenant_severity_status",
    "alerts_text_trgm": "text_trgm", "alerts_id_hash": "id_hash"}';
  part record;
  child record;
  detached text[] := '{}';
  bounds text[] := '{}';
BEGIN
  FOR part IN
    SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'alerts'::regclass
      AND substring(pg_get_expr(c.relpartbound, c.oid) FROM 'TO \(''([^'']+)''\)')::timestamptz <= now()
  LOOP
    FOR child IN
      SELECT ci.relname AS name, suffixes ->> pi.relname AS suffix
      FROM pg_index x
      JOIN pg_class ci ON ci.oid = x.indexrelid
      JOIN pg_inherits ii ON ii.inhrelid = x.indexrelid
      JOIN pg_class pi ON pi.oid = ii.inhparent
      WHERE x.indrelid = format('%I', part.name)::regclass AND suffixes ? pi.relname
    LOOP
      EXECUTE format('ALTER INDEX %I RENAME TO %I', child.name, part.name || '_' || child.suffix);
    END LOOP;
    EXECUTE format('ALTER TABLE alerts DETACH PARTITION %I', part.name);
    detached := detached || part.name::text;
    bounds := bounds || part.bound;
  END LOOP;

  DROP INDEX IF EXISTS alerts_received_at_brin, alerts_tenant_provider_idx, alerts_tenant_severity_status_idx,
    alerts_text_trgm, alerts_id_hash;

  FOR i IN 1 .. coalesce(array_length(detached, 1), 0) LOOP
    EXECUTE format('ALTER TABLE alerts ATTACH PARTITION %I %s', detached[i], bounds[i]);
  END LOOP;
END $$;
