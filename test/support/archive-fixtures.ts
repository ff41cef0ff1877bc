/**
 * Far-past daily partitions filled with synthetic alerts for archive tests and the archive
 * benchmark. Other test files write today's partitions in parallel, so every caller gets days of
 * its own: random days in 1975–1999 that have no partition yet.
 */
import { randomInt } from 'node:crypto';
import type { Client } from '@elastic/elasticsearch';
import type { Sql } from '../../src/store/db.js';
import { detachPartition, dropTables } from '../../src/store/partition-detach.js';
import { ensurePartitions, partitionName } from '../../src/store/partitions.js';

const DAY_MS = 86_400_000;
const FIRST = Date.UTC(1975, 0, 1);
const LAST = Date.UTC(1999, 11, 31);

/** A UTC day in 1975–1999 whose partitions do not exist yet, with its partitions created. */
export async function claimFarPastDay(sql: Sql): Promise<Date> {
  for (;;) {
    const day = new Date(FIRST + randomInt(0, (LAST - FIRST) / DAY_MS) * DAY_MS);
    const [row] = await sql`select to_regclass(${partitionName('alerts', day)}) is not null as exists`;
    if (row?.exists) continue;
    const created = await ensurePartitions(sql, day, day);
    if (created.includes(partitionName('alerts', day))) return day;
  }
}

/**
 * Inserts `rows` synthetic alerts (about 1 KB of JSON each) spread over the day, and `rawRows`
 * raw payloads, generated inside PostgreSQL. Ids are md5(salt, n) as UUIDs.
 */
export async function fillDay(
  sql: Sql,
  day: Date,
  options: { rows: number; rawRows?: number; tenant: string; salt: string },
): Promise<void> {
  await insertAlerts(sql, partitionName('alerts', day), day, options);
  if (!options.rawRows) return;
  await sql`
    insert into alert_raw (received_at, request_id, tenant, provider_type, payload)
    select ${day.toISOString()}::timestamptz + (g::bigint * 86399999 / ${options.rawRows}::int) * interval '1 millisecond',
      md5('raw' || ${options.salt} || g)::uuid, ${options.tenant}, 'prometheus',
      jsonb_build_object('receiver', 'alertgate', 'status', 'firing',
        'alerts', jsonb_build_array(jsonb_build_object('labels', jsonb_build_object('alertname', 'HighCPU', 'n', g))))
    from generate_series(1, ${options.rawRows}::int) g`;
}

/**
 * A far-past day with `rows` alerts, fast enough for millions: the rows go into a plain table
 * that is then attached as the day's partition, so PostgreSQL builds its indexes in bulk instead
 * of row by row.
 */
export async function createFilledDay(
  sql: Sql,
  options: { rows: number; tenant: string; salt: string },
): Promise<Date> {
  const day = await claimFarPastDay(sql);
  const table = partitionName('alerts', day);
  await detachPartition(sql, 'alerts', table);
  await dropTables(sql, [table]);
  await sql`create table ${sql(table)} (like alerts including defaults including constraints including compression)`;
  await insertAlerts(sql, table, day, options);
  const next = new Date(day.getTime() + DAY_MS);
  await sql.begin(async (tx) => {
    // The attach builds every index of the parent; the trigram GIN index needs the memory.
    await tx`set local maintenance_work_mem = '1GB'`;
    await tx.unsafe(
      `alter table alerts attach partition "${table}" for values from ('${day.toISOString()}') to ('${next.toISOString()}')`,
    );
  });
  return day;
}

async function insertAlerts(
  sql: Sql,
  table: string,
  day: Date,
  options: { rows: number; tenant: string; salt: string },
): Promise<void> {
  const { rows, tenant, salt } = options;
  await sql`
    insert into ${sql(table)} (received_at, id, tenant, fingerprint, provider_type, provider_id, event_id, name, status,
      severity, source, service, environment, description, message, url, labels, extra, content_hash, started_at,
      last_received)
    select t.ts, md5(${salt} || g)::uuid, ${tenant}, 'fp-' || (g % 5000), 'prometheus', 'prom-' || (g % 3),
      'evt-' || g, 'HighCPU on host-' || (g % 500), (array['firing', 'resolved'])[1 + g % 2],
      (array['low', 'info', 'warning', 'high', 'critical'])[1 + g % 5], array['prometheus', 'node-exporter'],
      'svc-' || (g % 40), (array['prod', 'staging'])[1 + g % 2],
      'CPU usage on host-' || (g % 500) || ' has been above ' || (80 + g % 20) || '% for ' || (5 + g % 30) ||
        ' minutes. Load average is ' || (g % 64) || '. Check the node-exporter dashboard and the runbook ' ||
        'before scaling the service out; request ' || md5(g::text) || ' triggered the evaluation.',
      'Alert ' || g || ' firing in ' || (array['prod', 'staging'])[1 + g % 2] || ': ' || md5((g + 1)::text),
      'https://grafana.example.com/d/node?var-host=host-' || (g % 500),
      jsonb_build_object('alertname', 'HighCPU', 'instance', 'host-' || (g % 500) || ':9100', 'job', 'node',
        'region', 'eu-' || (g % 4), 'team', 'team-' || (g % 12), 'pod', 'pod-' || md5(g::text)),
      jsonb_build_object('generatorURL', 'http://prometheus:9090/graph?g0.expr=' || md5(g::text), 'value', g % 100),
      md5('h' || g), t.ts - interval '5 minutes', t.ts
    from generate_series(1, ${rows}::int) g,
      lateral (select ${day.toISOString()}::timestamptz + (g::bigint * 86399999 / ${rows}::int) * interval '1 millisecond' as ts) t`;
}

/** Removes what an archive test made: its partitions (if still there), indices, templates, log rows. */
export async function cleanUpArchive(sql: Sql, client: Client, prefix: string, days: Date[]): Promise<void> {
  for (const day of days) {
    await detachPartition(sql, 'alerts', partitionName('alerts', day));
    await detachPartition(sql, 'alert_raw', partitionName('alert_raw', day));
    await dropTables(sql, [partitionName('alerts', day), partitionName('alert_raw', day)]);
  }
  const indices = await client.cat.indices({ index: [`${prefix}-*`, `${prefix}_raw-*`], h: 'index', format: 'json' });
  const names = indices.map((row) => row.index ?? '').filter(Boolean);
  if (names.length > 0) await client.indices.delete({ index: names }, { ignore: [404] });
  for (const name of [prefix, `${prefix}_raw`]) await client.indices.deleteIndexTemplate({ name }, { ignore: [404] });
  await client.ilm.deleteLifecycle({ name: prefix }, { ignore: [404, 400, 405] }).catch(() => undefined);
  await sql`delete from archive_log where index_name like ${`${prefix}-%`}`;
}
