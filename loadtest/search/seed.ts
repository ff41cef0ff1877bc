/**
 * Seeds the search benchmark: hot alerts generated inside PostgreSQL (generate_series) into daily
 * partitions of a dedicated far-future range, archived alerts bulk-indexed into daily indices of a
 * dedicated prefix with the archiver's own index template. Both draw fields from one distribution.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@elastic/elasticsearch';
import { archiveIndexName } from '../../src/archive/index-names.js';
import { renderTemplates } from '../../src/archive/templates.js';
import type { Sql } from '../../src/store/db.js';
import { ensurePartitions, PARTITIONED_TABLES, partitionName, sealPartition } from '../../src/store/partitions.js';

export const DAY_MS = 86_400_000;
export const FINGERPRINTS = 5000;
export const HOSTS = 1000;
const PROVIDERS = ['prometheus', 'grafana', 'datadog', 'cloudwatch'];
const NAMES = [
  'Disk full on db-',
  'CPU high on web-',
  'Memory pressure on api-',
  'Latency SLO burn on checkout-',
  'CrashLoopBackOff on worker-',
];
const STATUSES = ['firing', 'firing', 'resolved', 'acknowledged'];
const SEVERITIES = ['low', 'info', 'warning', 'high', 'critical'];
const SERVICES = ['api', 'db', 'web', 'checkout', 'worker'];
const ENVIRONMENTS = ['prod', 'staging', 'dev'];
export const TEAMS = ['core', 'infra', 'payments', 'search'];
const REGIONS = ['eu-west-1', 'us-east-1', 'ap-south-1'];

/** Multiplicative hash of the row number: spreads attributes independently of time. */
const hashOf = (i: number) => (i * 2_654_435_761) % 2_147_483_647;
const at = <T>(values: readonly T[], n: number) => values[n % values.length] as T;

/** Days [first, first + days) as Dates. */
export function dayList(first: number, days: number): Date[] {
  return Array.from({ length: days }, (_, i) => new Date(first + i * DAY_MS));
}

/**
 * Inserts `perDay` alerts into each day's partition with one SQL statement per day, then seals every
 * day but the newest, as partition maintenance leaves them: the newest is the day taking writes.
 */
export async function seedHot(
  sql: Sql,
  tenant: string,
  days: readonly Date[],
  perDay: number,
  progress: (day: Date) => void,
): Promise<void> {
  const first = days[0] as Date;
  await ensurePartitions(sql, first, days.at(-1) as Date);
  for (const [index, day] of days.entries()) {
    const start = index * perDay;
    // Every value below is generated in SQL or bound; the expressions mirror archivedDocument(). Ids
    // have alertId's time-ordered layout, so lookups by id read one partition as in production.
    await sql`
      insert into alerts (received_at, id, tenant, fingerprint, provider_type, provider_id, event_id, name, status,
                          severity, source, service, environment, description, message, url, labels, extra,
                          content_hash, started_at, last_received)
      select t, (lpad(to_hex((extract(epoch from t) * 1000)::bigint), 12, '0') || '7' || substr(md5(i::text), 1, 3) || '8'
                 || substr(md5(i::text), 4, 15))::uuid, ${tenant}, 'fp-' || (h % ${FINGERPRINTS}), (${PROVIDERS}::text[])[1 + (h % 4)::int],
             null, null, (${NAMES}::text[])[1 + (h / 7 % 5)::int] || (h % 97),
             (${STATUSES}::text[])[1 + (h / 11 % 4)::int], (${SEVERITIES}::text[])[1 + (h / 13 % 5)::int],
             array[(${PROVIDERS}::text[])[1 + (h % 4)::int]], (${SERVICES}::text[])[1 + (h / 17 % 5)::int],
             (${ENVIRONMENTS}::text[])[1 + (h / 19 % 3)::int],
             'Instance ' || (h % ${HOSTS}) || ' reported a threshold breach', 'value ' || (h % 100) || ' above threshold for 5m',
             null,
             jsonb_build_object('team', (${TEAMS}::text[])[1 + (h / 23 % 4)::int],
                                'region', (${REGIONS}::text[])[1 + (h / 29 % 3)::int], 'host', 'host-' || (h % ${HOSTS})),
             '{}'::jsonb, md5(i::text), t, t
      from generate_series(${start}::bigint, ${start + perDay - 1}::bigint) as i,
      lateral (select ${day.toISOString()}::timestamptz + ((i - ${start}) * ${DAY_MS} / ${perDay}) * interval '1 millisecond' as t,
                      (i * 2654435761) % 2147483647 as h) x`;
    progress(day);
  }
  for (const day of days.slice(0, -1)) await sealPartition(sql, day);
  for (const day of days) await sql`vacuum (analyze) ${sql(partitionName('alerts', day))}`;
}

/** One archived document, with the same field distribution as the SQL above. */
export function archivedDocument(tenant: string, i: number, time: number) {
  const h = hashOf(i);
  const receivedAt = new Date(time).toISOString();
  const provider = at(PROVIDERS, h);
  const host = h % HOSTS;
  return {
    id: randomUUID(),
    tenant,
    fingerprint: `fp-${h % FINGERPRINTS}`,
    providerType: provider,
    providerId: null,
    eventId: null,
    name: `${at(NAMES, Math.floor(h / 7))}${h % 97}`,
    status: at(STATUSES, Math.floor(h / 11)),
    severity: at(SEVERITIES, Math.floor(h / 13)),
    source: [provider],
    service: at(SERVICES, Math.floor(h / 17)),
    environment: at(ENVIRONMENTS, Math.floor(h / 19)),
    description: `Instance ${host} reported a threshold breach`,
    message: `value ${h % 100} above threshold for 5m`,
    url: null,
    labels: { team: at(TEAMS, Math.floor(h / 23)), region: at(REGIONS, Math.floor(h / 29)), host: `host-${host}` },
    extra: {},
    contentHash: `hash-${i}`,
    startedAt: receivedAt,
    lastReceived: receivedAt,
    receivedAt,
  };
}

/** Installs the archiver's template for `prefix` and bulk-indexes `perDay` documents per day. */
export async function seedArchive(
  client: Client,
  prefix: string,
  tenant: string,
  days: readonly Date[],
  perDay: number,
  sampleIds: string[],
): Promise<void> {
  const [template] = renderTemplates({
    prefix,
    deleteAfterDays: 36_500,
    shards: 1,
    replicas: '0',
    ilm: false,
    raw: false,
  }).templates;
  if (!template) throw new Error('the archiver renders no alert template');
  await client.indices.putIndexTemplate({ name: prefix, ...template.body });
  async function* documents() {
    for (const [index, day] of days.entries()) {
      for (let n = 0; n < perDay; n++) {
        const doc = archivedDocument(tenant, index * perDay + n, day.getTime() + Math.floor((n * DAY_MS) / perDay));
        if (n % 5000 === 0) sampleIds.push(doc.id);
        yield doc;
      }
    }
  }
  const result = await client.helpers.bulk({
    datasource: documents(),
    onDocument: (doc) => ({ index: { _index: archiveIndexName(prefix, new Date(doc.receivedAt)), _id: doc.id } }),
    flushBytes: 8_000_000,
    concurrency: 3,
    refreshOnCompletion: true,
  });
  if (result.failed > 0) throw new Error(`${result.failed} archive documents were refused`);
}

/** Removes everything the seed made: the range's partitions, the prefix's indices and template. */
export async function cleanUp(sql: Sql, client: Client, prefix: string, days: readonly Date[]): Promise<void> {
  for (const day of days)
    for (const table of PARTITIONED_TABLES) await sql`drop table if exists ${sql(partitionName(table, day))}`;
  const indices = await client.cat.indices({ index: `${prefix}-*`, format: 'json', h: ['index'] });
  const names = indices.map((row) => row.index).filter((name): name is string => Boolean(name));
  if (names.length > 0) await client.indices.delete({ index: names }, { ignore: [404] });
  await client.indices.deleteIndexTemplate({ name: prefix }, { ignore: [404] });
}
