/**
 * `npm run bench:archive`: archive throughput for one 1,000,000-row daily partition (about 1 KB of
 * JSON per alert), generated in PostgreSQL for a far-past day, copied to Elasticsearch, verified
 * and dropped by the real archiver; prints docs/s and MB/s, then removes everything it made.
 * Talks only to the local stack (127.0.0.1). BENCH_ROWS overrides the row count.
 */
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { Archiver } from '../src/archive/archiver.js';
import { archiveIndexName } from '../src/archive/index-names.js';
import { openServices } from '../src/compose/services.js';
import { loadConfig } from '../src/config.js';
import { partitionName } from '../src/store/partitions.js';
import { cleanUpArchive, createFilledDay } from '../test/support/archive-fixtures.js';

const rows = Number(process.env.BENCH_ROWS ?? 1_000_000);
const prefix = `bench-archive-${randomUUID().slice(0, 8)}`;
// A century of retention: the far-past day must survive the run's retention pass.
const config = loadConfig({ ...process.env, ARCHIVE_INDEX_PREFIX: prefix, ARCHIVE_DELETE_AFTER_DAYS: '36500' });
for (const url of [config.DATABASE_URL, config.ELASTICSEARCH_URL]) {
  if (!/\/\/([^@/]*@)?127\.0\.0\.1[:/]/.test(url))
    throw new Error(`the benchmark only runs against 127.0.0.1, not ${url}`);
}
const services = openServices(config, 'bench-archive');
const { sql } = services.database;
const mb = (bytes: number) => bytes / 1_048_576;
const days: Date[] = [];

try {
  console.log(`generating ${rows.toLocaleString('en')} alerts for a far-past day in PostgreSQL…`);
  let started = performance.now();
  const day = await createFilledDay(sql, { rows, tenant: 'bench', salt: prefix });
  days.push(day);
  await sql`analyze ${sql(partitionName('alerts', day))}`;
  const [size] = await sql<{ bytes: number }[]>`
    select pg_total_relation_size(${partitionName('alerts', day)})::float8 as bytes`;
  console.log(
    `  ${day.toISOString().slice(0, 10)} generated in ${((performance.now() - started) / 1000).toFixed(1)} s; partition ${mb(size?.bytes ?? 0).toFixed(0)} MB on disk`,
  );

  const options = config.archive.archiver;
  const archiver = new Archiver(
    { database: services.database, client: services.elasticsearch, log: pino({ level: 'warn' }) },
    options,
  );
  console.log(
    `archiving (bulk ${mb(options.bulk.flushBytes).toFixed(1)} MB × ${options.bulk.concurrency} in flight, cursor ${options.cursorRows} rows)…`,
  );
  started = performance.now();
  const result = await archiver.run({ days: [day], waitForLockMs: 60_000 });
  const seconds = (performance.now() - started) / 1000;
  const outcome = result.days[0];
  if (outcome?.status !== 'dropped') throw new Error(`archive failed: ${outcome?.error ?? 'lock not taken'}`);

  const [stats] = await services.elasticsearch.cat.indices({
    index: archiveIndexName(prefix, day),
    bytes: 'b',
    h: 'store.size',
    format: 'json',
  });
  console.log('');
  console.log(
    `rows archived     ${outcome.pgRows?.toLocaleString('en')} (Elasticsearch count ${outcome.esCount?.toLocaleString('en')})`,
  );
  console.log(`document JSON     ${mb(outcome.bytes).toFixed(0)} MB (${(outcome.bytes / rows).toFixed(0)} B/alert)`);
  console.log(
    `index size        ${mb(Number(stats?.['store.size'] ?? 0)).toFixed(0)} MB (best_compression, before force-merge)`,
  );
  console.log(`wall time         ${seconds.toFixed(1)} s (copy + refresh + verify + detach + drop)`);
  console.log(
    `throughput        ${Math.round(rows / seconds).toLocaleString('en')} docs/s, ${(mb(outcome.bytes) / seconds).toFixed(1)} MB/s`,
  );
} finally {
  await cleanUpArchive(sql, services.elasticsearch, prefix, days);
  await services.close();
}
