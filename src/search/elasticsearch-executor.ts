/** Reads archived alerts from the daily Elasticsearch indices written by the archiver. */
import type { Client, estypes } from '@elastic/elasticsearch';
import type { Alert, Severity, Status } from '../alert/alert.js';
import { archiveIndexPattern } from '../archive/index-names.js';
import { archiveSlices, buildArchiveCount, buildArchiveSearch } from './elasticsearch-query.js';
import { ShardFailureError } from './store-call.js';
import type { StoreExecutor, StoreLookup, Total } from './types.js';

/** An archived document: the `alerts` columns in camelCase (dates as the archiver wrote them). */
export interface ArchivedAlert extends Omit<Alert, 'status' | 'severity'> {
  status: string;
  severity: string;
  contentHash?: string;
  startedAt?: string;
}

/** The canonical Alert of an archived document; dates normalized to ISO-8601 UTC with ms. */
export function alertOfDocument(doc: ArchivedAlert): Alert {
  return {
    id: doc.id,
    eventId: doc.eventId ?? null,
    fingerprint: doc.fingerprint,
    tenant: doc.tenant,
    providerType: doc.providerType,
    providerId: doc.providerId ?? null,
    receivedAt: new Date(doc.receivedAt).toISOString(),
    name: doc.name,
    status: doc.status as Status,
    severity: doc.severity as Severity,
    lastReceived: new Date(doc.lastReceived).toISOString(),
    description: doc.description ?? null,
    message: doc.message ?? null,
    source: doc.source ?? [],
    service: doc.service ?? null,
    environment: doc.environment ?? null,
    url: doc.url ?? null,
    labels: doc.labels ?? {},
    extra: doc.extra ?? {},
  };
}

export interface ElasticsearchExecutor {
  execute: StoreExecutor;
  lookup: StoreLookup;
}

export interface ElasticsearchExecutorOptions {
  /** Daily indices are `${prefix}-YYYY.MM.DD` (ARCHIVE_INDEX_PREFIX). */
  prefix: string;
  /** Per-request timeout in milliseconds. */
  timeoutMs: number;
  /** Matches counted for the reported total (SEARCH_TOTAL_LIMIT). */
  countCap: number;
  /**
   * Matches counted to size the time slices of a page read; default max(countCap, 10,000).
   * Counting is cheap here (no sorting), and a larger count estimates the density better.
   */
  sliceCountCap?: number;
}

/**
 * Executor over the archive's indices. Requests are not retried: a retry would not fit in the
 * per-store deadline, and the other store's answer is still returned.
 */
export function createElasticsearchExecutor(
  client: Client,
  { prefix, timeoutMs, countCap, sliceCountCap = Math.max(countCap, 10_000) }: ElasticsearchExecutorOptions,
): ElasticsearchExecutor {
  const options = (signal: AbortSignal) => ({ requestTimeout: timeoutMs, maxRetries: 0, signal });

  const search = async (request: estypes.SearchRequest, signal: AbortSignal) => {
    const response = await client.search<ArchivedAlert>(request, options(signal));
    if (response._shards.failed > 0) {
      throw new ShardFailureError(`${response._shards.failed} of ${response._shards.total} shards failed`);
    }
    return response;
  };

  const execute: StoreExecutor = async (query, signal) => {
    const counted = (await search(buildArchiveCount(prefix, query.filters, query.window, sliceCountCap), signal)).hits
      .total;
    const matches: Total = {
      value: typeof counted === 'number' ? counted : (counted?.value ?? 0),
      relation: typeof counted === 'object' && counted.relation === 'gte' ? 'gte' : 'eq',
    };
    const total: Total =
      matches.value > countCap
        ? { value: countCap, relation: 'gte' }
        : { value: matches.value, relation: matches.relation };
    const items: Alert[] = [];
    for (const window of archiveSlices(query, matches)) {
      const response = await search(
        buildArchiveSearch(prefix, { ...query, window, size: query.size - items.length }),
        signal,
      );
      for (const hit of response.hits.hits) if (hit._source) items.push(alertOfDocument(hit._source));
      if (items.length >= query.size) break;
    }
    return { items, total };
  };

  const lookup: StoreLookup = async (tenant, id, signal) => {
    const response = await search(
      {
        index: archiveIndexPattern(prefix),
        ignore_unavailable: true,
        allow_no_indices: true,
        size: 1,
        query: { bool: { filter: [{ ids: { values: [id] } }, { term: { tenant } }] } },
      },
      signal,
    );
    const source = response.hits.hits[0]?._source;
    return source ? alertOfDocument(source) : null;
  };

  return { execute, lookup };
}
