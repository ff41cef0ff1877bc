import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dayStart } from '../../src/store/partitions.js';
import { type Answer, openSearchApp, type SearchTestApp } from '../support/search-app.js';
import { archiveAlerts, canonical, insertHotAlerts, type StoredAlert } from '../support/search-fixtures.js';
import { generateAlerts, type ReferenceFilter, referenceIds, spread } from '../support/search-reference.js';

const DAY = 86_400_000;
const A = `search-a-${randomUUID()}`;
const B = `search-b-${randomUUID()}`;
const now = Date.now();
/** Hot days: the last three (today included); archived: the four before. */
const watermark = dayStart(new Date(now)).getTime() - 2 * DAY;
const window = { from: watermark - 4 * DAY, to: now };
const range = { from: new Date(window.from).toISOString(), to: new Date(window.to).toISOString() };

let search: SearchTestApp;
let hot: StoredAlert[];
let archived: StoredAlert[];
let all: StoredAlert[];

beforeAll(async () => {
  search = await openSearchApp();
  search.watermark = new Date(watermark);
  hot = [
    ...generateAlerts(A, spread(watermark, now - 60_000, 150), 11),
    ...generateAlerts(B, spread(watermark, now - 60_000, 40), 12),
  ];
  archived = [
    ...generateAlerts(A, spread(window.from, watermark, 150), 13),
    ...generateAlerts(B, spread(window.from, watermark, 40), 14),
  ];
  all = [...hot, ...archived];
  await insertHotAlerts(search.database.sql, hot);
  await archiveAlerts(search.elasticsearch, search.prefix, archived);
  await search.keyFor(B);
});
afterAll(() => search?.close());

type Query = Record<string, string | string[]>;

/** Follows nextCursor to the end; fails on any non-200 page. */
async function walk(query: Query, limit: number, method: 'GET' | 'POST' = 'GET', tenant = A) {
  const ids: string[] = [];
  const pages: Answer[] = [];
  let cursor: string | null = null;
  do {
    const params: Query = { ...range, ...query, limit: String(limit), ...(cursor ? { cursor } : {}) };
    const page: Answer =
      method === 'GET'
        ? await search.get(tenant, '/api/v1/alerts/search', params)
        : await search.post(tenant, '/api/v1/alerts/search', { ...params, limit });
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    pages.push(page);
    ids.push(...page.body.items.map((item) => item.id as string));
    cursor = page.body.nextCursor;
    expect(pages.length).toBeLessThan(200);
  } while (cursor);
  return { ids, pages };
}

function reference(query: Query, sort: 'asc' | 'desc' = 'desc', tenant = A): string[] {
  const list = (name: string) => (query[name] === undefined ? undefined : [query[name]].flat());
  const filter: ReferenceFilter = {
    tenant,
    ...window,
    provider: list('provider'),
    severity: list('severity'),
    status: list('status'),
    fingerprint: list('fingerprint'),
    service: list('service'),
    environment: list('environment'),
    labels: list('labels'),
    q: query.q as string | undefined,
  };
  return referenceIds(all, filter, sort);
}

const FILTERS: [string, Query][] = [
  ['no filter', {}],
  ['provider', { provider: 'grafana' }],
  ['providers (any of)', { provider: ['grafana', 'datadog'] }],
  ['severity', { severity: 'critical' }],
  ['severities', { severity: ['critical', 'high'] }],
  ['status', { status: 'resolved' }],
  ['fingerprint', { fingerprint: 'fp-1' }],
  ['fingerprint with quotes and a space', { fingerprint: "fp 'quoted'" }],
  ['service', { service: 'db' }],
  ['environment', { environment: 'prod' }],
  ['one label', { labels: 'team=core' }],
  ['two labels (AND)', { labels: ['team=core', 'region=eu'] }],
  ['label key with dots and slash', { labels: 'k8s.io/app=web' }],
  ['same label key twice (AND: nothing)', { labels: ['team=core', 'team=infra'] }],
  ['text', { q: 'disk' }],
  ['combined', { severity: ['critical', 'high'], labels: 'region=us', q: 'disk', provider: ['prometheus', 'grafana'] }],
  [
    'combined exact fields',
    { status: ['firing', 'acknowledged'], service: 'api', environment: 'prod', fingerprint: ['fp-0', 'fp-2'] },
  ],
];

describe('federated search filters', () => {
  it('returns every field of alerts from both stores unchanged', async () => {
    const { ids, pages } = await walk({}, 100);
    const byId = new Map(all.map((alert) => [alert.id, canonical(alert)]));
    for (const item of pages.flatMap((page) => page.body.items)) expect(item).toEqual(byId.get(item.id as string));
    expect(ids.some((id) => hot.some((alert) => alert.id === id))).toBe(true);
    expect(ids.some((id) => archived.some((alert) => alert.id === id))).toBe(true);
    expect(pages[0]?.body.sources.postgres.status).toBe('ok');
    expect(pages[0]?.body.sources.elasticsearch.status).toBe('ok');
  });

  it.each(FILTERS)('%s equals the reference filter', async (_name, query) => {
    const expected = reference(query);
    const { ids, pages } = await walk(query, 23);
    expect(ids).toEqual(expected);
    expect(pages[0]?.body.total).toEqual({ value: expected.length, relation: 'eq' });
    expect(pages[0]?.body.partial).toBe(false);
    // Later pages repeat the first page's counts (carried by the cursor) instead of counting again.
    for (const page of pages) {
      expect(page.body.total).toEqual(pages[0]?.body.total);
      expect(page.body.sources.postgres.hits + page.body.sources.elasticsearch.hits).toBe(expected.length);
    }
  });

  it.each(FILTERS.slice(0, 6))('%s ascending, through POST, equals the reference', async (_name, query) => {
    const { ids } = await walk({ ...query, sort: 'receivedAt:asc' }, 31, 'POST');
    expect(ids).toEqual(reference(query, 'asc'));
  });

  it('never shows another tenant', async () => {
    const { ids } = await walk({}, 200, 'GET', B);
    expect(ids).toEqual(reference({}, 'desc', B));
    const tenants = new Set(all.filter((alert) => ids.includes(alert.id)).map((alert) => alert.tenant));
    expect([...tenants]).toEqual([B]);
  });
});

/** Queries chosen to probe word boundaries, case folding and punctuation. */
const TEXT_QUERIES = [
  'disk',
  'DISK full',
  'db-1',
  'foo.bar',
  'bar',
  "can't",
  '10.0',
  'istanbul',
  'kelvin',
  'k-band',
  'rger',
  'full_warn',
  'x1y2',
  'softhyphen',
  'soft hyphen',
  'abc',
  'file',
  'oomkilled API',
  'qqqqzz',
  'drop table',
  '"key":"value"',
  'nomatchanywhere',
];

describe('text matching is the same in both stores', () => {
  it.each(TEXT_QUERIES)('q=%s', async (q) => {
    const expected = reference({ q });
    const { ids } = await walk({ q }, 200);
    expect(ids).toEqual(expected);
    // The fixtures hold every text variant in both stores, so a match must come from both.
    if (expected.length > 0) {
      expect(expected.some((id) => hot.some((alert) => alert.id === id))).toBe(true);
      expect(expected.some((id) => archived.some((alert) => alert.id === id))).toBe(true);
    }
  });
});
