/** Types shared by the search planner, executors, merge and routes. */
import type { Alert, Severity, Status } from '../alert/alert.js';

export type SortOrder = 'asc' | 'desc';

/** The two stores a search can read. */
export type StoreName = 'postgres' | 'elasticsearch';

/** Inclusive time window in epoch milliseconds: from ≤ receivedAt ≤ to. */
export interface TimeWindow {
  from: number;
  to: number;
}

/** A point in the (receivedAt, id) order; the same in both stores, so it survives a handoff. */
export interface Position {
  /** receivedAt in epoch milliseconds. */
  receivedAt: number;
  id: string;
}

/**
 * Normalized filters. Lists OR within a field, fields AND together; empty lists mean "any".
 * `tenant` always comes from the caller's API key, never from the request.
 */
export interface SearchFilters {
  tenant: string;
  providers: string[];
  severities: Severity[];
  statuses: Status[];
  fingerprints: string[];
  services: string[];
  environments: string[];
  /** Exact label matches, sorted by key; every pair must match. */
  labels: [key: string, value: string][];
  /** Lowercase ASCII letter/digit terms of `q` (see text-match.ts); every term must match. */
  terms: string[];
}

/** What one store is asked for: its slice of the window, from `after` on. */
export interface StoreQuery {
  filters: SearchFilters;
  window: TimeWindow;
  sort: SortOrder;
  /** Exclusive start position (the cursor), or null for the first page. */
  after: Position | null;
  /** Rows to fetch (page size + 1, so the caller can tell whether more follow). */
  size: number;
  /**
   * The store's match count from the first page (carried by the cursor), or null when this page is
   * the first and must count. Stores may also use it to choose how to read the page.
   */
  counted: number | null;
}

/** A count that may have stopped at a cap. */
export interface Total {
  value: number;
  relation: 'eq' | 'gte';
}

/** One store's answer: its rows in sort order and its count of matches in its slice. */
export interface StorePage {
  items: Alert[];
  /** Meaningless when the query asked for no count. */
  total: Total;
}

/** Counts of the first page, carried by the cursor to the next pages. */
export interface PageCounts {
  total: Total;
  hits: Record<StoreName, number>;
}

/** Reads one store; rejects on failure. The signal aborts when the per-store deadline passes. */
export type StoreExecutor = (query: StoreQuery, signal: AbortSignal) => Promise<StorePage>;

/** Finds one alert by id within a tenant, or null. */
export type StoreLookup = (tenant: string, id: string, signal: AbortSignal) => Promise<Alert | null>;

/** Why a store's answer is missing: a named, client-safe reason. */
export type StoreErrorCode = 'timeout' | 'unavailable' | 'failed';

export interface StoreError {
  source: StoreName;
  error: StoreErrorCode;
  message: string;
}

export type StoreStatus = 'ok' | 'skipped' | StoreErrorCode;

/** How one store did for this request. */
export interface SourceReport {
  took_ms: number;
  /** Matches this store counted in its slice of the window (capped like `total`). */
  hits: number;
  status: StoreStatus;
}
