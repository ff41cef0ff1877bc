/**
 * Elasticsearch lost part-way through archiving a day and during search (cut by a TCP proxy in
 * front of the shared cluster, for the archiver and the search under test only): the day's
 * partition stays in PostgreSQL with every row, search answers from PostgreSQL with `partial: true`
 * naming Elasticsearch, and once it is back the next run archives the day with every alert once.
 */
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { afterEach, expect, it } from 'vitest';
import { Archiver } from '../../src/archive/archiver.js';
import { createElasticsearch } from '../../src/archive/es-client.js';
import { archiveIndexName, nextDay } from '../../src/archive/index-names.js';
import { openServices } from '../../src/compose/services.js';
import { loadConfig } from '../../src/config.js';
import { countRows, partitionState } from '../../src/store/partition-detach.js';
import { partitionName } from '../../src/store/partitions.js';
import { claimFarPastDay, cleanUpArchive, fillDay } from '../support/archive-fixtures.js';
import { waitFor } from '../support/harness.js';
import { type Answer, openSearchApp, type SearchTestApp } from '../support/search-app.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

const OLD_ROWS = 1500;
const DAY_ROWS = 4000;

const services = openServices(loadConfig({ ...process.env, LOG_LEVEL: 'silent' }), 'test-faults-es');
const { sql } = services.database;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

it('keeps the partition and answers partial while Elasticsearch is down, then archives the day once', async () => {
  const prefix = `t-faults-${randomUUID().slice(0, 8)}`;
  const tenant = `faults-es-${randomUUID()}`;
  const [older, day] = [await claimFarPastDay(sql), await claimFarPastDay(sql)].sort((a, b) => +a - +b) as [Date, Date];
  cleanups.push(async () => {
    await cleanUpArchive(sql, services.elasticsearch, prefix, [older, day]);
    await services.close();
  });
  await fillDay(sql, older, { rows: OLD_ROWS, tenant, salt: `${prefix}-older` });
  await fillDay(sql, day, { rows: DAY_ROWS, tenant, salt: `${prefix}-day` });
  const dayIds = await idsOf(day, tenant);
  const expectedIds = [...(await idsOf(older, tenant)), ...dayIds];

  const esPort = Number(new URL(services.config.ELASTICSEARCH_URL).port);
  const proxy: TcpProxy = await startTcpProxy(esPort);
  const viaProxy = createElasticsearch(`http://127.0.0.1:${proxy.port}`);
  const search = await openSearchApp({ elasticsearchUrl: `http://127.0.0.1:${proxy.port}`, prefix });
  cleanups.push(async () => {
    await search.close();
    await viaProxy.close();
    await proxy.close();
  });
  // Small bulk requests and a short retry budget, so the cut lands mid-copy and the run gives up soon.
  const config = loadConfig({ ...process.env, ARCHIVE_INDEX_PREFIX: prefix, ARCHIVE_DELETE_AFTER_DAYS: '36500' });
  const options = config.archive.archiver;
  const archiver = new Archiver(
    { database: services.database, client: viaProxy, log: pino({ level: 'silent' }) },
    { ...options, bulk: { ...options.bulk, flushBytes: 64 * 1024, concurrency: 1, retries: 2, maxBackoffMs: 1000 } },
  );
  const watermark = async () => {
    const [row] = await sql<{ day: string | null }[]>`
      select max(day)::text as day from archive_log where status = 'dropped' and index_name like ${`${prefix}-%`}`;
    return row?.day ? nextDay(new Date(`${row.day}T00:00:00.000Z`)) : null;
  };

  expect((await archiver.run({ days: [older], waitForLockMs: 60_000 })).days).toMatchObject([{ status: 'dropped' }]);

  // Elasticsearch goes away once part of the day has been sent.
  const sentBefore = proxy.bytesSent;
  const running = archiver.run({ days: [day], waitForLockMs: 60_000 });
  await waitFor(() => proxy.bytesSent - sentBefore > 512 * 1024, 60_000, 5);
  await proxy.cut();
  const failed = await running;
  expect(failed.days).toMatchObject([{ status: 'failed', error: expect.stringMatching(/Connection|ECONNREFUSED/) }]);
  // Cut mid-copy: part of the day reached Elasticsearch before it went away.
  const index = archiveIndexName(prefix, day);
  await services.elasticsearch.indices.refresh({ index });
  const partly = (await services.elasticsearch.count({ index })).count;
  expect(partly).toBeGreaterThan(0);
  expect(partly).toBeLessThan(DAY_ROWS);
  expect(await partitionState(sql, partitionName('alerts', day))).toBe('attached');
  expect(await countRows(sql, partitionName('alerts', day))).toBe(DAY_ROWS);

  search.watermark = await watermark();
  expect(search.watermark).toEqual(nextDay(older));
  const window = { from: older.toISOString(), to: nextDay(day).toISOString() };
  const down = await searchAll(search, tenant, window);
  expect(down.pages.every((page) => page.status === 200 && page.body.partial === true)).toBe(true);
  expect(down.pages[0]?.body.errors).toEqual([
    { source: 'elasticsearch', error: 'unavailable', message: expect.any(String) },
  ]);
  expect(down.ids.sort()).toEqual(dayIds.sort());

  // Back: the next run archives the day; every alert is found once, from Elasticsearch alone.
  await proxy.restore();
  expect((await archiver.run({ days: [day], waitForLockMs: 60_000 })).days).toMatchObject([
    { status: 'dropped', pgRows: DAY_ROWS, esCount: DAY_ROWS },
  ]);
  expect(await partitionState(sql, partitionName('alerts', day))).toBeNull();
  await services.elasticsearch.indices.refresh({ index });
  expect((await services.elasticsearch.count({ index })).count).toBe(DAY_ROWS);
  search.watermark = await watermark();
  const up = await searchAll(search, tenant, window);
  expect(up.pages.every((page) => page.status === 200 && page.body.partial === false)).toBe(true);
  expect(up.ids).toHaveLength(expectedIds.length);
  expect(up.ids.sort()).toEqual(expectedIds.sort());
}, 240_000);

/** The ids of `tenant`'s alerts on `day` (read from PostgreSQL before the day is archived). */
async function idsOf(day: Date, tenant: string): Promise<string[]> {
  const rows = await sql<{ id: string }[]>`
    select id::text from alerts where tenant = ${tenant}
      and received_at >= ${day.toISOString()} and received_at < ${nextDay(day).toISOString()}`;
  return rows.map((row) => row.id);
}

/** Every page of a search over `window`, following the cursor. */
async function searchAll(search: SearchTestApp, tenant: string, window: { from: string; to: string }) {
  const pages: Answer[] = [];
  let cursor: string | null = null;
  do {
    const page = await search.get(tenant, '/api/v1/alerts/search', {
      ...window,
      limit: '1000',
      ...(cursor ? { cursor } : {}),
    });
    pages.push(page);
    cursor = page.status === 200 ? page.body.nextCursor : null;
  } while (cursor);
  return { pages, ids: pages.flatMap((page) => (page.body.items ?? []).map((item) => item.id)) };
}
