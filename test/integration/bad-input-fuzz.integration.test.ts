/**
 * Properties against the real app: any search parameters (GET query or POST body) get an answer
 * that is never a 5xx; and any valid Keep-format alert posted through the gateway and committed by
 * a worker is found through search with every field as sent.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEVERITIES, STATUSES } from '../../src/alert/alert.js';
import { alertId } from '../../src/alert/identity.js';
import type { Gateway } from '../../src/compose/gateway.js';
import { expectError } from '../support/bad-input.js';
import { openTestStack, type TestStack, uniqueTenant, waitFor } from '../support/harness.js';

/** Fixed for reproducible runs; a failure prints its own seed and path to replay it. */
const SEED = Number(process.env.FAST_CHECK_SEED ?? 20_261_124);

let stack: TestStack;
let gateway: Gateway;
const tenant = uniqueTenant('fuzz');
let headers: Record<string, string>;

beforeAll(async () => {
  stack = openTestStack();
  gateway = await stack.gateway();
  await stack.worker();
  headers = { 'x-api-key': await stack.createKey(tenant) };
});
afterAll(() => stack.close());

/** Text a store can hold: any Unicode scalar value but U+0000 (no lone surrogates by construction). */
const text = (maxLength = 40) => fc.string({ unit: 'binary', maxLength }).filter((value) => !value.includes('\u0000'));
/** Object keys: anything but the prototype-pollution key the parser refuses. */
const key = text(20).filter((value) => value !== '__proto__');

const searchValue = fc.oneof(
  text(),
  fc.string({ unit: 'binary-ascii', maxLength: 80 }),
  fc.constantFrom(...SEVERITIES, ...STATUSES, 'receivedAt:asc', 'team=core', '', '0', '-1', '1001', '1e400'),
  fc.integer().map(String),
  fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
  fc.constantFrom('2026-02-30T00:00:00Z', '9999-12-31T23:59:59Z', '0000-01-01T00:00:00Z', '+275760-09-13T00:00:00Z'),
);
const searchField = fc.constantFrom(
  'from',
  'to',
  'limit',
  'cursor',
  'sort',
  'q',
  'provider',
  'severity',
  'status',
  'fingerprint',
  'service',
  'environment',
  'labels',
);
const searchParameters = fc.array(fc.tuple(fc.oneof(searchField, key), fc.array(searchValue, { maxLength: 3 })), {
  maxLength: 6,
});

function expectNoServerError(response: Awaited<ReturnType<Gateway['app']['inject']>>): void {
  expect(response.statusCode, response.body.slice(0, 300)).toBeLessThan(500);
  if (response.statusCode >= 400) expectError(response, response.statusCode, response.json().error);
  else expect(response.json()).toMatchObject({ items: expect.any(Array), partial: false });
}

describe('search parameters, arbitrary', () => {
  it('GET query strings never get a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(searchParameters, async (parameters) => {
        const query = parameters
          .flatMap(([name, values]) =>
            values.map((value) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`),
          )
          .join('&');
        expectNoServerError(
          await gateway.app.inject({ method: 'GET', url: `/api/v1/alerts/search?${query}`, headers }),
        );
      }),
      { seed: SEED, numRuns: 150 },
    );
  });

  it('POST bodies never get a 5xx', async () => {
    const value = fc.oneof(
      searchValue,
      fc.array(searchValue, { maxLength: 3 }),
      fc.integer(),
      fc.jsonValue({ maxDepth: 2 }),
    );
    const body = fc.dictionary(fc.oneof(searchField, key), value, { maxKeys: 6 });
    await fc.assert(
      fc.asyncProperty(body, async (payload) => {
        expectNoServerError(
          await gateway.app.inject({
            method: 'POST',
            url: '/api/v1/alerts/search',
            headers: { ...headers, 'content-type': 'application/json' },
            payload: JSON.stringify(payload),
          }),
        );
      }),
      { seed: SEED, numRuns: 150 },
    );
  });
});

/** Fields the Keep adapter gives a meaning (or owns); everything else lands in `extra` unchanged. */
const KEEP_FIELDS = new Set([
  'id',
  'name',
  'status',
  'severity',
  'fingerprint',
  'lastReceived',
  'description',
  'message',
  'source',
  'service',
  'environment',
  'url',
  'labels',
  'description_format',
  'event_id',
  'apiKeyRef',
  'providerId',
  'providerType',
  'pushed',
  'startedAt',
  'firingStartTime',
  'firingStartTimeSinceLastResolved',
  'firingCounter',
  'unresolvedCounter',
  'isFullDuplicate',
  'isPartialDuplicate',
  'duplicateReason',
  'enriched_fields',
]);

/** Vendor values as JSON carries them (-0 is 0 once serialized), holding no NUL (which is stripped). */
const extraValue = fc
  .jsonValue({ maxDepth: 3 })
  .map((value) => JSON.parse(JSON.stringify(value)) as unknown)
  .filter((value) => !JSON.stringify(value).includes('\\u0000'));
const now = Date.now();
const keepAlert = fc.record({
  id: fc.option(text(), { nil: undefined }),
  name: text(60).filter((value) => value.length > 0),
  status: fc.constantFrom(...STATUSES),
  severity: fc.constantFrom(...SEVERITIES),
  lastReceived: fc
    .date({ min: new Date(now - 3000 * 86_400_000), max: new Date(now + 600_000), noInvalidDate: true })
    .map((date) => date.toISOString()),
  description: fc.option(text(200), { nil: null }),
  message: fc.option(text(200), { nil: null }),
  source: fc.array(text(), { minLength: 1, maxLength: 3 }),
  service: fc.option(text(), { nil: null }),
  environment: fc.option(text(), { nil: null }),
  url: fc.option(fc.webUrl(), { nil: null }),
  labels: fc.dictionary(key, text(), { maxKeys: 5 }),
  extra: fc.dictionary(
    // `constructor` holding a `prototype` member is refused as prototype pollution.
    key.filter((name) => !KEEP_FIELDS.has(name) && name !== 'constructor'),
    extraValue,
    { maxKeys: 4 },
  ),
});

describe('round trip: accepted alerts are found through search unchanged', () => {
  it('every field of every alert survives ingestion, commit and search', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(keepAlert, { minLength: 1, maxLength: 4 }), async (alerts) => {
        run += 1;
        const sent = alerts.map(({ extra, ...alert }, index) => ({
          ...extra,
          ...alert,
          fingerprint: `fuzz-${run}-${index}-${randomUUID()}`,
        }));
        const response = await gateway.app.inject({
          method: 'POST',
          url: '/alerts/event',
          headers: { ...headers, 'content-type': 'application/json' },
          payload: JSON.stringify(sent),
        });
        expect(response.statusCode, response.body).toBe(202);
        const { requestId } = response.json() as { requestId: string };
        const found = await waitFor(async () => {
          const search = await gateway.app.inject({
            method: 'POST',
            url: '/api/v1/alerts/search',
            headers: { ...headers, 'content-type': 'application/json' },
            payload: JSON.stringify({ fingerprint: sent.map((alert) => alert.fingerprint) }),
          });
          const items = search.json().items as Record<string, unknown>[];
          return items.length === sent.length ? items : null;
        });
        for (const [index, alert] of alerts.entries()) {
          const idAt = (receivedAt: unknown) => alertId(tenant, requestId, index, String(receivedAt));
          const item = found.find((candidate) => candidate.id === idAt(candidate.receivedAt));
          expect(item).toEqual({
            id: idAt(item?.receivedAt),
            eventId: alert.id === undefined || alert.id.trim() === '' ? null : alert.id,
            fingerprint: sent[index]?.fingerprint,
            tenant,
            providerType: 'keep',
            providerId: null,
            receivedAt: expect.any(String),
            name: alert.name,
            status: alert.status,
            severity: alert.severity,
            lastReceived: alert.lastReceived,
            description: alert.description,
            message: alert.message,
            source: alert.source,
            service: alert.service,
            environment: alert.environment,
            url: alert.url,
            labels: alert.labels,
            extra: alert.extra,
          });
        }
      }),
      { seed: SEED, numRuns: 25 },
    );
  });
});
