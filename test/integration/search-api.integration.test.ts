import { createHmac, randomUUID } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyStore } from '../../src/auth/api-keys.js';
import { buildGateway } from '../../src/compose/gateway.js';
import { openServices } from '../../src/compose/services.js';
import { loadConfig } from '../../src/config.js';
import { dayStart } from '../../src/store/partitions.js';
import { closedPort, openSearchApp, type SearchTestApp, silentServer } from '../support/search-app.js';
import { archiveAlerts, canonical, insertHotAlerts, type StoredAlert } from '../support/search-fixtures.js';
import { generateAlerts, referenceIds, spread } from '../support/search-reference.js';

const DAY = 86_400_000;
const A = `search-api-a-${randomUUID()}`;
const B = `search-api-b-${randomUUID()}`;
const now = Date.now();
const watermark = dayStart(new Date(now)).getTime() - DAY;
const from = watermark - 2 * DAY;
const range = { from: new Date(from).toISOString(), to: new Date(now).toISOString() };
const SEARCH = '/api/v1/alerts/search';

let search: SearchTestApp;
let hot: StoredAlert[];
let archived: StoredAlert[];
const hotOf = (tenant: string) => hot.filter((alert) => alert.tenant === tenant);
const archivedOf = (tenant: string) => archived.filter((alert) => alert.tenant === tenant);

beforeAll(async () => {
  search = await openSearchApp();
  search.watermark = new Date(watermark);
  hot = [A, B].flatMap((tenant, i) => generateAlerts(tenant, spread(watermark, now - 60_000, 30), 40 + i));
  archived = [A, B].flatMap((tenant, i) => generateAlerts(tenant, spread(from, watermark, 30), 50 + i));
  await insertHotAlerts(search.database.sql, hot);
  await archiveAlerts(search.elasticsearch, search.prefix, archived);
});
afterAll(() => search?.close());

describe('tenant isolation', () => {
  it('finds a hot and an archived alert of the caller by id, and nothing of another tenant', async () => {
    for (const alert of [hotOf(A)[0], archivedOf(A)[0]] as StoredAlert[]) {
      const found = await search.get(A, `/api/v1/alerts/${alert.id.toUpperCase()}`);
      expect(found.status).toBe(200);
      expect(found.body).toEqual(canonical(alert));
    }
    for (const alert of [hotOf(B)[0], archivedOf(B)[0]] as StoredAlert[]) {
      const foreign = await search.get(A, `/api/v1/alerts/${alert.id}`);
      expect(foreign.status).toBe(404);
      expect(foreign.body.error).toBe('not_found');
    }
    const missing = await search.get(A, `/api/v1/alerts/${randomUUID()}`);
    expect(missing.status).toBe(404);
  });

  it("a fingerprint history holds only the caller's occurrences", async () => {
    const page = await search.get(A, '/api/v1/alerts/fingerprint/fp-1/history', { limit: '1000' });
    expect(page.status).toBe(200);
    const all = [...hot, ...archived];
    expect(page.body.items.map((item) => item.id)).toEqual(
      referenceIds(all, { tenant: A, from: 0, to: Date.now(), fingerprint: ['fp-1'] }, 'desc'),
    );
    expect(
      referenceIds(all, { tenant: B, from: 0, to: Date.now(), fingerprint: ['fp-1'] }, 'desc').length,
    ).toBeGreaterThan(0);
    // Path-encoded fingerprints with spaces and quotes are matched literally.
    const quoted = await search.get(A, `/api/v1/alerts/fingerprint/${encodeURIComponent("fp 'quoted'")}/history`, {
      limit: '1000',
    });
    expect(quoted.body.items.length).toBeGreaterThan(0);
    expect(quoted.body.items.map((item) => item.id)).toEqual(
      referenceIds(all, { tenant: A, from: 0, to: Date.now(), fingerprint: ["fp 'quoted'"] }, 'desc'),
    );
  });

  it("refuses another tenant's cursor, a cursor for other filters, and altered or forged cursors", async () => {
    const first = await search.get(B, SEARCH, { ...range, limit: '2' });
    const cursor = first.body.nextCursor as string;
    expect(cursor).toEqual(expect.any(String));
    expect((await search.get(B, SEARCH, { ...range, limit: '2', cursor })).status).toBe(200);

    const [payload, mac] = cursor.split('.') as [string, string];
    const state = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const forgedPayload = Buffer.from(JSON.stringify({ ...state, p: [now, randomUUID()] })).toString('base64url');
    const attempts = {
      'another tenant': await search.get(A, SEARCH, { ...range, limit: '2', cursor }),
      'other filters': await search.get(B, SEARCH, { ...range, limit: '2', cursor, severity: 'critical' }),
      'altered payload': await search.get(B, SEARCH, { ...range, limit: '2', cursor: `${forgedPayload}.${mac}` }),
      'signed with another key': await search.get(B, SEARCH, {
        ...range,
        limit: '2',
        cursor: `${forgedPayload}.${createHmac('sha256', 'x'.repeat(40)).update(`alertgate-cursor.${forgedPayload}`).digest('base64url')}`,
      }),
      garbage: await search.get(B, SEARCH, { ...range, cursor: 'not-a-cursor' }),
      // Characters outside base64url used to be skipped, so this decoded to the valid cursor.
      'characters appended': await search.get(B, SEARCH, { ...range, limit: '2', cursor: `${cursor}!!` }),
    };
    for (const [name, answer] of Object.entries(attempts)) {
      expect(answer.status, name).toBe(400);
      expect(answer.body.details?.parameter, name).toBe('cursor');
    }
  });

  it('refuses admin keys and requests without a key', async () => {
    const keys = new ApiKeyStore(search.database.db, 0);
    const admin = await keys.create({ tenant: A, name: 'admin', isAdmin: true });
    try {
      const asAdmin = await search.app.inject({ method: 'GET', url: SEARCH, headers: { 'x-api-key': admin.key } });
      expect(asAdmin.statusCode).toBe(403);
    } finally {
      await search.database.sql`delete from api_keys where id = ${admin.id}`;
    }
    expect((await search.app.inject({ method: 'GET', url: SEARCH })).statusCode).toBe(401);
  });
});

describe('bad input is a 400 naming the parameter', () => {
  const cases: [string, Record<string, string | string[]>, string][] = [
    ['unknown field', { colour: 'red' }, 'colour'],
    ['bad date', { from: 'yesterday' }, 'from'],
    ['impossible date', { to: '2026-02-30T00:00:00Z' }, 'to'],
    ['from after to', { from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' }, 'from'],
    ['limit 0', { limit: '0' }, 'limit'],
    ['limit above 1000', { limit: '1001' }, 'limit'],
    ['limit not a number', { limit: 'ten' }, 'limit'],
    ['sort unknown', { sort: 'name:asc' }, 'sort'],
    ['repeated scalar', { q: ['disk', 'cpu'] }, 'q'],
    ['non-ASCII search term', { q: '磁盘' }, 'q'],
    ['no search term', { q: '***' }, 'q'],
    ['label without value', { labels: 'team' }, 'labels'],
    ['label key with wildcard', { labels: 'team.*=core' }, 'labels'],
    ['control character', { fingerprint: 'fp\u0000' }, 'fingerprint'],
    ['SQL in an enum field', { severity: "critical' OR '1'='1" }, 'severity'],
    ['SQL in a status', { status: 'firing;drop table alerts' }, 'status'],
    ['SQL in the provider', { provider: "grafana' or 1=1 --" }, 'provider'],
    ['SQL in a date', { from: "2026-01-01T00:00:00Z' or 1=1" }, 'from'],
    ['SQL in the sort', { sort: 'receivedAt:desc; drop table alerts' }, 'sort'],
  ];
  it.each(cases)('%s (GET)', async (_name, query, parameter) => {
    const answer = await search.get(A, SEARCH, query);
    expect(answer.status, JSON.stringify(answer.body)).toBe(400);
    expect(answer.body).toMatchObject({ error: 'bad_request', details: { parameter } });
    expect(answer.body.message).toMatch(new RegExp(`^${parameter.replace('*', '\\*')}: `));
  });

  it.each([
    ['unknown field', { colour: 'red' }, 'colour'],
    ['limit as text', { limit: 'ten' }, 'limit'],
    ['severity as number', { severity: 5 }, 'severity'],
    ['labels as object', { labels: { team: 'core' } }, 'labels'],
  ] as const)('%s (POST)', async (_name, body, parameter) => {
    const answer = await search.post(A, SEARCH, body);
    expect(answer.status, JSON.stringify(answer.body)).toBe(400);
    expect(answer.body.details?.parameter).toBe(parameter);
  });

  it('refuses a malformed id and an unknown history parameter', async () => {
    const id = await search.get(A, "/api/v1/alerts/1' or '1'='1");
    expect(id.status).toBe(400);
    expect(id.body.details?.parameter).toBe('id');
    const history = await search.get(A, '/api/v1/alerts/fingerprint/fp-1/history', { severity: 'high' });
    expect(history.status).toBe(400);
    expect(history.body.details?.parameter).toBe('severity');
  });

  it('treats quotes and wildcards in literal fields as data: nothing extra matches', async () => {
    const literals: Record<string, string>[] = [
      { fingerprint: "' OR '1'='1" },
      { fingerprint: '*' },
      { service: "api' --" },
      { environment: '"; DROP TABLE alerts; --' },
      { labels: "team=core' OR '1'='1" },
      { labels: 'team=*' },
    ];
    for (const query of literals) {
      const answer = await search.get(A, SEARCH, { ...range, ...query });
      expect(answer.status, JSON.stringify(query)).toBe(200);
      expect(answer.body.items, JSON.stringify(query)).toEqual([]);
    }
    const quoted = await search.get(A, SEARCH, { ...range, q: "' OR 1=1 --", limit: '1000' });
    expect(quoted.body.items.map((item) => item.id)).toEqual(
      referenceIds([...hot, ...archived], { tenant: A, from, to: now, q: "' OR 1=1 --" }, 'desc'),
    );
  });
});

describe('store failures', () => {
  const expectedHot = () => referenceIds(hotOf(A), { tenant: A, from, to: now }, 'desc');
  const expectedArchived = () => referenceIds(archivedOf(A), { tenant: A, from, to: now }, 'desc');

  it('answers from PostgreSQL with partial: true when Elasticsearch is unreachable', async () => {
    const down = await openSearchApp({
      elasticsearchUrl: `http://127.0.0.1:${await closedPort()}`,
      prefix: search.prefix,
    });
    try {
      down.watermark = search.watermark;
      const answer = await down.get(A, SEARCH, { ...range, limit: '1000' });
      expect(answer.status).toBe(200);
      expect(answer.body.partial).toBe(true);
      expect(answer.body.errors).toEqual([
        { source: 'elasticsearch', error: 'unavailable', message: expect.any(String) },
      ]);
      expect(answer.body.sources.elasticsearch.status).toBe('unavailable');
      expect(answer.body.sources.postgres.status).toBe('ok');
      expect(answer.body.items.map((item) => item.id)).toEqual(expectedHot());

      expect((await down.get(A, `/api/v1/alerts/${hotOf(A)[0]?.id}`)).status).toBe(200);
      const unsure = await down.get(A, `/api/v1/alerts/${archivedOf(A)[0]?.id}`);
      expect(unsure.status).toBe(503);
      expect(unsure.body.details?.errors).toEqual([expect.objectContaining({ source: 'elasticsearch' })]);
    } finally {
      await down.close();
    }
  });

  it('names a timeout when Elasticsearch hangs, within the per-store deadline', async () => {
    const hanging = await silentServer();
    const slow = await openSearchApp({
      elasticsearchUrl: hanging.url,
      prefix: search.prefix,
      env: { SEARCH_ELASTICSEARCH_TIMEOUT_MS: '300' },
    });
    try {
      slow.watermark = search.watermark;
      const started = Date.now();
      const answer = await slow.get(A, SEARCH, { ...range, limit: '1000' });
      expect(Date.now() - started).toBeLessThan(2000);
      expect(answer.body.partial).toBe(true);
      expect(answer.body.errors).toEqual([{ source: 'elasticsearch', error: 'timeout', message: expect.any(String) }]);
      expect(answer.body.items.map((item) => item.id)).toEqual(expectedHot());
    } finally {
      await slow.close();
      await hanging.close();
    }
  });

  it('answers from Elasticsearch when PostgreSQL is unreachable, and 503 when both are', async () => {
    const port = await closedPort();
    const pgDown = await openSearchApp({ databaseUrl: `postgres://x:y@127.0.0.1:${port}/none`, prefix: search.prefix });
    const bothDown = await openSearchApp({
      databaseUrl: `postgres://x:y@127.0.0.1:${port}/none`,
      elasticsearchUrl: `http://127.0.0.1:${port}`,
      prefix: search.prefix,
    });
    try {
      // The key lookup uses the working database: only the search's own stores are down.
      for (const app of [pgDown, bothDown]) app.watermark = search.watermark;
      const partial = await pgDown.get(A, SEARCH, { ...range, limit: '1000' });
      expect(partial.status).toBe(200);
      expect(partial.body.errors).toEqual([{ source: 'postgres', error: 'unavailable', message: expect.any(String) }]);
      expect(partial.body.items.map((item) => item.id)).toEqual(expectedArchived());

      const none = await bothDown.get(A, SEARCH, range);
      expect(none.status).toBe(503);
      expect(none.body.error).toBe('service_unavailable');
      expect(none.body.message).toMatch(/postgres: .*elasticsearch: /);
      expect(none.body.details?.errors?.map((error) => [error.source, error.error])).toEqual([
        ['postgres', 'unavailable'],
        ['elasticsearch', 'unavailable'],
      ]);
    } finally {
      await pgDown.close();
      await bothDown.close();
    }
  });
});

describe('gateway wiring', () => {
  it('serves the search routes with the archive watermark from archive_log', async () => {
    const config = loadConfig({ ...process.env, QUEUE_PREFIX: `test-${randomUUID()}`, LOG_LEVEL: 'silent' });
    const services = openServices(config, 'test');
    const gateway = await buildGateway(services, pino({ level: 'silent' }), config);
    const tenant = `search-gw-${randomUUID()}`;
    const keys = new ApiKeyStore(services.database.db, 0);
    try {
      const { key } = await keys.create({ tenant, name: 'search-test' });
      const answer = await gateway.app.inject({ method: 'GET', url: SEARCH, headers: { 'x-api-key': key } });
      expect(answer.statusCode).toBe(200);
      expect(answer.json()).toMatchObject({ items: [], total: { value: 0, relation: 'eq' }, partial: false });
    } finally {
      await gateway.stop();
      await services.database.sql`delete from api_keys where tenant = ${tenant}`;
      await services.close();
    }
  });
});
