/**
 * Property: for any JSON (arbitrary, or a provider fixture mutated at one node), normalizing for
 * any provider either yields alerts that satisfy the canonical schema or returns a Rejection (which
 * the gateway answers with a 4xx). Nothing is thrown (which the gateway would answer with a 500).
 */
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RULE } from '../../../src/alert/dedup-rules.js';
import { hasUnstorableText, sanitizeText } from '../../../src/alert/sanitize.js';
import { loadConfig } from '../../../src/config.js';
import { AlertBody } from '../../../src/http/routes/search-schemas.js';
import { normalizeRequest } from '../../../src/ingest/normalize-request.js';
import { PROVIDER_ADAPTERS } from '../../../src/providers/catalog.js';
import { ProviderRegistry } from '../../../src/providers/registry.js';

/** Fixed for reproducible runs; a failure prints its own seed and path to replay it. */
const SEED = Number(process.env.FAST_CHECK_SEED ?? 20_261_124);
const registry = new ProviderRegistry(PROVIDER_ADAPTERS);
const canonical = Compile(AlertBody);
const config = loadConfig({ LOG_LEVEL: 'silent' });

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function fixtures(provider: string): Json[] {
  const dir = new URL(`../../fixtures/providers/${provider}/`, import.meta.url);
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .map((file) => JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as Json);
}

/** Outcome of one body: 'alerts' (all canonical), 'rejected' (a Rejection); anything thrown fails. */
function normalizeOrReject(provider: string, body: Json): 'alerts' | 'rejected' {
  const registered = registry.get(provider);
  if (!registered) throw new Error(`unknown provider ${provider}`);
  // The ingest route cleans the payload before normalizing (see ingest.ts).
  const result = normalizeRequest(registered, sanitizeText(body), {
    tenant: 'fuzz',
    requestId: 'fuzz-request',
    now: new Date(),
    providerId: null,
    fingerprintOverride: null,
    rule: DEFAULT_RULE,
    maxAlerts: config.MAX_ALERTS_PER_REQUEST,
    // Some fixtures are vendor examples from 2015: a wide past keeps them on the mapping path.
    timeWindow: { maxPastMs: 100 * 365 * 86_400_000, maxFutureMs: config.ALERT_TIME_MAX_FUTURE_MINUTES * 60_000 },
  });
  if (result.kind === 'reject') return 'rejected';
  if (result.kind === 'confirm-subscription') return 'alerts';
  for (const alert of result.alerts) {
    const problem = [...canonical.Errors(alert)][0];
    if (problem) throw new Error(`${provider}: non-canonical alert at ${problem.instancePath}: ${problem.message}`);
    if (holdsUnstorableText(alert)) throw new Error(`${provider}: alert holds text PostgreSQL cannot store`);
  }
  return 'alerts';
}

function holdsUnstorableText(value: unknown): boolean {
  if (typeof value === 'string') return hasUnstorableText(value);
  if (value === null || typeof value !== 'object') return false;
  return Object.entries(value).some(([key, item]) => hasUnstorableText(key) || holdsUnstorableText(item));
}

/** Every node of a JSON value as a path of keys, in pre-order (the root is []). */
function nodePaths(value: Json, at: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return [at, ...value.flatMap((item, i) => nodePaths(item, [...at, i]))];
  if (value !== null && typeof value === 'object')
    return [at, ...Object.entries(value).flatMap(([key, item]) => nodePaths(item, [...at, key]))];
  return [at];
}

type Mutation = { kind: 'replace' | 'delete' | 'insert'; node: number; value: Json; key: string };

/** A copy of `value` with one node replaced, deleted (object member or array element) or given a new member. */
function mutate(value: Json, mutation: Mutation): Json {
  const copy = structuredClone(value);
  const all = nodePaths(copy);
  const path = all[mutation.node % all.length] as (string | number)[];
  if (path.length === 0) return mutation.kind === 'replace' ? mutation.value : copy;
  const parent = path.slice(0, -1).reduce<Json>((node, key) => (node as Record<string, Json>)[key] as Json, copy);
  const last = path[path.length - 1] as string | number;
  const target = (parent as Record<string | number, Json>)[last] as Json;
  if (mutation.kind === 'replace') (parent as Record<string | number, Json>)[last] = mutation.value;
  else if (mutation.kind === 'delete') {
    if (Array.isArray(parent)) parent.splice(last as number, 1);
    else delete (parent as Record<string, Json>)[last as string];
  } else if (target !== null && typeof target === 'object' && !Array.isArray(target)) {
    Object.defineProperty(target, mutation.key, { value: mutation.value, enumerable: true, writable: true });
  }
  return copy;
}

const jsonValue = fc.jsonValue({ maxDepth: 4 }) as fc.Arbitrary<Json>;
const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('replace', 'delete', 'insert'),
  node: fc.nat(),
  value: fc.oneof(
    jsonValue,
    fc.constantFrom<Json>(
      '',
      ' ',
      'a\u0000b',
      '\ud800',
      '1970-01-01T00:00:00Z',
      '+275760-09-13T00:00:00Z',
      '99999999999',
      1e308,
      -1,
      0,
      Number.MAX_SAFE_INTEGER,
      [],
      {},
    ),
  ),
  key: fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'toString', 'fingerprint', 'severity')),
});

describe('provider adapters under arbitrary input', () => {
  for (const adapter of PROVIDER_ADAPTERS) {
    const valid = fixtures(adapter.type);

    it(`${adapter.type}: arbitrary JSON is normalized or rejected`, () => {
      fc.assert(
        fc.property(jsonValue, (body) => {
          normalizeOrReject(adapter.type, body);
        }),
        { seed: SEED, numRuns: 150 },
      );
    });

    it(`${adapter.type}: mutated fixtures are normalized or rejected with a 4xx`, () => {
      // The fixtures themselves must pass, or every mutation would only exercise the rejection path.
      for (const body of valid) expect(normalizeOrReject(adapter.type, body)).toBe('alerts');
      const outcomes = { alerts: 0, rejected: 0 };
      fc.assert(
        fc.property(fc.constantFrom(...valid), fc.array(mutation, { minLength: 1, maxLength: 3 }), (body, steps) => {
          outcomes[normalizeOrReject(adapter.type, steps.reduce(mutate, body))] += 1;
        }),
        { seed: SEED, numRuns: 300 },
      );
      // Both paths were exercised: mutations that still map, and mutations that are refused.
      expect(outcomes.alerts).toBeGreaterThan(0);
      expect(outcomes.rejected).toBeGreaterThan(0);
    });
  }
});
