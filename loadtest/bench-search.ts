/**
 * `npm run bench:search`: federated search latency over ≥ 1,000,000 hot alerts (PostgreSQL, seven
 * far-future daily partitions, all but the newest sealed) and ≥ 1,000,000 archived alerts
 * (Elasticsearch, ten daily indices with the archiver's template), one tenant. Serves the real
 * search routes over HTTP on 127.0.0.1 and sends typical queries one at a time; prints p50/p95/p99
 * per query, then removes everything.
 * BENCH_HOT_ROWS, BENCH_ARCHIVED_ROWS and BENCH_SAMPLES override the sizes. To repeat measurements
 * on one data set: BENCH_KEEP=1 skips the clean-up and prints BENCH_REUSE=<prefix>,<tenant>, which a
 * later run takes instead of seeding (and then cleans up unless BENCH_KEEP is set again).
 * BENCH_ONLY=<text> runs only the queries whose name contains the text.
 */
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { ApiKeyStore } from '../src/auth/api-keys.js';
import { openServices } from '../src/compose/services.js';
import { loadConfig } from '../src/config.js';
import { createApp } from '../src/http/app.js';
import { createAuthenticate } from '../src/http/authenticate.js';
import { registerSearchRoutes } from '../src/http/routes/search.js';
import { createSearch } from '../src/search/create-search.js';
import { seeded } from '../test/support/search-reference.js';
import { cleanUp, DAY_MS, dayList, FINGERPRINTS, HOSTS, seedArchive, seedHot, TEAMS } from './search/seed.js';

const HOT_DAYS = 7;
const ARCHIVED_DAYS = 10;
const hotRows = Number(process.env.BENCH_HOT_ROWS ?? 1_000_000);
const archivedRows = Number(process.env.BENCH_ARCHIVED_ROWS ?? 1_000_000);
const samples = Number(process.env.BENCH_SAMPLES ?? 200);
/** Runs only the queries whose name contains this text. */
const only = process.env.BENCH_ONLY ?? '';
/** Dedicated range: the archive ends (and the watermark sits) at 2091-01-01; hot days follow. */
const watermark = Date.UTC(2091, 0, 1);
const hotDays = dayList(watermark, HOT_DAYS);
const archivedDays = dayList(watermark - ARCHIVED_DAYS * DAY_MS, ARCHIVED_DAYS);
const hotEnd = watermark + HOT_DAYS * DAY_MS;
const reuse = process.env.BENCH_REUSE?.split(',');
const keep = process.env.BENCH_KEEP === '1';
const prefix = reuse?.[0] ?? `bench-search-${randomUUID().slice(0, 8)}`;
const tenant = reuse?.[1] ?? `bench-search-${randomUUID()}`;

const config = loadConfig({ ...process.env, LOG_LEVEL: 'warn', ARCHIVE_INDEX_PREFIX: prefix });
for (const url of [config.DATABASE_URL, config.ELASTICSEARCH_URL]) {
  if (!/\/\/([^@/]*@)?127\.0\.0\.1[:/]/.test(url))
    throw new Error(`the benchmark only runs against 127.0.0.1, not ${url}`);
}
const services = openServices(config, 'bench-search');
const { sql } = services.database;
const log = pino({ level: 'warn' });
const random = seeded(42);
const pick = (n: number) => Math.floor(random() * n);
const iso = (time: number) => new Date(time).toISOString();
const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

interface Scenario {
  name: string;
  /** Path and query of the i-th request. */
  next(i: number): string;
}

/** A random window of `hours` ending inside [start + hours, end). */
function windowIn(start: number, end: number, hours: number): string {
  const span = hours * 3_600_000;
  const to = start + span + pick(end - start - span);
  return `from=${iso(to - span)}&to=${iso(to)}`;
}

const search = (query: string) => `/api/v1/alerts/search?${query}`;

function scenarios(ids: string[]): Scenario[] {
  const hot = (hours: number) => windowIn(watermark, hotEnd, hours);
  const archived = (hours: number) => windowIn(archivedDays[0]!.getTime(), watermark, hours);
  return [
    { name: 'hot: tenant + last hour', next: () => search(hot(1)) },
    { name: 'hot: 24 h + severity', next: () => search(`${hot(24)}&severity=critical`) },
    { name: 'hot: 24 h + label host', next: () => search(`${hot(24)}&labels=host%3Dhost-${pick(HOSTS)}`) },
    { name: 'hot: 24 h + q text', next: () => search(`${hot(24)}&q=crashloop`) },
    {
      name: 'hot: 24 h + severity + label + q',
      next: () => search(`${hot(24)}&severity=high&labels=team%3D${TEAMS[pick(4)]}&q=disk`),
    },
    { name: 'archive: 24 h + severity', next: () => search(`${archived(24)}&severity=critical`) },
    { name: 'archive: 24 h + q text', next: () => search(`${archived(24)}&q=latency%20checkout`) },
    {
      name: 'both: 4 days across watermark + label',
      next: () =>
        search(
          `from=${iso(watermark - 2 * DAY_MS)}&to=${iso(watermark + 2 * DAY_MS - 1)}&labels=team%3D${TEAMS[pick(4)]}`,
        ),
    },
    {
      name: 'fingerprint history (all time)',
      next: () => `/api/v1/alerts/fingerprint/fp-${pick(FINGERPRINTS)}/history?to=${iso(hotEnd)}`,
    },
    { name: 'by id (hot or archived)', next: (i) => `/api/v1/alerts/${ids[i % ids.length]}` },
  ];
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

const rows: string[][] = [];
function record(name: string, latencies: number[], note: string): void {
  const sorted = [...latencies].sort((a, b) => a - b);
  rows.push([
    name,
    String(sorted.length),
    ...[50, 95, 99].map((p) => percentile(sorted, p).toFixed(1)),
    (sorted.at(-1) ?? 0).toFixed(1),
    note,
  ]);
}

async function main(): Promise<void> {
  const archivedIds: string[] = [];
  if (reuse) {
    const sample = await services.elasticsearch.search({ index: `${prefix}-*`, size: 200, _source: false });
    archivedIds.push(...sample.hits.hits.map((hit) => hit._id as string));
    console.log(`reusing ${prefix} and ${tenant}`);
  } else {
    const hotPerDay = Math.ceil(hotRows / HOT_DAYS);
    const archivedPerDay = Math.ceil(archivedRows / ARCHIVED_DAYS);
    let started = performance.now();
    console.log(`seeding ${(hotPerDay * HOT_DAYS).toLocaleString('en')} hot alerts (PostgreSQL, ${HOT_DAYS} days)…`);
    await seedHot(sql, tenant, hotDays, hotPerDay, (day) =>
      process.stdout.write(`  ${iso(day.getTime()).slice(0, 10)}`),
    );
    console.log(`\n  done in ${seconds(started)}`);
    started = performance.now();
    console.log(
      `seeding ${(archivedPerDay * ARCHIVED_DAYS).toLocaleString('en')} archived alerts (Elasticsearch, ${ARCHIVED_DAYS} daily indices)…`,
    );
    await seedArchive(services.elasticsearch, prefix, tenant, archivedDays, archivedPerDay, archivedIds);
    console.log(`  done in ${seconds(started)}`);
  }
  const hotIds = await sql<{ id: string }[]>`
    select id from alerts where tenant = ${tenant} and received_at >= ${iso(watermark)} order by random() limit 200`;
  const ids = [...hotIds.map((row) => row.id), ...archivedIds].sort(() => random() - 0.5);

  const keys = new ApiKeyStore(services.database.db, 60_000);
  const { id: keyId, key } = await keys.create({ tenant, name: 'bench-search' });
  const app = await createApp(config.http.app, log);
  registerSearchRoutes(app, {
    authenticate: createAuthenticate(keys, { admin: false }),
    search: createSearch(services, config.search, log, async () => new Date(watermark)),
  });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const get = async (path: string) => {
    const begun = performance.now();
    const response = await fetch(`${base}${path}`, { headers: { 'x-api-key': key } });
    const body = (await response.json()) as {
      items?: unknown[];
      nextCursor?: string | null;
      total?: { value: number };
      sources?: Record<'postgres' | 'elasticsearch', { took_ms: number }>;
    };
    if (response.status !== 200) throw new Error(`${path} answered ${response.status}: ${JSON.stringify(body)}`);
    return { ms: performance.now() - begun, body };
  };

  try {
    console.log(`\nmeasuring (${samples} sequential requests per query after 10 warm-up requests)…`);
    for (const scenario of scenarios(ids).filter((item) => item.name.includes(only))) {
      for (let i = 0; i < 10; i++) await get(scenario.next(i));
      const latencies: number[] = [];
      let items = 0;
      let total = 0;
      const took = { postgres: [] as number[], elasticsearch: [] as number[] };
      for (let i = 0; i < samples; i++) {
        const { ms, body } = await get(scenario.next(i));
        latencies.push(ms);
        items += body.items?.length ?? 1;
        total += body.total?.value ?? 1;
        for (const store of ['postgres', 'elasticsearch'] as const)
          took[store].push(body.sources?.[store].took_ms ?? 0);
      }
      const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
      record(
        scenario.name,
        latencies,
        `${(items / samples).toFixed(0)} items, total ${(total / samples).toFixed(0)}, store p50 pg ${median(took.postgres)} / es ${median(took.elasticsearch)} ms`,
      );
    }
    // Deep pagination: 100-item pages through 48 h across the watermark, following nextCursor.
    const pages: number[] = [];
    for (let walk = 0; 'deep pagination'.includes(only) && pages.length < samples; walk++) {
      let path: string | null = search(
        `from=${iso(watermark - DAY_MS - walk * 3_600_000)}&to=${iso(watermark + DAY_MS)}&limit=100&labels=team%3Dcore`,
      );
      for (let page = 0; path && page < 100 && pages.length < samples; page++) {
        const { ms, body } = await get(path);
        pages.push(ms);
        path = body.nextCursor ? search(cursorQuery(path, body.nextCursor)) : null;
      }
    }
    if (pages.length > 0) record('deep pagination (100/page, cursor)', pages, `pages 1–100 of ${samples} page reads`);
  } finally {
    await app.close();
    await sql`delete from api_keys where id = ${keyId}`;
  }

  const header = ['query', 'n', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'per request'];
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)));
  console.log('');
  for (const row of [header, widths.map((w) => '-'.repeat(w)), ...rows])
    console.log(
      row
        .map((cell, i) => (i === 0 || i === 6 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
        .join('  '),
    );
  const worst = Math.max(...rows.map((row) => Number(row[3])));
  console.log(`\nworst p95: ${worst.toFixed(1)} ms (target ≤ 150 ms)`);
}

/** The query of `path` with its cursor replaced: the filters must repeat on every page. */
function cursorQuery(path: string, cursor: string): string {
  const params = new URLSearchParams(path.split('?')[1]);
  params.set('cursor', cursor);
  return params.toString();
}

try {
  await main();
} finally {
  if (keep) console.log(`kept the data: BENCH_REUSE=${prefix},${tenant}`);
  else {
    console.log('cleaning up…');
    await cleanUp(sql, services.elasticsearch, prefix, [...hotDays, ...archivedDays]);
  }
  await services.close();
}
