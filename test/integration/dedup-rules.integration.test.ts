import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RULE, DedupRuleCache } from '../../src/alert/dedup-rules.js';
import { dedupRules } from '../../src/store/schema.js';
import { openTestStack, type TestStack } from '../support/harness.js';

const RUN = `rules-${randomUUID()}`;
const tenant = (label: string) => `${RUN}-${label}`;

let stack: TestStack;
let cache: DedupRuleCache;

beforeAll(async () => {
  stack = openTestStack();
  await stack.services.database.db.insert(dedupRules).values([
    { tenant: tenant('a'), name: 'type', providerType: 'prometheus', ignoreFields: ['type'] },
    { tenant: tenant('a'), name: 'instance', providerType: 'prometheus', providerId: 'eu', ignoreFields: ['instance'] },
    { tenant: tenant('b'), name: 'other tenant', providerType: 'prometheus', fullDeduplication: false },
  ]);
  cache = new DedupRuleCache(stack.services.database.db);
  await cache.refresh();
});
afterAll(async () => {
  await stack.services.database.sql`delete from dedup_rules where tenant like ${`${RUN}-%`}`;
  await stack.close();
});

describe('DedupRuleCache', () => {
  it("picks the rule of the tenant's provider instance, else of its provider type, else the default", () => {
    expect(cache.ruleFor(tenant('a'), 'prometheus', 'eu').ignoreFields).toEqual(['instance']);
    expect(cache.ruleFor(tenant('a'), 'prometheus', 'us').ignoreFields).toEqual(['type']);
    expect(cache.ruleFor(tenant('a'), 'prometheus', null).ignoreFields).toEqual(['type']);
    expect(cache.ruleFor(tenant('a'), 'datadog', 'eu')).toBe(DEFAULT_RULE);
    expect(cache.ruleFor(tenant('b'), 'prometheus', 'eu').fullDeduplication).toBe(false);
    expect(cache.ruleFor(tenant('c'), 'prometheus', null)).toBe(DEFAULT_RULE);
  });
});
