/**
 * Turns the fields of a search request (already type-checked by the route schema) into normalized
 * filters, or a SearchInputError naming the offending parameter.
 */
import type { Severity, Status } from '../alert/alert.js';
import { DateInputError, parseInstant as parseDate } from '../date-input.js';
import { TextQueryError, textTerms } from './text-match.js';
import type { SearchFilters, SortOrder } from './types.js';

/** The request fields shared by GET (query string) and POST (JSON body). */
export interface SearchInput {
  from?: string;
  to?: string;
  q?: string;
  provider?: string[];
  severity?: Severity[];
  status?: Status[];
  fingerprint?: string[];
  service?: string[];
  environment?: string[];
  /** `key=value` pairs. */
  labels?: string[];
  limit?: number;
  cursor?: string;
  sort?: 'receivedAt:desc' | 'receivedAt:asc';
}

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 1000;

/**
 * Label keys: dot-separated segments of letters, digits and `_ : / -` (Prometheus and Kubernetes
 * names). Anything else could address other fields of the archive's flattened `labels` mapping.
 */
export const LABEL_KEY = /^[A-Za-z0-9_:/-]+(\.[A-Za-z0-9_:/-]+)*$/;
const MAX_LABEL_KEY = 255;
const MAX_LABEL_VALUE = 1024;
const CONTROL = /\p{Cc}/u;

/** A request field that cannot be used; `parameter` names it for the 400 answer. */
export class SearchInputError extends Error {
  override name = 'SearchInputError';
  constructor(
    readonly parameter: string,
    problem: string,
  ) {
    super(`${parameter}: ${problem}`);
  }
}

/** A normalized search request; bounds left null take their defaults (or the cursor's window). */
export interface ParsedSearch {
  filters: SearchFilters;
  from: number | null;
  to: number | null;
  sort: SortOrder;
  limit: number;
  cursor: string | null;
}

/** Validates and normalizes `input` for `tenant`. */
export function parseSearchInput(tenant: string, input: SearchInput): ParsedSearch {
  const from = input.from === undefined ? null : parseInstant('from', input.from);
  const to = input.to === undefined ? null : parseInstant('to', input.to);
  if (from !== null && to !== null && from > to) throw new SearchInputError('from', 'is after to');
  const limit = input.limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
    throw new SearchInputError('limit', `must be an integer from 1 to ${MAX_LIMIT}`);
  return {
    filters: {
      tenant,
      providers: set(input.provider),
      severities: set(input.severity),
      statuses: set(input.status),
      fingerprints: set(input.fingerprint),
      services: set(input.service),
      environments: set(input.environment),
      labels: parseLabels(input.labels ?? []),
      terms: parseTerms(input.q),
    },
    from,
    to,
    sort: input.sort === 'receivedAt:asc' ? 'asc' : 'desc',
    limit,
    cursor: input.cursor === undefined || input.cursor === '' ? null : input.cursor,
  };
}

/** Sorted and deduplicated, so equal filters give equal cursors' bindings. */
function set<T extends string>(values: readonly T[] | undefined): T[] {
  return [...new Set(values ?? [])].sort();
}

function parseTerms(q: string | undefined): string[] {
  if (q === undefined) return [];
  try {
    return textTerms(q);
  } catch (error) {
    if (error instanceof TextQueryError) throw new SearchInputError('q', error.message);
    throw error;
  }
}

function parseLabels(pairs: readonly string[]): [string, string][] {
  const parsed = pairs.map((pair): [string, string] => {
    const split = pair.indexOf('=');
    if (split <= 0) throw new SearchInputError('labels', `"${pair}" is not key=value`);
    const key = pair.slice(0, split);
    const value = pair.slice(split + 1);
    if (key.length > MAX_LABEL_KEY || !LABEL_KEY.test(key))
      throw new SearchInputError('labels', `key "${key}" may only hold letters, digits and _ : / - . (dot-separated)`);
    if (value.length > MAX_LABEL_VALUE || CONTROL.test(value))
      throw new SearchInputError('labels', `value of "${key}" must be at most ${MAX_LABEL_VALUE} printable characters`);
    return [key, value];
  });
  const unique = new Map(parsed.map((pair) => [`${pair[0]}\u0000${pair[1]}`, pair]));
  return [...unique.values()].sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : 1) : a < b ? -1 : 1));
}

/** A date field parsed by the shared date parser, its problem reported under `parameter`. */
function parseInstant(parameter: string, text: string): number {
  try {
    return parseDate(text);
  } catch (error) {
    if (error instanceof DateInputError) throw new SearchInputError(parameter, error.message);
    throw error;
  }
}
