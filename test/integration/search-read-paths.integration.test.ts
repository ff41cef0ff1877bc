import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createElasticsearch } from '../../src/archive/es-client.js';
import { loadConfig } from '../../src/config.js';
import { isDataException } from '../../src/failure.js';
import { createCursorCodec } from '../../src/search/cursor.js';
import { createElasticsearchExecutor } from '../../src/search/elasticsearch-executor.js';
import {
  createFederatedSearch,
  type FederatedSearch,
  SearchUnavailableError,
} from '../../src/search/federated-search.js';
import { createPostgresExecutor } from '../../src/search/postgres-executor.js';
import { parseSearchInput, type SearchInput } from '../../src/search/search-input.js';
import { openDatabase } from '../../src/store/db.js';
import { dayStart } from '../../src/store/partitions.js';
import { archiveAlerts, deleteArchive, deleteHotAlerts, insertHotAlerts } from '../support/search-fixtures.js';
import { generateAlerts, type ReferenceFilter, referenceIds, spread } from '../support/search-reference.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent' });
const database = openDatabase(config.DATABASE_URL, { max: 4 });
const es = createElasticsearch(config.ELASTICSEARCH_URL);
const prefix = `test-slices-${randomUUID().slice(0, 8)}`;
const tenant = `search-slices-${randomUUID()}`;
const watermark = dayStart(new Date()).getTime() - DAY;
const archiveDay = watermark - 2 * DAY;
// Dense first hours, a sparse rest, an empty gap, and a few alerts just before the watermark.
const archived = generateAlerts(
  tenant,
  [
    ...spread(archiveDay, archiveDay + 2 * HOUR, 150),
    ...spread(archiveDay + 6 * HOUR, archiveDay + DAY, 40),
    ...spread(watermark - HOUR, watermark, 5),
  ],
  7,
);
const hot = generateAlerts(tenant, spread(watermark, Date.now() - 60_000, 40), 8);
const window = { from: archiveDay, to: Date.now() };

/** Searches over the same data whose count caps force each store's two ways of reading a page. */
function searchWith(caps: { postgres: number; elasticsearch: number }): FederatedSearch {
  return createFederatedSearch({
    postgres: createPostgresExecutor(database.db, 5000, caps.postgres),
    elasticsearch: createElasticsearchExecutor(es, {
      prefix,
      timeoutMs: 5000,
      countCap: caps.elasticsearch,
      sliceCountCap: caps.elasticsearch,
    }),
    watermark: async () => new Date(watermark),
    cursors: createCursorCodec('k'.repeat(40)),
    timeouts: { postgres: 5000, elasticsearch: 5000 },
    log: pino({ level: 'silent' }),
  });
}
/** Few matches for the caps: PostgreSQL collects keys, Elasticsearch reads the window at once. */
const sparse = searchWith({ postgres: 1000, elasticsearch: 1000 });
/** Many matches for the caps: PostgreSQL walks its index in order, Elasticsearch reads time slices. */
const dense = searchWith({ postgres: 10, elasticsearch: 10 });

beforeAll(async () => {
  await archiveAlerts(es, prefix, archived);
  await insertHotAlerts(database.sql, hot);
});
afterAll(async () => {
  await deleteHotAlerts(database.sql, [tenant]);
  await deleteArchive(es, prefix);
  await Promise.allSettled([database.close(), es.close()]);
});

async function walk(search: FederatedSearch, input: SearchInput): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 200; page++) {
    const result = await search.search('search', parseSearchInput(tenant, { ...input, ...(cursor ? { cursor } : {}) }));
    expect(result.partial).toBe(false);
    ids.push(...result.items.map((item) => item.id));
    if (!result.nextCursor) return ids;
    cursor = result.nextCursor;
  }
  throw new Error('walk did not end');
}

const range = { from: new Date(window.from).toISOString(), to: new Date(window.to).toISOString() };

describe('both ways each store reads a page give the same walk', () => {
  const cases: ['sparse' | 'dense', 'asc' | 'desc', Pick<SearchInput, 'severity' | 'q'>][] = [
    ['sparse', 'desc', {}],
    ['sparse', 'asc', { q: 'disk' }],
    ['dense', 'desc', {}],
    ['dense', 'asc', {}],
    ['dense', 'desc', { severity: ['critical', 'high'] }],
    ['dense', 'asc', { q: 'disk' }],
  ];
  it.each(cases)('%s %s walk with %j equals the reference', async (path, sort, filter) => {
    const input: SearchInput = { ...range, ...filter, limit: 7, sort: `receivedAt:${sort}` };
    const reference: ReferenceFilter = { tenant, ...window, ...filter };
    const search = path === 'dense' ? dense : sparse;
    expect(await walk(search, input)).toEqual(referenceIds([...archived, ...hot], reference, sort));
  });

  it('reports capped counts as "gte"', async () => {
    const result = await dense.search('search', parseSearchInput(tenant, { ...range, limit: 5 }));
    expect(result.total).toEqual({ value: 20, relation: 'gte' });
    expect(result.sources).toMatchObject({ postgres: { hits: 10 }, elasticsearch: { hits: 10 } });
    expect(result.items.map((item) => item.id)).toEqual(
      referenceIds([...archived, ...hot], { tenant, ...window }, 'desc').slice(0, 5),
    );
  });

  it('reports a total capped below the count that sized the archive read', async () => {
    const capped = createFederatedSearch({
      postgres: createPostgresExecutor(database.db, 5000, 1000),
      elasticsearch: createElasticsearchExecutor(es, { prefix, timeoutMs: 5000, countCap: 10 }),
      watermark: async () => new Date(watermark),
      cursors: createCursorCodec('k'.repeat(40)),
      timeouts: { postgres: 5000, elasticsearch: 5000 },
      log: pino({ level: 'silent' }),
    });
    const result = await capped.search('search', parseSearchInput(tenant, { ...range, limit: 5 }));
    expect(result.total).toEqual({ value: 10 + hot.length, relation: 'gte' });
  });
});

describe('a value PostgreSQL refuses', () => {
  it('fails the search as the request error it is, not as a partial answer or a store outage', async () => {
    // A query PostgreSQL refuses with a data exception (SQLSTATE 22008), as a date before year 1 did.
    const refusing = createFederatedSearch({
      postgres: {
        execute: async () => {
          await database.sql`select ${'0000-01-01T00:00:00Z'}::timestamptz`;
          throw new Error('unreachable: PostgreSQL accepted year 0');
        },
        lookup: async () => null,
      },
      elasticsearch: createElasticsearchExecutor(es, { prefix, timeoutMs: 5000, countCap: 1000 }),
      watermark: async () => new Date(watermark),
      cursors: createCursorCodec('k'.repeat(40)),
      timeouts: { postgres: 5000, elasticsearch: 5000 },
      log: pino({ level: 'silent' }),
    });
    const failure = await refusing.search('search', parseSearchInput(tenant, { ...range })).catch((error) => error);
    expect(isDataException(failure)).toBe(true);
    expect(failure).not.toBeInstanceOf(SearchUnavailableError);
  });
});
