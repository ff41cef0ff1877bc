/**
 * Hostile webhooks on every ingestion endpoint, with a worker committing: each gets its specific
 * 4xx, and after all of them the tenant's only stored alert is the valid one sent last.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/compose/gateway.js';
import { PROVIDER_ADAPTERS } from '../../src/providers/catalog.js';
import {
  DEEP_NESTING,
  encodingVariants,
  expectError,
  KEY_BOMB,
  MILLION_ELEMENTS,
  SPREAD_KEY_BOMB,
  TEN_MB_STRING,
} from '../support/bad-input.js';
import {
  openTestStack,
  pendingEntries,
  queuedAlerts,
  type TestStack,
  uniqueTenant,
  waitFor,
} from '../support/harness.js';

const ENDPOINTS = ['/alerts/event', '/api/v1/alerts/event', '/alerts/event/keep', '/api/v1/alerts/event/keep'];
const PROVIDER_ROUTES = ['/alerts/event', '/api/v1/alerts/event'];

let stack: TestStack;
let gateway: Gateway;
const tenant = uniqueTenant('bad-ingest');
let key: string;

beforeAll(async () => {
  // Raw payloads are kept too, so the test also proves what reaches alert_raw.
  stack = openTestStack({ RAW_STORE: 'all' });
  gateway = await stack.gateway();
  await stack.worker();
  key = await stack.createKey(tenant);
});
afterAll(() => stack.close());

function post(url: string, payload: string | Buffer, contentType = 'application/json', contentEncoding?: string) {
  return gateway.app.inject({
    method: 'POST',
    url,
    headers: {
      'x-api-key': key,
      'content-type': contentType,
      ...(contentEncoding ? { 'content-encoding': contentEncoding } : {}),
    },
    payload,
  });
}

function firstFixture(provider: string): Record<string, unknown> {
  const dir = new URL(`../fixtures/providers/${provider}/`, import.meta.url);
  const file = readdirSync(dir).find((name) => name.endsWith('.json'));
  if (!file) throw new Error(`no fixture for ${provider}`);
  return JSON.parse(readFileSync(new URL(file, dir), 'utf8'));
}

const day = 86_400_000;
const iso = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();

/** [label, body, content type, status, error, message]: Keep-format problems, sent to every endpoint. */
const KEEP_CASES: [string, string | Buffer, string, number, string, RegExp][] = [
  ['malformed JSON', '{"name": "x", ', 'application/json', 400, 'invalid_json', /not valid JSON/],
  ['truncated body', '[{"name":"a"},{"name":"b"', 'application/json', 400, 'invalid_json', /not valid JSON/],
  ['empty body', '', 'application/json', 400, 'invalid_json', /empty/],
  ['wrong content type', '<alert/>', 'application/xml', 415, 'unsupported_media_type', /application\/xml/],
  ['raw NUL byte', '{"name":"a\u0000b"}', 'application/json', 400, 'invalid_json', /not valid JSON/],
  [
    'invalid UTF-8',
    Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]),
    'application/json',
    400,
    'bad_request',
    /not valid UTF-8/,
  ],
  [
    'invalid UTF-8 in a form',
    Buffer.concat([Buffer.from('name='), Buffer.from([0xff])]),
    'application/x-www-form-urlencoded',
    400,
    'bad_request',
    /not valid UTF-8/,
  ],
  [
    'huge number',
    '{"name":"x","severity":1e400}',
    'application/json',
    400,
    'invalid_json',
    /out of range at \/severity/,
  ],
  [
    'deep nesting',
    `{"name":"x","labels":{"a":${DEEP_NESTING}}}`,
    'application/json',
    413,
    'payload_too_large',
    /nests deeper than 64 levels at \/labels\/a\/a\/a/,
  ],
  ['10 MB string', `{"name":${TEN_MB_STRING}}`, 'application/json', 413, 'payload_too_large', /body/i],
  ['330,000 keys in one object', KEY_BOMB, 'application/json', 413, 'payload_too_large', /100000 object keys/],
  ['330,000 keys in 33,000 alerts', SPREAD_KEY_BOMB, 'text/plain', 413, 'payload_too_large', /100000 object keys/],
  [
    '1,000,000 alerts',
    `[${'{},'.repeat(999_999)}{}]`,
    'application/json',
    413,
    'payload_too_large',
    /1000000 elements, more than 10000 at \/$/,
  ],
  [
    'array of 1,000,000 elements in a field',
    `{"name":"x","source":${MILLION_ELEMENTS}}`,
    'application/json',
    413,
    'payload_too_large',
    /at \/source$/,
  ],
  [
    '__proto__ key',
    '{"name":"x","__proto__":{"polluted":true}}',
    'application/json',
    400,
    'invalid_json',
    /"__proto__"/,
  ],
  [
    'nested __proto__ key',
    '{"name":"x","labels":{"__proto__":{"polluted":true}}}',
    'application/json',
    400,
    'invalid_json',
    /at \/labels\/__proto__$/,
  ],
  [
    'constructor.prototype key',
    '[{"name":"x","constructor":{"prototype":{"polluted":true}}}]',
    'application/json',
    400,
    'invalid_json',
    /at \/0\/constructor$/,
  ],
  ['__proto__ form field', 'name=x&__proto__=y', 'application/x-www-form-urlencoded', 400, 'bad_request', /__proto__/],
  [
    'form of 330,000 fields',
    Array.from({ length: 330_000 }, (_, i) => `f${i}=0`).join('&'),
    'application/x-www-form-urlencoded',
    413,
    'payload_too_large',
    /more than 100000 fields/,
  ],
  ['wrong field type', '{"name":"x","labels":"not-an-object"}', 'application/json', 422, 'invalid_payload', /\/labels/],
  ['empty array', '[]', 'application/json', 422, 'invalid_payload', /empty array/],
  [
    'timestamp at the epoch',
    JSON.stringify({ name: 'x', lastReceived: '1970-01-01T00:00:00Z' }),
    'application/json',
    422,
    'invalid_payload',
    /outside the accepted window/,
  ],
  [
    'timestamp 11 years ago',
    JSON.stringify({ name: 'x', lastReceived: iso(-11 * 365 * day) }),
    'application/json',
    422,
    'invalid_payload',
    /outside the accepted window/,
  ],
  [
    'timestamp two days ahead',
    JSON.stringify({ name: 'x', lastReceived: iso(2 * day) }),
    'application/json',
    422,
    'invalid_payload',
    /outside the accepted window/,
  ],
  [
    'timestamp past year 9999',
    JSON.stringify({ name: 'x', lastReceived: '+275760-09-13T00:00:00.000Z' }),
    'application/json',
    422,
    'invalid_payload',
    /outside the accepted window/,
  ],
  [
    'one bad timestamp in a batch',
    JSON.stringify([{ name: 'ok' }, { name: 'x', lastReceived: '3000-01-01T00:00:00Z' }]),
    'application/json',
    422,
    'invalid_payload',
    /payload \/1: alert time/,
  ],
];

describe('Keep-format problems, on every Keep endpoint', () => {
  const cases = ENDPOINTS.flatMap((url) => KEEP_CASES.map((item) => [url, ...item] as const));
  it.each(cases)('%s: %s', async (url, _label, body, contentType, status, error, message) => {
    expectError(await post(url, body, contentType), status, error, message);
  });
});

describe('content codings, on every Keep endpoint', () => {
  const cases = ENDPOINTS.flatMap((url) => encodingVariants('{"name":"x"}').map((variant) => ({ url, ...variant })));
  it.each(cases)('$url: $label', async (variant) => {
    const response = await post(variant.url, variant.payload, variant.contentType, variant.contentEncoding);
    expectError(response, variant.status, variant.error, variant.message);
  });
});

describe('provider problems', () => {
  it.each(PROVIDER_ROUTES)('%s/<unknown>: 404 naming the provider and listing the known ones', async (base) => {
    const response = await post(`${base}/nagios-classic`, '{"name":"x"}');
    expectError(response, 404, 'unknown_provider', /nagios-classic/);
    expect(response.json().details.supported).toEqual(expect.arrayContaining(['prometheus', 'keep', 'datadog']));
  });

  // Keep takes any object, and the Alertmanager-format providers take each other's payloads by design;
  // a CloudWatch SNS envelope (and a Datadog payload at CloudWatch) is wrong everywhere else.
  const wrong = PROVIDER_ADAPTERS.filter((adapter) => adapter.type !== 'keep').map((adapter) => ({
    provider: adapter.type,
    foreign: adapter.type === 'cloudwatch' ? 'datadog' : 'cloudwatch',
  }));
  it.each(wrong)('$provider given a $foreign payload: 422 naming the path', async ({ provider, foreign }) => {
    const response = await post(`/alerts/event/${provider}`, JSON.stringify(firstFixture(foreign)));
    expectError(response, 422, 'invalid_payload', new RegExp(`^${provider} payload /`));
    expect(response.json().details).toMatchObject({ provider, path: expect.any(String) });
  });

  const required = PROVIDER_ADAPTERS.flatMap((adapter) =>
    ((adapter.schema as { required?: string[] }).required ?? []).map((field) => ({ provider: adapter.type, field })),
  );
  it.each(required)('$provider without its required "$field": 422 naming it', async ({ provider, field }) => {
    const { [field]: _removed, ...rest } = firstFixture(provider);
    const response = await post(`/api/v1/alerts/event/${provider}`, JSON.stringify(rest));
    expectError(response, 422, 'invalid_payload', new RegExp(field));
  });

  it('a Datadog timestamp a thousand years ahead: 422', async () => {
    const payload = { ...firstFixture('datadog'), last_updated: Date.UTC(3000, 0, 1) };
    expectError(await post('/alerts/event/datadog', JSON.stringify(payload)), 422, 'invalid_payload', /3000-01-01/);
  });
});

describe('after every rejected request', () => {
  it('nothing was enqueued; the gateway still works; only the valid alerts sent last are stored', async () => {
    expect((await queuedAlerts(gateway.ingestLog)).filter((alert) => alert.tenant === tenant)).toEqual([]);
    expect((await gateway.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    // NUL is stripped (as Keep does) from the alert and from the raw payload kept beside it, a lone
    // surrogate becomes U+FFFD (README, "Bad input"); a
    // fingerprint over 255 characters is cut at a character, never inside a surrogate pair. The
    // batch is sent gzip-compressed: what is stored is the decoded body.
    const longFingerprint = `${'f'.repeat(254)}\u{1F600}tail`;
    const valid = await post(
      '/alerts/event',
      gzipSync(
        JSON.stringify([
          {
            name: 'sentinel',
            description: 'nul\u0000stripped, lone \ud83d replaced',
            labels: { tags: ['a\u0000b'] },
            lastReceived: iso(-day),
          },
          { name: 'long fingerprint', fingerprint: longFingerprint },
        ]),
      ),
      'application/json',
      'gzip',
    );
    expect(valid.statusCode).toBe(202);
    // Entries of earlier requests would sit on other shards: wait until every shard is committed.
    await waitFor(async () => (await pendingEntries(gateway.ingestLog)) === 0);
    const sql = stack.services.database.sql;
    const rows = await waitFor(async () => {
      const found = await sql<{ name: string; description: string | null; labels: unknown; fingerprint: string }[]>`
        select name, description, labels, fingerprint from alerts where tenant = ${tenant} order by name`;
      return found.length >= 2 ? found : null;
    });
    expect(rows).toEqual([
      { name: 'long fingerprint', description: null, labels: {}, fingerprint: `${'f'.repeat(254)}\u{1F600}` },
      {
        name: 'sentinel',
        description: 'nulstripped, lone \ufffd replaced',
        labels: { tags: '["ab"]' },
        fingerprint: expect.any(String),
      },
    ]);
    const raw = await sql<{ payload: unknown }[]>`select payload from alert_raw where tenant = ${tenant}`;
    expect(raw).toHaveLength(1);
    expect(JSON.stringify(raw[0]?.payload)).not.toContain('\\u0000');
    expect(JSON.stringify(raw[0]?.payload)).toContain('nulstripped');
    const admin = await stack.createKey(tenant, { isAdmin: true });
    const deadLetters = await gateway.app.inject({
      method: 'GET',
      url: '/api/v1/admin/dlq/ingest',
      headers: { 'x-api-key': admin },
    });
    expect(deadLetters.json().total).toBe(0);
  });
});
