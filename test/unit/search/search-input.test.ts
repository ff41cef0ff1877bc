import { describe, expect, it } from 'vitest';
import { parseSearchInput, SearchInputError } from '../../../src/search/search-input.js';

function parameterOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof SearchInputError) return error.parameter;
    throw error;
  }
  return undefined;
}

describe('parseSearchInput', () => {
  it('normalizes lists (sorted, unique), labels and terms; the tenant is the given one', () => {
    const parsed = parseSearchInput('t1', {
      severity: ['high', 'critical', 'high'],
      labels: ['team=core', 'a.b=x=y', 'team=core'],
      q: 'Disk-Full',
      sort: 'receivedAt:asc',
    });
    expect(parsed.filters).toMatchObject({
      tenant: 't1',
      severities: ['critical', 'high'],
      labels: [
        ['a.b', 'x=y'],
        ['team', 'core'],
      ],
      terms: ['disk', 'full'],
    });
    expect(parsed).toMatchObject({ sort: 'asc', limit: 50, from: null, to: null, cursor: null });
  });

  it('names the parameter of each problem', () => {
    expect(parameterOf(() => parseSearchInput('t', { from: 'x' }))).toBe('from');
    expect(parameterOf(() => parseSearchInput('t', { from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' }))).toBe(
      'from',
    );
    expect(parameterOf(() => parseSearchInput('t', { limit: 0 }))).toBe('limit');
    expect(parameterOf(() => parseSearchInput('t', { limit: 1001 }))).toBe('limit');
    expect(parameterOf(() => parseSearchInput('t', { labels: ['novalue'] }))).toBe('labels');
    expect(parameterOf(() => parseSearchInput('t', { labels: ['=x'] }))).toBe('labels');
    expect(parameterOf(() => parseSearchInput('t', { labels: ['a..b=x'] }))).toBe('labels');
    expect(parameterOf(() => parseSearchInput('t', { labels: ['a*=x'] }))).toBe('labels');
    expect(parameterOf(() => parseSearchInput('t', { labels: ['a=x\u0001'] }))).toBe('labels');
    expect(parameterOf(() => parseSearchInput('t', { q: 'Ärger' }))).toBe('q');
  });
});

describe('date fields', () => {
  it('are read by the shared date parser and named in its refusals', () => {
    expect(parseSearchInput('t', { from: '2026-01-02T03:04+02:00' }).from).toBe(Date.UTC(2026, 0, 2, 1, 4));
    expect(() => parseSearchInput('t', { to: '2026-02-30T00:00:00Z' })).toThrow(/^to: .*not an ISO-8601/);
    expect(() => parseSearchInput('t', { from: '0000-01-01T00:00:00Z' })).toThrow(
      /^from: .*outside the storable range/,
    );
  });
});
