/** Merges per-store pages into one page in (receivedAt, id) order, each alert once. */
import type { Alert } from '../alert/alert.js';
import type { Position, SortOrder, Total } from './types.js';

/** The sort position of an alert. */
export function positionOf(alert: Alert): Position {
  return { receivedAt: Date.parse(alert.receivedAt), id: alert.id };
}

/** Compares two positions in ascending (receivedAt, id) order. */
export function comparePositions(a: Position, b: Position): number {
  if (a.receivedAt !== b.receivedAt) return a.receivedAt < b.receivedAt ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export interface MergedPage {
  items: Alert[];
  /** Whether alerts follow the last item (some store had more than the page). */
  hasMore: boolean;
}

/**
 * Interleaves the stores' pages (each already sorted, each fetched with limit + 1 rows), drops
 * repeated ids (an alert can sit in both stores during an archive handoff; the first page listed
 * wins), and cuts at `limit`.
 */
export function mergePages(pages: readonly (readonly Alert[])[], sort: SortOrder, limit: number): MergedPage {
  const direction = sort === 'asc' ? 1 : -1;
  const keyed = pages.flatMap((page) => page.map((alert) => ({ alert, position: positionOf(alert) })));
  // Stable sort: for equal positions (the same alert twice) the earlier page's copy comes first.
  keyed.sort((a, b) => direction * comparePositions(a.position, b.position));
  const seen = new Set<string>();
  const items: Alert[] = [];
  for (const { alert } of keyed) {
    if (seen.has(alert.id)) continue;
    seen.add(alert.id);
    items.push(alert);
  }
  const storeHasMore = pages.some((page) => page.length > limit);
  return { items: items.slice(0, limit), hasMore: storeHasMore || items.length > limit };
}

/** Sum of the stores' counts; "gte" when any of them stopped at its cap. */
export function addTotals(totals: readonly Total[]): Total {
  return {
    value: totals.reduce((sum, total) => sum + total.value, 0),
    relation: totals.some((total) => total.relation === 'gte') ? 'gte' : 'eq',
  };
}
