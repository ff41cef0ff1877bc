import { describe, expect, it } from 'vitest';
import type { Alert } from '../../../src/alert/alert.js';
import { addTotals, comparePositions, mergePages } from '../../../src/search/merge.js';

const alert = (id: string, second: number, from = 'pg'): Alert =>
  ({ id, receivedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString(), name: from }) as Alert;

describe('mergePages', () => {
  it('interleaves by receivedAt then id, descending', () => {
    const merged = mergePages(
      [
        [alert('b', 5), alert('a', 3)],
        [alert('c', 5), alert('d', 4)],
      ],
      'desc',
      10,
    );
    expect(merged.items.map((item) => item.id)).toEqual(['c', 'b', 'd', 'a']);
    expect(merged.hasMore).toBe(false);
  });

  it('interleaves ascending', () => {
    const merged = mergePages(
      [
        [alert('a', 3), alert('b', 5)],
        [alert('d', 4), alert('c', 5)],
      ],
      'asc',
      10,
    );
    expect(merged.items.map((item) => item.id)).toEqual(['a', 'd', 'b', 'c']);
  });

  it('keeps one copy of an alert present in both stores, the first page winning', () => {
    const merged = mergePages([[alert('x', 5, 'pg'), alert('y', 4, 'pg')], [alert('x', 5, 'es')]], 'desc', 10);
    expect(merged.items.map((item) => [item.id, item.name])).toEqual([
      ['x', 'pg'],
      ['y', 'pg'],
    ]);
  });

  it('cuts at the limit and reports more', () => {
    const merged = mergePages([[alert('a', 9), alert('b', 8)], [alert('c', 7)]], 'desc', 2);
    expect(merged.items.map((item) => item.id)).toEqual(['a', 'b']);
    expect(merged.hasMore).toBe(true);
  });

  it('reports more when a store had more even if duplicates shrank the page', () => {
    const page = [alert('a', 9), alert('b', 8), alert('c', 7)];
    const merged = mergePages([page, page], 'desc', 2);
    expect(merged.items).toHaveLength(2);
    expect(merged.hasMore).toBe(true);
  });

  it('compares positions by time first, then id', () => {
    expect(comparePositions({ receivedAt: 1, id: 'z' }, { receivedAt: 2, id: 'a' })).toBe(-1);
    expect(comparePositions({ receivedAt: 2, id: 'a' }, { receivedAt: 2, id: 'b' })).toBe(-1);
    expect(comparePositions({ receivedAt: 2, id: 'b' }, { receivedAt: 2, id: 'b' })).toBe(0);
  });

  it('adds totals, gte when any store stopped counting', () => {
    expect(
      addTotals([
        { value: 3, relation: 'eq' },
        { value: 4, relation: 'eq' },
      ]),
    ).toEqual({ value: 7, relation: 'eq' });
    expect(
      addTotals([
        { value: 10_000, relation: 'gte' },
        { value: 4, relation: 'eq' },
      ]),
    ).toEqual({
      value: 10_004,
      relation: 'gte',
    });
  });
});
