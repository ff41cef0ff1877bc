/**
 * Shared material of the bad-input suites: every route that takes input, read from the built app's
 * OpenAPI document, a valid sample request for each, and the hostile variants derived from them.
 */
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { expect } from 'vitest';
import type { App } from '../../src/http/app.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** A route as the OpenAPI document describes it. */
export interface InputRoute {
  /** `POST /api/v1/targets/{name}`: method and OpenAPI path. */
  key: string;
  method: HttpMethod;
  path: string;
  pathParameters: string[];
  queryParameters: string[];
  hasBody: boolean;
  /** Top-level properties the body schema requires. */
  requiredBodyFields: string[];
  /** Tenant routes accept Bearer/Basic too; admin routes only the admin key. */
  keyKind: 'tenant' | 'admin' | 'none';
}

/** A valid request for a route: enough to get past validation, so a variant's rejection is the variant's doing. */
export interface Sample {
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
  /** Long-lived responses (SSE): a valid request would never end under inject. */
  stream?: boolean;
}

interface OpenApiOperation {
  parameters?: { in: string; name: string; description?: string }[];
  requestBody?: {
    content: Record<
      string,
      { schema?: { required?: string[]; properties?: Record<string, { description?: string }> } }
    >;
  };
  security?: Record<string, unknown>[];
}

function operationsOf(app: App): [string, OpenApiOperation][] {
  const document = app.swagger() as { paths: Record<string, Record<string, OpenApiOperation>> };
  return Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, operation]): [string, OpenApiOperation] => [
      `${method.toUpperCase()} ${path}`,
      operation,
    ]),
  );
}

/** A date a route takes: a query parameter or top-level body field, an instant or a calendar day. */
export interface DateField {
  route: string;
  in: 'query' | 'body';
  name: string;
  kind: 'instant' | 'day';
}

/** Every field the OpenAPI document describes as a date-time or a day. */
export function dateFieldsOf(app: App): DateField[] {
  const kindOf = (description = ''): DateField['kind'] | null =>
    /date-time/.test(description) ? 'instant' : /\bday YYYY-MM-DD/.test(description) ? 'day' : null;
  return operationsOf(app).flatMap(([route, operation]) => {
    const fields: DateField[] = [];
    for (const parameter of operation.parameters ?? []) {
      const kind = kindOf(parameter.description);
      if (parameter.in === 'query' && kind) fields.push({ route, in: 'query', name: parameter.name, kind });
    }
    const properties = operation.requestBody?.content['application/json']?.schema?.properties ?? {};
    for (const [name, property] of Object.entries(properties)) {
      const kind = kindOf(property.description);
      if (kind) fields.push({ route, in: 'body', name, kind });
    }
    return fields;
  });
}

/** Dates PostgreSQL refused (SQLSTATE 22008) until the range was checked, by kind. */
export const UNSTORABLE_DATES: Record<DateField['kind'], string[]> = {
  instant: ['0000-01-01T00:00:00Z', '0001-01-01T00:00:00+01:00', '9999-12-31T23:59:59.999-00:01'],
  day: ['0000-01-01'],
};
/** The first and last date every store keeps, by kind. */
export const STORABLE_EXTREMES: Record<DateField['kind'], string[]> = {
  instant: ['0001-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z'],
  day: ['0001-01-01', '9999-12-31'],
};

/** Every documented route that takes a path parameter, a query parameter or a body. */
export function routesTakingInput(app: App): InputRoute[] {
  const routes: InputRoute[] = [];
  for (const [key, operation] of operationsOf(app)) {
    const [method, path] = key.split(' ') as [HttpMethod, string];
    const parameters = operation.parameters ?? [];
    const route: InputRoute = {
      key,
      method,
      path,
      pathParameters: parameters.filter((p) => p.in === 'path').map((p) => p.name),
      queryParameters: parameters.filter((p) => p.in === 'query').map((p) => p.name),
      hasBody: operation.requestBody !== undefined,
      requiredBodyFields: operation.requestBody?.content['application/json']?.schema?.required ?? [],
      keyKind: !operation.security?.length
        ? 'none'
        : operation.security.some((scheme) => 'bearer' in scheme)
          ? 'tenant'
          : 'admin',
    };
    if (route.pathParameters.length + route.queryParameters.length > 0 || route.hasBody) routes.push(route);
  }
  return routes;
}

/** Names unique to one test run, so samples never meet another test's data. */
export interface SampleNames {
  tenant: string;
  /** Target and escalation-policy name (those are global, not per tenant). */
  name: string;
  fingerprint: string;
}

const UUID = '00000000-0000-4000-8000-000000000000';

/**
 * A valid sample request per route key. The targets and policies are disabled and scoped to the
 * run's tenant, so workers of other tests never act on them.
 */
export function routeSamples(names: SampleNames): Record<string, Sample> {
  const alert = { name: 'bad-input sample', severity: 'warning', labels: { team: 'core' } };
  const prometheusAlert = { labels: { alertname: 'bad-input sample', team: 'core' }, annotations: { summary: 'x' } };
  const rule = { tenant: names.tenant, name: names.name, providerType: 'keep', fingerprintFields: ['name'] };
  const target = {
    name: names.name,
    type: 'webhook',
    enabled: false,
    routes: [{ tenants: [names.tenant] }],
    timeoutMs: 1000,
    settings: { url: 'http://127.0.0.1:9/hook', headers: { 'x-team': 'core' } },
  };
  const policy = {
    name: names.name,
    enabled: false,
    minSeverity: 'high',
    tenants: [names.tenant],
    labels: { team: 'core' },
    steps: [{ after: '5m', targets: [names.name] }],
  };
  const silence = {
    tenant: names.tenant,
    matchers: [{ name: 'team', value: 'core' }],
    endsAt: new Date(Date.now() + 3_600_000).toISOString(),
    createdBy: 'bad-input test',
    comment: 'sample',
  };
  const search = { q: 'disk', severity: ['high'], labels: ['team=core'], limit: 10 };
  const ingestQuery = { provider_id: 'p1', fingerprint: names.fingerprint };
  const action = { actor: 'bad-input test', note: 'sample' };
  return {
    'GET /alerts/event/netdata': { query: { token: 'abc' } },
    'GET /api/v1/alerts/event/netdata': { query: { token: 'abc' } },
    'POST /alerts/event': { query: ingestQuery, body: alert },
    'POST /api/v1/alerts/event': { query: ingestQuery, body: alert },
    'POST /alerts/event/{provider_type}': { params: { provider_type: 'keep' }, query: ingestQuery, body: alert },
    'POST /api/v1/alerts/event/{provider_type}': {
      params: { provider_type: 'keep' },
      query: ingestQuery,
      body: alert,
    },
    'POST /api/v2/alerts': { query: ingestQuery, body: [prometheusAlert] },
    'POST /api/v1/alerts': { query: ingestQuery, body: [prometheusAlert] },
    'POST /api/v1/admin/dedup-rules': { body: rule },
    'PUT /api/v1/admin/dedup-rules/{id}': { params: { id: UUID }, body: rule },
    'DELETE /api/v1/admin/dedup-rules/{id}': { params: { id: UUID } },
    'GET /api/v1/admin/dlq/ingest': { query: { tenant: names.tenant, limit: '10' } },
    'POST /api/v1/admin/dlq/ingest/replay': { query: { limit: '1' } },
    'POST /api/v1/admin/dlq/ingest/{id}/replay': { params: { id: UUID } },
    'GET /api/v1/admin/archive/log': { query: { limit: '5', day: '2026-01-02', status: 'verified' } },
    'POST /api/v1/targets': { body: target },
    'GET /api/v1/targets/{name}': { params: { name: names.name } },
    'PUT /api/v1/targets/{name}': { params: { name: names.name }, body: target },
    'DELETE /api/v1/targets/{name}': { params: { name: names.name } },
    'GET /api/v1/admin/publish/dlq': { query: { target: names.name, limit: '5', offset: '0' } },
    'POST /api/v1/admin/publish/dlq/{id}/replay': { params: { id: UUID } },
    'POST /api/v1/admin/publish/dlq/replay': { query: { target: names.name } },
    'GET /api/v1/admin/publish/log': {
      query: { target: names.name, partial: 'false', before: '2026-01-02T00:00:00Z', limit: '5' },
    },
    'GET /api/v1/admin/publish/log/{batchId}': { params: { batchId: UUID } },
    'GET /api/v1/alerts/search': {
      query: { q: 'disk', severity: 'high', labels: 'team=core', limit: '10', sort: 'receivedAt:asc' },
    },
    'POST /api/v1/alerts/search': { body: search },
    'GET /api/v1/alerts/fingerprint/{fingerprint}/history': {
      params: { fingerprint: names.fingerprint },
      query: { limit: '10' },
    },
    'GET /api/v1/alerts/{id}': { params: { id: UUID } },
    'GET /api/v1/alerts/stream': { query: { severity: 'high', labels: 'team=core' }, stream: true },
    'GET /api/v1/alerts/ws': { query: { severity: 'high' }, stream: true },
    'POST /api/v1/alerts/{fingerprint}/acknowledge': { params: { fingerprint: names.fingerprint }, body: action },
    'POST /api/v1/alerts/{fingerprint}/resolve': { params: { fingerprint: names.fingerprint }, body: action },
    'POST /api/v1/alerts/{fingerprint}/suppress': { params: { fingerprint: names.fingerprint }, body: action },
    'POST /api/v1/alerts/{fingerprint}/unsuppress': { params: { fingerprint: names.fingerprint }, body: action },
    'GET /api/v1/alerts/fingerprint/{fingerprint}/lifecycle': {
      params: { fingerprint: names.fingerprint },
      query: { limit: '10' },
    },
    'GET /api/v1/admin/silences': { query: { tenant: names.tenant, state: 'active', limit: '10' } },
    'POST /api/v1/admin/silences': { body: silence },
    'GET /api/v1/admin/silences/{id}': { params: { id: UUID } },
    'DELETE /api/v1/admin/silences/{id}': { params: { id: UUID } },
    'POST /api/v1/admin/escalation-policies': { body: policy },
    'GET /api/v1/admin/escalation-policies/{name}': { params: { name: names.name } },
    'PUT /api/v1/admin/escalation-policies/{name}': { params: { name: names.name }, body: policy },
    'DELETE /api/v1/admin/escalation-policies/{name}': { params: { name: names.name } },
    'GET /admin/events': { stream: true },
  };
}

/** The URL of `route` with the sample's parameters, each already percent-encoded unless raw. */
export function urlOf(route: InputRoute, params: Record<string, string>, query: Record<string, string>): string {
  const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => params[name] ?? 'x');
  const search = Object.entries(query)
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
  return search ? `${path}?${search}` : path;
}

/** Percent-encodes every parameter of a sample. */
export function encoded(values: Record<string, string> = {}): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [name, encodeURIComponent(value)]));
}

/** A hostile request body and the error it must get. */
export interface BodyVariant {
  label: string;
  payload: string | Buffer;
  contentType: string;
  status: number;
  error: string;
  /** A fragment the message must hold: the problem named. */
  message: RegExp;
  /** Content-Encoding header sent with the payload. */
  contentEncoding?: string;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Paths (as key lists) of every node of `value` that satisfies `test`, in pre-order. */
function paths(value: Json, test: (node: Json) => boolean, at: (string | number)[] = []): (string | number)[][] {
  const found = test(value) ? [at] : [];
  if (Array.isArray(value)) return [...found, ...value.flatMap((item, i) => paths(item, test, [...at, i]))];
  if (value !== null && typeof value === 'object')
    return [...found, ...Object.entries(value).flatMap(([key, item]) => paths(item, test, [...at, key]))];
  return found;
}

/** The JSON text of `value` with the node at `path` replaced by the raw JSON text `raw`. */
function replacedAt(value: Json, path: (string | number)[], raw: string): string {
  if (path.length === 0) return raw;
  const marker = `\u0001marker${Math.random()}\u0001`;
  const copy = structuredClone(value);
  let node = copy as Record<string | number, Json>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, Json>;
  node[path[path.length - 1] as string | number] = marker;
  return JSON.stringify(copy).replace(JSON.stringify(marker), () => raw);
}

const isString = (node: Json) => typeof node === 'string';
const isNumber = (node: Json) => typeof node === 'number';
const isArray = (node: Json) => Array.isArray(node);
const isObject = (node: Json) => node !== null && typeof node === 'object' && !Array.isArray(node);

/** A million-element array: 2 MB of JSON, under the body limit, so the array limit must catch it. */
export const MILLION_ELEMENTS = `[${'0,'.repeat(999_999)}0]`;
/** Nesting far past JSON_MAX_DEPTH (and deep enough to overflow a naive recursive walk). */
export const DEEP_NESTING = `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`;
/** A string of 10 MB (over the default 5 MiB body limit). */
export const TEN_MB_STRING = JSON.stringify('x'.repeat(10 * 1024 * 1024));
/** 330,000 keys in one object (3.5 MB, under the body limit): JSON.parse alone held the event loop 1.9 s. */
export const KEY_BOMB = `{${Array.from({ length: 330_000 }, (_, i) => `"k${i}":0`).join(',')}}`;
/** The same number of keys spread over 33,000 small objects, each under any per-object bound. */
export const SPREAD_KEY_BOMB = JSON.stringify(
  Array.from({ length: 33_000 }, () => Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, 0]))),
);

/** The body codings the gateway decodes, each with its compressor. */
export const CONTENT_CODINGS = { gzip: gzipSync, deflate: deflateSync, br: brotliCompressSync } as const;
/** 64 MB of JSON whitespace and `1`, compressed to a few kilobytes per coding: a decompression bomb. */
const BOMB_TEXT = Buffer.concat([Buffer.alloc(64 * 1024 * 1024, 0x20), Buffer.from('1')]);
export const COMPRESSION_BOMBS = Object.fromEntries(
  Object.entries(CONTENT_CODINGS).map(([coding, compress]) => [coding, compress(BOMB_TEXT)]),
) as Record<keyof typeof CONTENT_CODINGS, Buffer>;

/**
 * Hostile codings of a valid body: decompression bombs, a plain body declared compressed, a
 * truncated stream, codings the gateway does not know.
 */
export function encodingVariants(text: string): BodyVariant[] {
  const json = 'application/json';
  const variants: BodyVariant[] = Object.entries(COMPRESSION_BOMBS).map(([coding, payload]) => ({
    label: `${coding} bomb (64 MB decoded)`,
    payload,
    contentType: json,
    contentEncoding: coding,
    status: 413,
    error: 'payload_too_large',
    message: /decoded request body exceeds/,
  }));
  for (const coding of Object.keys(CONTENT_CODINGS)) {
    variants.push({
      label: `plain body declared ${coding}`,
      payload: text,
      contentType: json,
      contentEncoding: coding,
      status: 400,
      error: 'bad_request',
      message: new RegExp(`not valid ${coding}`),
    });
  }
  const gzipped = gzipSync(text);
  variants.push(
    {
      label: 'truncated gzip stream',
      payload: gzipped.subarray(0, gzipped.length - 8),
      contentType: json,
      contentEncoding: 'gzip',
      status: 400,
      error: 'bad_request',
      message: /not valid gzip/,
    },
    ...['xyz', 'compress', 'gzip, gzip', 'constructor'].map((coding) => ({
      label: `Content-Encoding "${coding}"`,
      payload: text,
      contentType: json,
      contentEncoding: coding,
      status: 415,
      error: 'unsupported_media_type',
      message: /Content-Encoding .*; send one of gzip, deflate, br/,
    })),
  );
  return variants;
}

/**
 * Hostile variants of a valid JSON body: whole-body ones (syntax, encoding, media type) and one per
 * node for the node-level ones (NUL, lone surrogates, prototype keys, numbers, arrays, nesting).
 * `rejectsUnstorable` is false for ingestion, where NUL and lone surrogates are stripped rather than refused.
 */
export function bodyVariants(sample: Json, options: { rejectsUnstorable: boolean }): BodyVariant[] {
  const text = JSON.stringify(sample);
  const json = 'application/json';
  const invalidJson = { status: 400, error: 'invalid_json' };
  const variants: BodyVariant[] = [
    { label: 'malformed JSON', payload: '{"name": "x",', contentType: json, ...invalidJson, message: /JSON/i },
    {
      label: 'truncated body',
      payload: text.slice(0, Math.floor(text.length / 2)),
      contentType: json,
      ...invalidJson,
      message: /JSON/i,
    },
    { label: 'empty body', payload: '', contentType: json, ...invalidJson, message: /empty/i },
    {
      label: 'wrong content type',
      payload: text,
      contentType: 'application/xml',
      status: 415,
      error: 'unsupported_media_type',
      message: /Content-Type "application\/xml"/,
    },
    {
      label: 'raw NUL byte',
      payload: text.replace(/"([^"]*)"/, '"$1\u0000"'),
      contentType: json,
      ...invalidJson,
      message: /JSON/i,
    },
    {
      label: '10 MB string',
      payload: `{"name":${TEN_MB_STRING}}`,
      contentType: json,
      status: 413,
      error: 'payload_too_large',
      message: /body/i,
    },
    {
      label: '330,000 keys in one object',
      payload: KEY_BOMB,
      contentType: json,
      status: 413,
      error: 'payload_too_large',
      message: /more than 100000 object keys/,
    },
    {
      label: '330,000 keys over 33,000 objects',
      payload: SPREAD_KEY_BOMB,
      contentType: json,
      status: 413,
      error: 'payload_too_large',
      message: /more than 100000 object keys/,
    },
    ...encodingVariants(text),
  ];
  const firstString = paths(sample, isString)[0];
  if (firstString) {
    const utf8 = Buffer.from(replacedAt(sample, firstString, '"\u0000"'));
    const at = utf8.indexOf(0);
    utf8.set([0xc3], at);
    variants.push({
      label: `invalid UTF-8 at /${firstString.join('/')}`,
      payload: utf8,
      contentType: json,
      status: 400,
      error: 'bad_request',
      message: /UTF-8/,
    });
  }
  for (const path of paths(sample, isString)) {
    const where = `/${path.join('/')}`;
    if (options.rejectsUnstorable) {
      variants.push(
        unstorable(`NUL at ${where}`, replacedAt(sample, path, '"a\\u0000b"'), where),
        unstorable(`lone surrogate at ${where}`, replacedAt(sample, path, '"a\\ud800b"'), where),
      );
    }
  }
  for (const path of paths(sample, isNumber)) {
    variants.push({
      label: `number overflowing to Infinity at /${path.join('/')}`,
      payload: replacedAt(sample, path, '1e400'),
      contentType: json,
      ...invalidJson,
      message: /out of range/,
    });
  }
  for (const path of paths(sample, isArray)) {
    variants.push({
      label: `array of 1,000,000 elements at /${path.join('/')}`,
      payload: replacedAt(sample, path, MILLION_ELEMENTS),
      contentType: json,
      status: 413,
      error: 'payload_too_large',
      message: /1000000 elements/,
    });
  }
  for (const path of paths(sample, isObject)) {
    const where = `/${path.join('/')}`;
    const withKey = (raw: string) => replacedAt(sample, path, raw);
    const inner = JSON.stringify(path.reduce<Json>((node, key) => (node as Record<string, Json>)[key] as Json, sample));
    const extend = (member: string) => withKey(inner === '{}' ? `{${member}}` : `{${member},${inner.slice(1)}`);
    variants.push(
      {
        label: `__proto__ key at ${where}`,
        payload: extend('"__proto__":{"polluted":true}'),
        contentType: json,
        ...invalidJson,
        message: /prototype/i,
      },
      {
        label: `constructor.prototype key at ${where}`,
        payload: extend('"constructor":{"prototype":{"polluted":true}}'),
        contentType: json,
        ...invalidJson,
        message: /prototype/i,
      },
      {
        label: `deep nesting at ${where}`,
        payload: extend(`"deep":${DEEP_NESTING}`),
        contentType: json,
        status: 413,
        error: 'payload_too_large',
        message: /nests deeper than/,
      },
    );
  }
  return variants;
}

function unstorable(label: string, payload: string, where: string): BodyVariant {
  const pointer = where.replaceAll(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return {
    label,
    payload,
    contentType: 'application/json',
    status: 400,
    error: 'bad_request',
    message: new RegExp(`NUL character.*at ${pointer}$`),
  };
}

/** The shared error contract: the exact status, `{ error, message, requestId, details? }`, nothing else. */
export function expectError(
  response: { statusCode: number; headers: Record<string, unknown>; json(): unknown; body: string },
  status: number,
  error: string,
  message?: RegExp,
): void {
  const context = `${response.statusCode} ${response.body.slice(0, 300)}`;
  expect(response.statusCode, context).toBe(status);
  const body = response.json() as Record<string, unknown>;
  expect(Object.keys(body).filter((key) => !['error', 'message', 'requestId', 'details'].includes(key))).toEqual([]);
  expect(body.error, context).toBe(error);
  expect(body.requestId).toBe(response.headers['x-request-id']);
  expect(typeof body.message === 'string' && body.message.length > 0).toBe(true);
  if (message) expect(body.message, context).toMatch(message);
}
