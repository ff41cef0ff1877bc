/**
 * One search over hot (PostgreSQL) and archived (Elasticsearch) alerts: resolve the window, split it
 * at the archive watermark, ask the stores in parallel under per-store deadlines, merge, and hand out
 * a cursor. A store that fails makes the answer partial; when no store answers, SearchUnavailableError.
 */
import type { Logger } from 'pino';
import type { Alert } from '../alert/alert.js';
import { EARLIEST_INSTANT } from '../date-input.js';
import { isDataException } from '../failure.js';
import * as metrics from '../metrics.js';
import { bindingOf, type CursorCodec, CursorError } from './cursor.js';
import { addTotals, mergePages, positionOf } from './merge.js';
import { archiveOnlyPlan, planSearch, type SearchPlan, type WatermarkSource } from './planner.js';
import { type ParsedSearch, SearchInputError } from './search-input.js';
import { type CallOutcome, callStore } from './store-call.js';
import type {
  PageCounts,
  Position,
  SourceReport,
  StoreError,
  StoreExecutor,
  StoreLookup,
  StoreName,
  StorePage,
  StoreQuery,
  TimeWindow,
  Total,
} from './types.js';

const HOUR_MS = 3_600_000;

/** Which endpoint a search serves: they differ in default window, and cursors do not cross them. */
export type SearchKind = 'search' | 'history';

export interface SearchResult {
  items: Alert[];
  nextCursor: string | null;
  total: Total;
  sources: Record<StoreName, SourceReport>;
  partial: boolean;
  errors?: StoreError[];
}

/** No store could answer; `errors` names each failure. */
export class SearchUnavailableError extends Error {
  override name = 'SearchUnavailableError';
  constructor(readonly errors: StoreError[]) {
    super(`no store answered: ${errors.map((error) => error.message).join('; ')}`);
  }
}

export interface StoreAccess {
  execute: StoreExecutor;
  lookup: StoreLookup;
}

export interface FederatedSearchDeps {
  postgres: StoreAccess;
  elasticsearch: StoreAccess;
  /** Archive watermark; injected so tests can pin it (production: archiveWatermark). */
  watermark: WatermarkSource;
  cursors: CursorCodec;
  /** Per-store deadlines in milliseconds. */
  timeouts: Record<StoreName, number>;
  log: Pick<Logger, 'warn'>;
  /** Clock for the default window; injectable for tests. */
  now?: () => number;
}

export interface FederatedSearch {
  search(kind: SearchKind, parsed: ParsedSearch): Promise<SearchResult>;
  /** The alert with `id` in `tenant`, or null; throws SearchUnavailableError when unsure. */
  findById(tenant: string, id: string): Promise<Alert | null>;
}

/** Creates the federated search over the two stores. */
export function createFederatedSearch(deps: FederatedSearchDeps): FederatedSearch {
  const now = deps.now ?? Date.now;

  const observe = <T>(store: StoreName, outcome: CallOutcome<T>): CallOutcome<T> => {
    metrics.searchStoreSeconds.observe(
      { store, status: outcome.ok ? 'ok' : outcome.error.error },
      outcome.tookMs / 1000,
    );
    if (!outcome.ok) deps.log.warn({ err: outcome.cause, store }, 'search store failed');
    return outcome;
  };
  const call = <T>(store: StoreName, run: (signal: AbortSignal) => Promise<T>) =>
    callStore(store, deps.timeouts[store], run).then((outcome) => observe(store, outcome));

  /** Asks every store its slices in parallel; Elasticsearch's main slice and handoff day are one call. */
  async function runPlan(plan: SearchPlan, parsed: ParsedSearch, after: Position | null, carried: PageCounts | null) {
    const query = (window: TimeWindow, store: StoreName): StoreQuery => ({
      filters: parsed.filters,
      window,
      sort: parsed.sort,
      after,
      size: parsed.limit + 1,
      counted: carried ? carried.hits[store] : null,
    });
    const archive = [
      ...(plan.elasticsearch ? [{ window: plan.elasticsearch, counted: true }] : []),
      ...(plan.handoff ? [{ window: plan.handoff, counted: false }] : []),
    ];
    const hot = plan.postgres;
    const [postgres, elasticsearch] = await Promise.all([
      hot ? call('postgres', (signal) => deps.postgres.execute(query(hot, 'postgres'), signal)) : null,
      archive.length > 0
        ? call('elasticsearch', async (signal) => {
            const pages = await Promise.all(
              archive.map((slice) => deps.elasticsearch.execute(query(slice.window, 'elasticsearch'), signal)),
            );
            return pages.map((page, i) => (archive[i]?.counted ? page : { ...page, total: NOT_COUNTED }));
          })
        : null,
    ]);
    return { postgres: postgres && mapOutcome(postgres, (page) => [page]), elasticsearch };
  }

  return {
    async search(kind, parsed) {
      const binding = bindingOf({
        kind,
        filters: parsed.filters,
        from: parsed.from,
        to: parsed.to,
        sort: parsed.sort,
      });
      const { window, after, carried } = resolveWindow(kind, parsed, binding, now());

      // Not observed as a search store call: the metric would mix this tiny read into query latency.
      const watermark = await callStore('postgres', deps.timeouts.postgres, () => deps.watermark());
      if (!watermark.ok) deps.log.warn({ err: watermark.cause }, 'archive watermark unreadable');
      const plan = watermark.ok ? planSearch(window, watermark.value) : archiveOnlyPlan(window);
      const outcomes = await runPlan(plan, parsed, after, carried);
      // Without the watermark PostgreSQL is unreachable: report that as its failure.
      const postgres = watermark.ok ? outcomes.postgres : watermark;
      const stores = [postgres, outcomes.elasticsearch];
      const failed = stores.flatMap((outcome) => (outcome && !outcome.ok ? [outcome] : []));
      // A value PostgreSQL refuses is the request's fault: answered as such, not as a partial result.
      const refused = failed.find((outcome) => isDataException(outcome.cause));
      if (refused) throw refused.cause;
      const errors = failed.map((outcome) => outcome.error);
      const pages = stores.flatMap((outcome) => (outcome?.ok ? outcome.value : []));
      if (pages.length === 0) throw new SearchUnavailableError(errors);

      const merged = mergePages(
        pages.map((page) => page.items),
        parsed.sort,
        parsed.limit,
      );
      const counts: PageCounts = carried ?? {
        total: addTotals(pages.map((page) => page.total)),
        hits: { postgres: hitsOf(postgres), elasticsearch: hitsOf(outcomes.elasticsearch) },
      };
      const last = merged.items.at(-1);
      return {
        items: merged.items,
        nextCursor:
          merged.hasMore && last ? deps.cursors.encode({ position: positionOf(last), window, counts, binding }) : null,
        total: counts.total,
        sources: {
          postgres: report(postgres, counts.hits.postgres),
          elasticsearch: report(outcomes.elasticsearch, counts.hits.elasticsearch),
        },
        partial: errors.length > 0,
        ...(errors.length > 0 ? { errors } : {}),
      };
    },

    async findById(tenant, id) {
      const [postgres, elasticsearch] = await Promise.all([
        call('postgres', (signal) => deps.postgres.lookup(tenant, id, signal)),
        call('elasticsearch', (signal) => deps.elasticsearch.lookup(tenant, id, signal)),
      ]);
      const found = [postgres, elasticsearch].find((outcome) => outcome.ok && outcome.value !== null);
      if (found?.ok && found.value) return found.value;
      const errors = [postgres, elasticsearch].flatMap((outcome) => (outcome.ok ? [] : [outcome.error]));
      // Not found in the stores that answered: only a definite "no" when every store answered.
      if (errors.length > 0) throw new SearchUnavailableError(errors);
      return null;
    },
  };

  /** The window and start of this page, and the counts a cursor carries (null: count now). */
  function resolveWindow(
    kind: SearchKind,
    parsed: ParsedSearch,
    binding: string,
    at: number,
  ): { window: TimeWindow; after: Position | null; carried: PageCounts | null } {
    if (parsed.cursor !== null) {
      try {
        const state = deps.cursors.decode(parsed.cursor, binding);
        return { window: state.window, after: state.position, carried: state.counts };
      } catch (error) {
        if (error instanceof CursorError) throw new SearchInputError('cursor', error.message);
        throw error;
      }
    }
    const to = parsed.to ?? at;
    // History's "all time" and a default window reaching before year 1 start where the stores do.
    const from = parsed.from ?? (kind === 'history' ? EARLIEST_INSTANT : Math.max(EARLIEST_INSTANT, to - 24 * HOUR_MS));
    if (from > to) throw new SearchInputError('from', 'is after to (to defaults to now)');
    return { window: { from, to }, after: null, carried: null };
  }
}

/** Marks a page whose matches another store already counts. */
const NOT_COUNTED: Total = { value: 0, relation: 'eq' };

function mapOutcome<T, U>(outcome: CallOutcome<T>, map: (value: T) => U): CallOutcome<U> {
  return outcome.ok ? { ...outcome, value: map(outcome.value) } : outcome;
}

function hitsOf(outcome: CallOutcome<StorePage[]> | null): number {
  return outcome?.ok ? addTotals(outcome.value.map((page) => page.total)).value : 0;
}

function report(outcome: CallOutcome<StorePage[]> | null, hits: number): SourceReport {
  if (outcome === null) return { took_ms: 0, hits, status: 'skipped' };
  if (!outcome.ok) return { took_ms: outcome.tookMs, hits, status: outcome.error.error };
  return { took_ms: outcome.tookMs, hits, status: 'ok' };
}
