import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dayStart } from '../../src/store/partitions.js';
import { type Answer, openSearchApp, type SearchTestApp } from '../support/search-app.js';
import { archiveAlerts, insertHotAlerts, type StoredAlert } from '../support/search-fixtures.js';
import { generateAlerts, referenceIds, spread } from '../support/search-reference.js';

const DAY = 86_400_000;
const today = dayStart(new Date()).getTime();
/** D0, D1 archived; D2 moves to the archive during the tests; D3 and today hot. */
const [D0, D1, D2, D3] = [today - 4 * DAY, today - 3 * DAY, today - 2 * DAY, today - DAY];

let search: SearchTestApp;
beforeAll(async () => {
  search = await openSearchApp();
});
afterAll(() => search?.close());

interface Seeded {
  tenant: string;
  all: StoredAlert[];
  movingDay: StoredAlert[];
}

/** 18 alerts a day on D0..today; D0–D1 archived, the rest hot; the watermark at D2. */
async function seed(perDay = 18): Promise<Seeded> {
  const tenant = `search-page-${randomUUID()}`;
  const days = [D0, D1, D2, D3, today].map((day, i) =>
    generateAlerts(tenant, spread(day, Math.min(day + DAY, Date.now() - 120_000), perDay), 100 + i),
  );
  const archived = days.slice(0, 2).flat();
  const hot = days.slice(2).flat();
  await archiveAlerts(search.elasticsearch, search.prefix, archived);
  await insertHotAlerts(search.database.sql, hot);
  return { tenant, all: [...archived, ...hot], movingDay: days[2] ?? [] };
}

/** The archiver's handoff of the moving day, one state per call: copied → detached → logged. */
function archiver(seeded: Seeded) {
  const steps = [
    () => archiveAlerts(search.elasticsearch, search.prefix, seeded.movingDay),
    async () => {
      const ids = seeded.movingDay.map((alert) => alert.id);
      await search.database.sql`delete from alerts where id = any(${ids}::uuid[])`;
    },
    async () => {
      search.watermark = new Date(D3);
    },
  ];
  return { step: async () => steps.shift()?.(), done: () => steps.length === 0 };
}

describe('cursor pagination', () => {
  it.each([
    ['desc', 'inside the moving day'],
    ['asc', 'inside the moving day'],
    ['desc', 'before the walk reaches it'],
    ['asc', 'before the walk reaches it'],
  ] as const)('%s walk sees every alert once while new alerts arrive and a day is archived %s', async (sort, when) => {
    search.watermark = new Date(D2);
    const seeded = await seed();
    const move = archiver(seeded);
    const original = referenceIds(seeded.all, { tenant: seeded.tenant, from: D0, to: Date.now() }, sort);
    const seen: string[] = [];
    const arrivals: StoredAlert[] = [];
    let cursor: string | null = null;
    let pages = 0;
    let moving = false;
    do {
      const page: Answer = await search.get(seeded.tenant, '/api/v1/alerts/search', {
        from: new Date(D0).toISOString(),
        sort: `receivedAt:${sort}`,
        limit: '7',
        ...(cursor ? { cursor } : {}),
      });
      expect(page.status, JSON.stringify(page.body)).toBe(200);
      expect(page.body.partial).toBe(false);
      seen.push(...page.body.items.map((item) => item.id as string));
      cursor = page.body.nextCursor;
      pages++;

      // New alerts keep arriving: now (after the pinned window) and late ones inside it.
      const late = generateAlerts(seeded.tenant, [Date.now(), D3 + Math.floor(Math.random() * DAY)], 500 + pages);
      await insertHotAlerts(search.database.sql, late);
      arrivals.push(...late);

      // Once started, the handoff advances one state per page.
      const last = Date.parse(page.body.items.at(-1)?.receivedAt ?? '');
      moving ||= when === 'before the walk reaches it' || (last >= D2 && last < D3);
      if (moving) await move.step();
    } while (cursor && pages < 100);

    expect(move.done()).toBe(true);
    expect(new Set(seen).size).toBe(seen.length);
    const seenSet = new Set(seen);
    expect(original.filter((id) => !seenSet.has(id))).toEqual([]);
    const unexpected = seen.filter((id) => !original.includes(id));
    // Only late arrivals inside the pinned window may join the walk; those after it never do.
    const allowed = new Set(arrivals.filter((alert) => Date.parse(alert.receivedAt) < today).map((alert) => alert.id));
    expect(unexpected.filter((id) => !allowed.has(id))).toEqual([]);
  });
});

describe('archive handoff', () => {
  const window = () => ({ from: new Date(D1).toISOString(), to: new Date().toISOString(), limit: '1000' });

  it('an alert both copied to the archive and still hot is returned once and counted once', async () => {
    search.watermark = new Date(D2);
    const seeded = await seed(25);
    await archiveAlerts(search.elasticsearch, search.prefix, seeded.movingDay);
    const expected = referenceIds(seeded.all, { tenant: seeded.tenant, from: D1, to: Date.now() }, 'desc');

    const page = await search.get(seeded.tenant, '/api/v1/alerts/search', window());
    expect(page.status).toBe(200);
    expect(page.body.items.map((item) => item.id)).toEqual(expected);
    expect(page.body.total).toEqual({ value: expected.length, relation: 'eq' });
    // Elasticsearch returned the moving day too (its copies were merged away, not counted).
    expect(page.body.sources.elasticsearch).toMatchObject({ status: 'ok', hits: 25 });
    expect(page.body.sources.postgres).toMatchObject({ status: 'ok', hits: expected.length - 25 });
  });

  it('a day detached from PostgreSQL before the watermark moves is served from the archive', async () => {
    search.watermark = new Date(D2);
    const seeded = await seed(25);
    await archiveAlerts(search.elasticsearch, search.prefix, seeded.movingDay);
    const ids = seeded.movingDay.map((alert) => alert.id);
    await search.database.sql`delete from alerts where id = any(${ids}::uuid[])`;
    const expected = referenceIds(seeded.all, { tenant: seeded.tenant, from: D1, to: Date.now() }, 'desc');

    const page = await search.get(seeded.tenant, '/api/v1/alerts/search', window());
    expect(page.body.items.map((item) => item.id)).toEqual(expected);
  });

  it('after the watermark moves, a still-present hot copy is not returned twice', async () => {
    search.watermark = new Date(D3);
    const seeded = await seed(25);
    await archiveAlerts(search.elasticsearch, search.prefix, seeded.movingDay);
    const expected = referenceIds(seeded.all, { tenant: seeded.tenant, from: D1, to: Date.now() }, 'desc');

    const page = await search.get(seeded.tenant, '/api/v1/alerts/search', window());
    expect(page.body.items.map((item) => item.id)).toEqual(expected);
    expect(page.body.total).toEqual({ value: expected.length, relation: 'eq' });
  });

  it('a fingerprint history spans both stores, newest first', async () => {
    search.watermark = new Date(D2);
    const seeded = await seed(10);
    const expected = referenceIds(
      seeded.all,
      { tenant: seeded.tenant, from: 0, to: Date.now(), fingerprint: ['fp-2'] },
      'desc',
    );
    const page = await search.get(seeded.tenant, '/api/v1/alerts/fingerprint/fp-2/history', { limit: '1000' });
    expect(page.status).toBe(200);
    expect(page.body.items.map((item) => item.id)).toEqual(expected);
    expect(page.body.sources.elasticsearch.hits).toBeGreaterThan(0);
    expect(page.body.sources.postgres.hits).toBeGreaterThan(0);
  });
});
