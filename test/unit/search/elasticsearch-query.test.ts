import { describe, expect, it } from 'vitest';
import {
  archiveSlices,
  buildArchiveCount,
  buildArchiveSearch,
  indicesFor,
} from '../../../src/search/elasticsearch-query.js';
import type { SearchFilters } from '../../../src/search/types.js';

const DAY = 86_400_000;
const filters: SearchFilters = {
  tenant: 't1',
  providers: ['grafana'],
  severities: ['critical', 'high'],
  statuses: [],
  fingerprints: [],
  services: [],
  environments: [],
  labels: [['k8s.io/app', 'web']],
  terms: ['disk'],
};

describe('archive search DSL', () => {
  it('lists the daily indices of short windows and uses the pattern for long ones', () => {
    const from = Date.UTC(2026, 0, 30, 23);
    expect(indicesFor('arch', { from, to: from + 2 * 3_600_000 })).toEqual(['arch-2026.01.30', 'arch-2026.01.31']);
    expect(indicesFor('arch', { from: 0, to: 400 * DAY })).toEqual(['arch-*']);
  });

  it('builds structured filters, sort and search_after; values stay values', () => {
    const request = buildArchiveSearch('arch', {
      filters,
      window: { from: 1000, to: 2000 },
      sort: 'desc',
      after: { receivedAt: 1500, id: 'id-1' },
      size: 51,
      counted: null,
    });
    expect(request).toMatchObject({
      size: 51,
      ignore_unavailable: true,
      track_total_hits: false,
      search_after: [1500, 'id-1'],
      sort: [{ receivedAt: { order: 'desc' } }, { id: { order: 'desc' } }],
    });
    expect(request.query?.bool?.filter).toEqual([
      { term: { tenant: 't1' } },
      { range: { receivedAt: { gte: 1000, lte: 2000, format: 'epoch_millis' } } },
      { term: { providerType: 'grafana' } },
      { terms: { severity: ['critical', 'high'] } },
      { term: { 'labels.k8s.io/app': 'web' } },
      {
        bool: {
          should: [
            { wildcard: { name: { value: '*disk*' } } },
            { wildcard: { description: { value: '*disk*' } } },
            { wildcard: { message: { value: '*disk*' } } },
          ],
          minimum_should_match: 1,
        },
      },
    ]);
  });

  it('omits search_after on the first page', () => {
    const request = buildArchiveSearch('arch', {
      filters,
      window: { from: 0, to: 1 },
      sort: 'asc',
      after: null,
      size: 2,
      counted: null,
    });
    expect(request).not.toHaveProperty('search_after');
  });

  it('counts without sorting', () => {
    const request = buildArchiveCount('arch', filters, { from: 0, to: 1 }, 10_000);
    expect(request).toMatchObject({ size: 0, track_total_hits: 10_000 });
    expect(request).not.toHaveProperty('sort');
  });
});

describe('archiveSlices', () => {
  const HOUR = 3_600_000;
  const query = (sort: 'asc' | 'desc', after: { receivedAt: number; id: string } | null = null) => ({
    filters,
    window: { from: 0, to: 100 * HOUR - 1 },
    sort,
    after,
    size: 51,
    counted: null,
  });

  it('reads nothing when nothing matches, and the whole window when few match', () => {
    expect(archiveSlices(query('desc'), { value: 0, relation: 'eq' })).toEqual([]);
    expect(archiveSlices(query('desc'), { value: 9000, relation: 'eq' })).toEqual([{ from: 0, to: 100 * HOUR - 1 }]);
  });

  it('slices dense windows from the newest end, growing ×4, covering the window exactly once', () => {
    const slices = archiveSlices(query('desc'), { value: 10_000, relation: 'gte' });
    const first = Math.floor((100 * HOUR * 51 * 4) / 10_000);
    expect(slices[0]).toEqual({ from: 100 * HOUR - first, to: 100 * HOUR - 1 });
    expect((slices[1]?.to ?? 0) - (slices[1]?.from ?? 0) + 1).toBe(4 * first);
    for (let i = 1; i < slices.length; i++) expect(slices[i]?.to).toBe((slices[i - 1]?.from ?? 0) - 1);
    expect(slices.at(-1)?.from).toBe(0);
  });

  it('slices from the oldest end ascending', () => {
    const slices = archiveSlices(query('asc'), { value: 10_000, relation: 'gte' });
    expect(slices[0]?.from).toBe(0);
    for (let i = 1; i < slices.length; i++) expect(slices[i]?.from).toBe((slices[i - 1]?.to ?? 0) + 1);
    expect(slices.at(-1)?.to).toBe(100 * HOUR - 1);
  });

  it('starts at the cursor, keeping its millisecond', () => {
    const desc = archiveSlices(query('desc', { receivedAt: 50 * HOUR, id: 'x' }), { value: 9000, relation: 'eq' });
    expect(desc).toEqual([{ from: 0, to: 50 * HOUR }]);
    const asc = archiveSlices(query('asc', { receivedAt: 50 * HOUR, id: 'x' }), { value: 9000, relation: 'eq' });
    expect(asc).toEqual([{ from: 50 * HOUR, to: 100 * HOUR - 1 }]);
  });
});
