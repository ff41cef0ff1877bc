/**
 * Hostile input on every route that takes input, enumerated from the built app: each variant gets
 * its specific 4xx in the shared error shape, and nothing is stored or enqueued.
 */
import { randomUUID } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/compose/gateway.js';
import { createPublishGate } from '../../src/lifecycle/publish-gate.js';
import { SilenceStore } from '../../src/lifecycle/silence-store.js';
import {
  bodyVariants,
  CONTENT_CODINGS,
  type DateField,
  dateFieldsOf,
  encoded,
  expectError,
  type InputRoute,
  routeSamples,
  routesTakingInput,
  type Sample,
  type SampleNames,
  STORABLE_EXTREMES,
  UNSTORABLE_DATES,
  urlOf,
} from '../support/bad-input.js';
import { committedBatch, openTestStack, queuedAlerts, type TestStack, uniqueTenant } from '../support/harness.js';
import { makeAlert } from '../support/publish.js';

let stack: TestStack;
let gateway: Gateway;
let keys: Record<InputRoute['keyKind'], Record<string, string>>;
const names: SampleNames = {
  tenant: uniqueTenant('bad-input'),
  name: `bad-input-${randomUUID().slice(0, 8)}`,
  fingerprint: `bad-input-${randomUUID()}`,
};
const samples = routeSamples(names);

beforeAll(async () => {
  stack = openTestStack();
  gateway = await stack.gateway();
  keys = {
    tenant: { 'x-api-key': await stack.createKey(names.tenant) },
    admin: { 'x-api-key': await stack.createKey(names.tenant, { isAdmin: true }) },
    none: {},
  };
});
afterAll(async () => {
  for (const url of [`/api/v1/admin/escalation-policies/${names.name}`, `/api/v1/targets/${names.name}`]) {
    await gateway.app.inject({ method: 'DELETE', url, headers: keys.admin });
  }
  const sql = stack.services.database.sql;
  await sql`delete from dedup_rules where tenant = ${names.tenant}`;
  await sql`delete from silences where tenant = ${names.tenant}`;
  await stack.close();
});

/** The routes are read from a gateway built outside any test, so `describe` can enumerate them. */
const { routes, dateFields } = await (async () => {
  const probe = openTestStack();
  try {
    const { app } = await probe.gateway();
    return { routes: routesTakingInput(app), dateFields: dateFieldsOf(app) };
  } finally {
    await probe.close();
  }
})();

function sampleOf(route: InputRoute): Sample {
  const sample = samples[route.key];
  if (!sample) throw new Error(`no sample request for ${route.key}: add one to test/support/bad-input.ts`);
  return sample;
}

function send(
  route: InputRoute,
  options: { url?: string; payload?: string | Buffer; contentType?: string; contentEncoding?: string } = {},
) {
  const sample = sampleOf(route);
  return gateway.app.inject({
    method: route.method,
    url: options.url ?? urlOf(route, encoded(sample.params), encoded(sample.query)),
    headers: {
      ...keys[route.keyKind],
      ...(options.payload !== undefined ? { 'content-type': options.contentType ?? 'application/json' } : {}),
      ...(options.contentEncoding ? { 'content-encoding': options.contentEncoding } : {}),
    },
    ...(options.payload !== undefined ? { payload: options.payload } : {}),
  });
}

const isIngestion = (route: InputRoute) => route.path.includes('/alerts/event') && route.method === 'POST';

describe('route coverage', () => {
  it('finds the routes that take input, and has a sample for each and only for those', () => {
    expect(routes.length).toBeGreaterThan(30);
    expect(routes.map((route) => route.key).sort()).toEqual(Object.keys(samples).sort());
  });
});

describe('hostile bodies', () => {
  for (const route of routes.filter((candidate) => candidate.hasBody)) {
    const variants = bodyVariants(sampleOf(route).body as Parameters<typeof bodyVariants>[0], {
      rejectsUnstorable: !isIngestion(route),
    });
    it.each(variants)(`${route.key}: $label`, async (variant) => {
      const response = await send(route, variant);
      expectError(response, variant.status, variant.error, variant.message);
    });
  }
});

describe('missing required fields', () => {
  const cases = routes.flatMap((route) => route.requiredBodyFields.map((field) => ({ route, field })));
  it.each(cases)('$route.key without "$field"', async ({ route, field }) => {
    const { [field]: _removed, ...rest } = sampleOf(route).body as Record<string, unknown>;
    const response = await send(route, { payload: JSON.stringify(rest) });
    expectError(response, 400, 'bad_request', new RegExp(`required property '${field}'`));
  });

  it('covers every body route that requires fields', () => {
    expect(cases.length).toBeGreaterThan(15);
  });
});

describe('hostile path and query parameters', () => {
  const cases = routes.flatMap((route) => {
    const sample = sampleOf(route);
    const params = encoded(sample.params);
    const query = encoded(sample.query);
    const names = [
      ...route.pathParameters.map((name) => ({ name, inPath: true })),
      ...route.queryParameters.filter((name) => name !== 'api_key').map((name) => ({ name, inPath: false })),
    ];
    return names.flatMap(({ name, inPath }) => {
      const url = (value: string) =>
        inPath ? urlOf(route, { ...params, [name]: value }, query) : urlOf(route, params, { ...query, [name]: value });
      return [
        {
          route,
          label: `NUL in ${name}`,
          url: url('a%00b'),
          message: new RegExp(`^${name}: (path|query) parameter holds a NUL`),
        },
        {
          route,
          label: `invalid UTF-8 in ${name}`,
          url: url('a%ED%A0%80b'),
          message: inPath ? /not a valid url component/ : /not percent-encoded UTF-8/,
        },
      ];
    });
  });

  it.each(cases)('$route.key: $label', async ({ route, url, message }) => {
    const sample = sampleOf(route);
    const response = await send(route, {
      url,
      ...(sample.body !== undefined ? { payload: JSON.stringify(sample.body) } : {}),
    });
    expectError(response, 400, 'bad_request', message);
  });
});

/** The route's sample with one date field set to `value`. */
function sendDate(field: DateField, value: string) {
  const route = routes.find((candidate) => candidate.key === field.route) as InputRoute;
  const sample = sampleOf(route);
  const query = field.in === 'query' ? { ...sample.query, [field.name]: value } : sample.query;
  const body = field.in === 'body' ? { ...(sample.body as object), [field.name]: value } : sample.body;
  return send(route, {
    url: urlOf(route, encoded(sample.params), encoded(query)),
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  });
}

describe('dates at and past the range every store keeps', () => {
  it('finds every date the routes take', () => {
    expect(dateFields.map((field) => `${field.route} ${field.in}:${field.name}`).sort()).toEqual([
      'GET /api/v1/admin/archive/log query:day',
      'GET /api/v1/admin/publish/log query:before',
      'GET /api/v1/alerts/fingerprint/{fingerprint}/history query:from',
      'GET /api/v1/alerts/fingerprint/{fingerprint}/history query:to',
      'GET /api/v1/alerts/search query:from',
      'GET /api/v1/alerts/search query:to',
      'POST /api/v1/admin/silences body:endsAt',
      'POST /api/v1/admin/silences body:startsAt',
      'POST /api/v1/alerts/search body:from',
      'POST /api/v1/alerts/search body:to',
    ]);
  });

  // Each of these passed validation and failed in PostgreSQL (SQLSTATE 22008): 503 or 500.
  const outside = dateFields.flatMap((field) => UNSTORABLE_DATES[field.kind].map((value) => ({ field, value })));
  it.each(outside)('$field.route $field.name=$value: 400 naming the field and the range', async ({ field, value }) => {
    const response = await sendDate(field, value);
    expectError(response, 400, 'bad_request', new RegExp(`^${field.name}: .*outside the storable range 0001-01-01`));
    expect(response.json().details).toEqual({ parameter: field.name });
  });

  // Reading routes only (a silence at the extremes would be stored); a `from` in 9999 is after `to`, now.
  const extremes = dateFields
    .filter((field) => field.route.startsWith('GET ') || field.route.endsWith('/search'))
    .flatMap((field) => STORABLE_EXTREMES[field.kind].map((value) => ({ field, value })))
    .filter(({ field, value }) => !(field.name === 'from' && value.startsWith('9999')));
  it.each(extremes)('$field.route $field.name=$value is served', async ({ field, value }) => {
    const response = await sendDate(field, value);
    expect(response.statusCode, response.body.slice(0, 300)).toBe(200);
  });
});

describe('after every rejected request', () => {
  it('nothing was stored or enqueued', async () => {
    const get = (url: string) => gateway.app.inject({ method: 'GET', url, headers: keys.admin });
    const rules = (await get('/api/v1/admin/dedup-rules')).json().rules as { tenant: string }[];
    expect(rules.filter((rule) => rule.tenant === names.tenant)).toEqual([]);
    expect((await get(`/api/v1/targets/${names.name}`)).statusCode).toBe(404);
    expect((await get(`/api/v1/admin/escalation-policies/${names.name}`)).statusCode).toBe(404);
    expect((await get(`/api/v1/admin/silences?tenant=${names.tenant}`)).json().silences).toEqual([]);
    expect(await queuedAlerts(gateway.ingestLog)).toEqual([]);
  });
});

describe('a silence with a catastrophic regex', () => {
  // After the "nothing was stored" check: this silence is valid, and stored.
  it('is matched in linear time: the event loop is not held', async () => {
    const created = await gateway.app.inject({
      method: 'POST',
      url: '/api/v1/admin/silences',
      headers: { ...keys.admin, 'content-type': 'application/json' },
      payload: JSON.stringify({
        tenant: names.tenant,
        matchers: [{ name: 'team', value: '(a+)+b', isRegex: true }],
        endsAt: new Date(Date.now() + 3_600_000).toISOString(),
        createdBy: 'bad-input test',
      }),
    });
    expect(created.statusCode, created.body).toBe(201);
    const publishable = createPublishGate(new SilenceStore(stack.services.database.db));
    // A backtracking engine needs 2^27 steps to find that this does not match: seconds.
    const alert = makeAlert(names.tenant, { labels: { team: `${'a'.repeat(27)}c` } });
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const allowed = await publishable(committedBatch([alert]).alerts);
    await new Promise((resolve) => setTimeout(resolve, 50));
    delay.disable();
    expect(allowed.map((item) => item.alert.id)).toEqual([alert.id]);
    expect(delay.max / 1e6).toBeLessThan(200);
  });
});

describe('the samples themselves', () => {
  // Last, since valid samples create entities: proves each variant above differed from a valid request
  // only by its hostile part.
  it.each(routes.filter((route) => !sampleOf(route).stream))('$key passes validation', async (route) => {
    const sample = sampleOf(route);
    const response = await send(route, sample.body !== undefined ? { payload: JSON.stringify(sample.body) } : {});
    expect([400, 413, 415, 422], `${route.key}: ${response.body.slice(0, 300)}`).not.toContain(response.statusCode);
    expect(response.statusCode).toBeLessThan(500);
  });

  const compressed = routes
    .filter((route) => route.hasBody)
    .flatMap((route) => Object.keys(CONTENT_CODINGS).map((coding) => ({ route, coding })));
  it.each(compressed)('$route.key accepts its sample sent with Content-Encoding $coding', async ({ route, coding }) => {
    const compress = CONTENT_CODINGS[coding as keyof typeof CONTENT_CODINGS];
    const response = await send(route, {
      payload: compress(JSON.stringify(sampleOf(route).body)),
      contentEncoding: coding,
    });
    expect([400, 413, 415, 422], `${route.key}: ${response.body.slice(0, 300)}`).not.toContain(response.statusCode);
    expect(response.statusCode).toBeLessThan(500);
  });

  it.each(routes.filter((route) => route.queryParameters.length > 0 && !sampleOf(route).stream))(
    '$key: a __proto__ query parameter pollutes nothing',
    async (route) => {
      const sample = sampleOf(route);
      const response = await send(route, {
        url: `${urlOf(route, encoded(sample.params), encoded(sample.query))}&__proto__=x&constructor[prototype][polluted]=1`,
        ...(sample.body !== undefined ? { payload: JSON.stringify(sample.body) } : {}),
      });
      expect(response.statusCode).toBeLessThan(500);
      if (response.statusCode >= 400) expectError(response, response.statusCode, response.json().error);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );
});
