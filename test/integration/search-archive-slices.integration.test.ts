import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createElasticsearch } from '../../src/archive/es-client.js';
import { loadConfig } from '../../src/config.js';
import { createCursorCodec } from '../../src/search/cursor.js';
import { createElasticsearchExecutor } from '../../src/search/elasticsearch-executor.js';
import { createFederatedSearch, type FederatedSearch } from '../../src/search/federated-search.js';
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

let search: FederatedSearch;
beforeAll(async () => {
  await archiveAlerts(es, prefix, archived);
  await insertHotAlerts(database.sql, hot);
  search = createFederatedSearch({
    postgres: createPostgresExecutor(database.db, 5000, 1000),
    // Count caps of 10 make every archive window "dense", so each page is read in time slices.
    elasticsearch: createElasticsearchExecutor(es, { prefix, timeoutMs: 5000, countCap: 10, sliceCountCap: 10 }),
    watermark: async () => new Date(watermark),
    cursors: createCursorCodec('k'.repeat(40)),
    timeouts: { postgres: 5000, elasticsearch: 5000 },
    log: pino({ level: 'silent' }),
  });
});
afterAll(async () => {
  await deleteHotAlerts(database.sql, [tenant]);
  await deleteArchive(es, prefix);
  await Promise.allSettled([database.close(), es.close()]);
});

async function walk(input: SearchInput): Promise<string[]> {
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

describe('archive pages read in time slices', () => {
  const cases: ['asc' | 'desc', Pick<SearchInput, 'severity' | 'q'>][] = [
    ['desc', {}],
    ['asc', {}],
    ['desc', { severity: ['critical', 'high'] }],
    ['asc', { q: 'disk' }],
  ];
  it.each(cases)('%s walk with %j equals the reference', async (sort, filter) => {
    const input: SearchInput = { ...range, ...filter, limit: 7, sort: `receivedAt:${sort}` };
    const reference: ReferenceFilter = { tenant, ...window, ...filter };
    expect(await walk(input)).toEqual(referenceIds([...archived, ...hot], reference, sort));
  });

  it('reports the capped archive count as "gte"', async () => {
    const result = await search.search('search', parseSearchInput(tenant, { ...range, limit: 5 }));
    expect(result.total).toEqual({ value: 10 + hot.length, relation: 'gte' });
    expect(result.sources.elasticsearch.hits).toBe(10);
  });

  it('reports a total capped below the count that sized the read', async () => {
    const capped = createFederatedSearch({
      postgres: createPostgresExecutor(database.db, 5000, 10),
      elasticsearch: createElasticsearchExecutor(es, { prefix, timeoutMs: 5000, countCap: 10 }),
      watermark: async () => new Date(watermark),
      cursors: createCursorCodec('k'.repeat(40)),
      timeouts: { postgres: 5000, elasticsearch: 5000 },
      log: pino({ level: 'silent' }),
    });
    const result = await capped.search('search', parseSearchInput(tenant, { ...range, limit: 5 }));
    expect(result.total).toEqual({ value: 20, relation: 'gte' });
    expect(result.items.map((item) => item.id)).toEqual(
      referenceIds([...archived, ...hot], { tenant, ...window }, 'desc').slice(0, 5),
    );
  });
});
