/**
 * Builds the archive search as structured query DSL: request values only ever land in term, range
 * and wildcard values, never in a query string that Elasticsearch would parse.
 */
import type { estypes } from '@elastic/elasticsearch';
import { archiveIndexName, archiveIndexPattern } from '../archive/index-names.js';
import { dayStart } from '../store/partitions.js';
import type { SearchFilters, StoreQuery, TimeWindow, Total } from './types.js';

/** Windows spanning more days than this search the index pattern instead of listing each index. */
const MAX_LISTED_DAYS = 31;
const DAY_MS = 86_400_000;

/** The fields free text is matched against; each is `text` with the standard analyzer. */
export const TEXT_FIELDS = ['name', 'description', 'message'] as const;

/**
 * The daily indices covering the window. Listing them keeps the search away from other days' shards;
 * long windows use the pattern (a long list would exceed the URL limit) and rely on Elasticsearch
 * skipping shards whose receivedAt range cannot match.
 */
export function indicesFor(prefix: string, window: TimeWindow): string[] {
  const first = dayStart(new Date(window.from)).getTime();
  const last = dayStart(new Date(window.to)).getTime();
  if ((last - first) / DAY_MS + 1 > MAX_LISTED_DAYS) return [archiveIndexPattern(prefix)];
  const names: string[] = [];
  for (let day = first; day <= last; day += DAY_MS) names.push(archiveIndexName(prefix, new Date(day)));
  return names;
}

/** The filter clauses for the filters and window. */
export function elasticsearchFilters(filters: SearchFilters, window: TimeWindow): estypes.QueryDslQueryContainer[] {
  const clauses: estypes.QueryDslQueryContainer[] = [
    { term: { tenant: filters.tenant } },
    { range: { receivedAt: { gte: window.from, lte: window.to, format: 'epoch_millis' } } },
  ];
  const anyOf = (field: string, values: readonly string[]) => {
    if (values.length === 1) clauses.push({ term: { [field]: values[0] as string } });
    else if (values.length > 1) clauses.push({ terms: { [field]: [...values] } });
  };
  anyOf('providerType', filters.providers);
  anyOf('severity', filters.severities);
  anyOf('status', filters.statuses);
  anyOf('fingerprint', filters.fingerprints);
  anyOf('service', filters.services);
  anyOf('environment', filters.environments);
  // labels is `flattened`: `labels.<key>` holds that key's exact keyword value. Keys are validated
  // to a safe character set before they get here.
  for (const [key, value] of filters.labels) clauses.push({ term: { [`labels.${key}`]: value } });
  for (const term of filters.terms) {
    clauses.push({
      bool: {
        should: TEXT_FIELDS.map((field) => ({ wildcard: { [field]: { value: `*${term}*` } } })),
        minimum_should_match: 1,
      },
    });
  }
  return clauses;
}

/** Counts matches in the window up to `cap`: no sorting, so it stops early. */
export function buildArchiveCount(
  prefix: string,
  filters: SearchFilters,
  window: TimeWindow,
  cap: number,
): estypes.SearchRequest {
  return {
    index: indicesFor(prefix, window),
    ignore_unavailable: true,
    allow_no_indices: true,
    size: 0,
    track_total_hits: cap,
    query: { bool: { filter: elasticsearchFilters(filters, window) } },
  };
}

/** One page request for a store query (no counting: buildArchiveCount does that). */
export function buildArchiveSearch(prefix: string, query: StoreQuery): estypes.SearchRequest {
  const order = query.sort;
  return {
    index: indicesFor(prefix, query.window),
    ignore_unavailable: true,
    allow_no_indices: true,
    size: query.size,
    track_total_hits: false,
    query: { bool: { filter: elasticsearchFilters(query.filters, query.window) } },
    sort: [{ receivedAt: { order, unmapped_type: 'date' } }, { id: { order, unmapped_type: 'keyword' } }],
    ...(query.after ? { search_after: [query.after.receivedAt, query.after.id] } : {}),
  };
}

/** Smallest time slice read at once. */
const MIN_SLICE_MS = 1000;
/** Slices aim at this many times the page size of matches. */
const SLICE_OVERSHOOT = 4;
const SLICE_GROWTH = 4;

/**
 * The time slices to read, in sort order, for a query whose window holds `total` matches.
 *
 * Why slices: archive indices are written in ascending time, and Elasticsearch can only skip
 * non-competitive documents when better ones come first, so a descending sort visits every match of
 * the window. Reading a slice sized for a few pages of matches (from the density `total` gives),
 * growing ×4 while it falls short, bounds the work by the page, not the window. Windows whose count
 * is exact (at most the cap) are read in one request; empty windows are not read at all.
 */
export function archiveSlices(query: StoreQuery, total: Total): TimeWindow[] {
  let { from, to } = query.window;
  if (query.after) {
    // search_after excludes the cursor's own document; same-millisecond neighbours stay in range.
    if (query.sort === 'desc') to = Math.min(to, query.after.receivedAt);
    else from = Math.max(from, query.after.receivedAt);
  }
  if (from > to || total.value === 0) return [];
  if (total.relation === 'eq') return [{ from, to }];
  const windowLength = query.window.to - query.window.from + 1;
  let span = Math.max(MIN_SLICE_MS, Math.floor((windowLength * query.size * SLICE_OVERSHOOT) / total.value));
  const slices: TimeWindow[] = [];
  while (from <= to) {
    if (query.sort === 'desc') {
      const start = Math.max(from, to - span + 1);
      slices.push({ from: start, to });
      to = start - 1;
    } else {
      const end = Math.min(to, from + span - 1);
      slices.push({ from, to: end });
      from = end + 1;
    }
    span *= SLICE_GROWTH;
  }
  return slices;
}
