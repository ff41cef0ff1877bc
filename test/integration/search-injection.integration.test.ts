/**
 * SQL and Elasticsearch injection attempts through every search parameter are inert: each answer
 * is either exactly the caller's matches by the documented semantics (compared with an independent
 * reference filter) or a 400 naming the parameter — over hot (PostgreSQL) and archived
 * (Elasticsearch) alerts alike — and the stores are unchanged afterwards.
 */
import { randomUUID } from 'node:crypto';
import pLimit from 'p-limit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dayStart } from '../../src/store/partitions.js';
import { type Answer, openSearchApp, type SearchTestApp } from '../support/search-app.js';
import { archiveAlerts, insertHotAlerts, type StoredAlert } from '../support/search-fixtures.js';
import { generateAlerts, type ReferenceFilter, referenceIds, spread } from '../support/search-reference.js';

const DAY = 86_400_000;
const A = `inject-a-${randomUUID()}`;
const B = `inject-b-${randomUUID()}`;
const now = Date.now();
const watermark = dayStart(new Date(now)).getTime() - DAY;
const window = { from: watermark - 2 * DAY, to: now };
const range = { from: new Date(window.from).toISOString(), to: new Date(window.to).toISOString(), limit: '1000' };
const SEARCH = '/api/v1/alerts/search';

/** SQL, LIKE, Elasticsearch query-string, regex and JSON payloads. */
const PAYLOADS = [
  "' OR 1=1 --",
  "'; DROP TABLE alerts; --",
  '"; DROP TABLE alerts; --',
  "%' OR '1'='1",
  "') OR ('1'='1",
  '1; select pg_sleep(5)',
  '%',
  '_',
  '\\',
  '\\%',
  '%_%',
  '*',
  '?',
  'name:*',
  'tenant:*',
  `tenant:${B}`,
  'OR',
  '* OR *',
  'a AND NOT b',
  '/.*/',
  '.*',
  '(?i).*',
  '{"match_all":{}}',
  '"}},{"match_all":{}},{"term":{"x":"',
  '{"$ne":null}',
  '@>',
  '$$ OR 1=1 $$',
];

/** Label keys a filter may name (the key charset is validated), chosen to collide with field names. */
const KEYS = ['tenant', '_id', 'labels', '__proto__', 'constructor', 'team', 'a.b', 'k8s.io/app'];

let search: SearchTestApp;
let alerts: StoredAlert[];
let hotCount: number;
let archivedCount: number;

/** One alert per payload and tenant, carrying the payload in every text field, alternately hot and archived. */
function payloadAlerts(tenant: string, seed: number): StoredAlert[] {
  const times = spread(window.from, now - 60_000, PAYLOADS.length);
  return generateAlerts(tenant, times, seed).map((alert, i) => {
    const payload = PAYLOADS[i] as string;
    return {
      ...alert,
      name: `probe ${payload}`,
      description: payload,
      fingerprint: payload,
      service: payload,
      environment: payload,
      // JSON.parse makes __proto__ and constructor own keys, as a stored document has them.
      labels: JSON.parse(
        JSON.stringify({ team: payload, tenant: B, 'a.b': payload }).replace(
          '{',
          '{"__proto__":"own","constructor":"own",',
        ),
      ) as Record<string, string>,
    };
  });
}

beforeAll(async () => {
  search = await openSearchApp();
  search.watermark = new Date(watermark);
  alerts = [
    ...generateAlerts(A, spread(window.from, now - 60_000, 60), 91),
    ...generateAlerts(B, spread(window.from, now - 60_000, 60), 92),
    ...payloadAlerts(A, 93),
    ...payloadAlerts(B, 94),
  ];
  const hot = alerts.filter((alert) => Date.parse(alert.receivedAt) >= watermark);
  const archived = alerts.filter((alert) => Date.parse(alert.receivedAt) < watermark);
  [hotCount, archivedCount] = [hot.length, archived.length];
  await insertHotAlerts(search.database.sql, hot);
  await archiveAlerts(search.elasticsearch, search.prefix, archived);
  await search.keyFor(B);
});
afterAll(() => search?.close());

function expected(filter: Omit<ReferenceFilter, 'tenant' | 'from' | 'to'>): string[] {
  return referenceIds(alerts, { tenant: A, ...window, ...filter }, 'desc');
}

type Outcome = { parameter: string; payload: string; status: number; ok: boolean; detail: string };

/** 200 must be exactly the reference answer from both stores; 400 must name the parameter. */
function judge(parameter: string, payload: string, answer: Answer, reference: string[]): Outcome {
  const { status, body } = answer;
  if (status === 200) {
    const ids = body.items.map((item) => item.id);
    const complete = body.sources.postgres.status === 'ok' && body.sources.elasticsearch.status === 'ok';
    const ok = complete && JSON.stringify(ids) === JSON.stringify(reference);
    return { parameter, payload, status, ok, detail: ok ? '' : `got ${ids.length}, expected ${reference.length}` };
  }
  const ok = status === 400 && body.error === 'bad_request' && body.details?.parameter === parameter;
  return { parameter, payload, status, ok, detail: ok ? '' : JSON.stringify(body) };
}

/** Runs the checks a few at a time: a bounded load, and a run time that fits the suite's timeout. */
async function runAll(checks: (() => Promise<Outcome>)[]): Promise<Outcome[]> {
  const limit = pLimit(4);
  return Promise.all(checks.map((check) => limit(check)));
}

describe('injection through search parameters', () => {
  it('exact-match filters (fingerprint, service, environment, labels) treat payloads as literals', async () => {
    const checks: (() => Promise<Outcome>)[] = [];
    for (const payload of PAYLOADS) {
      for (const parameter of ['fingerprint', 'service', 'environment'] as const) {
        checks.push(async () =>
          judge(
            parameter,
            payload,
            await search.get(A, SEARCH, { ...range, [parameter]: payload }),
            expected({ [parameter]: [payload] }),
          ),
        );
      }
      for (const key of KEYS) {
        const pair = `${key}=${payload}`;
        checks.push(async () =>
          judge('labels', pair, await search.get(A, SEARCH, { ...range, labels: pair }), expected({ labels: [pair] })),
        );
      }
      for (const pairs of [[`team=${payload}`, `a.b=${payload}`], [`__proto__=${payload}`]]) {
        checks.push(async () =>
          judge(
            'labels',
            `POST ${pairs.join(' ')}`,
            await search.post(A, SEARCH, { ...range, limit: 1000, labels: pairs }),
            expected({ labels: pairs }),
          ),
        );
      }
      checks.push(async () =>
        judge(
          'fingerprint',
          `POST ${payload}`,
          await search.post(A, SEARCH, { ...range, limit: 1000, fingerprint: [payload, '%'] }),
          expected({ fingerprint: [payload, '%'] }),
        ),
      );
    }
    const outcomes = await runAll(checks);
    expect(outcomes.filter((outcome) => !outcome.ok)).toEqual([]);
    // Every literal was accepted and found exactly its own alert: the filters were exercised, not refused.
    const literal = outcomes.filter((outcome) => ['fingerprint', 'service', 'environment'].includes(outcome.parameter));
    expect(literal.every((outcome) => outcome.status === 200)).toBe(true);
    const single = await search.get(A, SEARCH, { ...range, fingerprint: "' OR 1=1 --" });
    expect(single.body.items.map((item) => item.fingerprint)).toEqual(["' OR 1=1 --"]);
    // A label named like a field matches the label, never the field: these alerts' `tenant` label is B.
    const tenantLabel = await search.get(A, SEARCH, { ...range, labels: `tenant=${B}` });
    expect(tenantLabel.body.items).toHaveLength(PAYLOADS.length);
    expect(new Set(tenantLabel.body.items.map((item) => item.tenant))).toEqual(new Set([A]));
  }, 90_000);

  it('free text, enumerations, times, paging and path parameters refuse or neutralize payloads', async () => {
    const checks: (() => Promise<Outcome>)[] = [];
    for (const payload of PAYLOADS) {
      checks.push(async () =>
        judge('q', payload, await search.get(A, SEARCH, { ...range, q: payload }), expected({ q: payload })),
      );
      checks.push(async () =>
        judge(
          'q',
          `POST probe ${payload}`,
          await search.post(A, SEARCH, { ...range, limit: 1000, q: `probe ${payload}` }),
          expected({ q: `probe ${payload}` }),
        ),
      );
      // None of these takes a literal: every payload must be refused, naming the parameter.
      for (const parameter of ['provider', 'severity', 'status', 'from', 'to', 'cursor', 'sort', 'limit']) {
        checks.push(async () => {
          const refused = judge(
            parameter,
            payload,
            await search.get(A, SEARCH, { ...range, [parameter]: payload }),
            [],
          );
          return { ...refused, ok: refused.ok && refused.status === 400 };
        });
      }
      const allTime = { tenant: A, from: 0, to: Date.now(), fingerprint: [payload] };
      checks.push(async () =>
        judge(
          'fingerprint',
          `history ${payload}`,
          await search.get(A, `/api/v1/alerts/fingerprint/${encodeURIComponent(payload)}/history`, { limit: '1000' }),
          referenceIds(alerts, allTime, 'desc'),
        ),
      );
      checks.push(async () => {
        const byId = judge(
          'id',
          `by id ${payload}`,
          await search.get(A, `/api/v1/alerts/${encodeURIComponent(payload)}`),
          [],
        );
        return { ...byId, ok: byId.ok && byId.status === 400 };
      });
    }
    const outcomes = await runAll(checks);
    expect(outcomes.filter((outcome) => !outcome.ok)).toEqual([]);
    // Terms are letters and digits: `tenant:*` searches for the word "tenant", not a field.
    const probe = await search.get(A, SEARCH, { ...range, q: 'tenant:* probe' });
    expect(probe.body.items.map((item) => item.description)).toEqual([`tenant:${B}`, 'tenant:*']); // newest first
  }, 90_000);

  it('left both stores intact', async () => {
    const [row] = await search.database.sql<{ n: number }[]>`
      select count(*)::int as n from alerts where tenant in ${search.database.sql([A, B])}`;
    expect(row?.n).toBe(hotCount);
    await search.elasticsearch.indices.refresh({ index: `${search.prefix}-*` });
    const archived = await search.elasticsearch.count({ index: `${search.prefix}-*` });
    expect(archived.count).toBe(archivedCount);
    const everything = await search.get(A, SEARCH, range);
    expect(everything.body.items.map((item) => item.id)).toEqual(expected({}));
  });
});
