/** Runs one store call under a deadline and turns any failure into a named StoreError. */
import { errors as esErrors } from '@elastic/elasticsearch';
import { errorCodeOf } from '../failure.js';
import type { StoreError, StoreErrorCode, StoreName } from './types.js';

/** Thrown into a store call when its deadline passes. */
export class StoreTimeoutError extends Error {
  override name = 'StoreTimeoutError';
}

export type CallOutcome<T> =
  | { ok: true; value: T; tookMs: number }
  | { ok: false; error: StoreError; cause: unknown; tookMs: number };

/**
 * Calls `run` with a signal that aborts after `timeoutMs`; never rejects. The race matters even when
 * the store enforces its own timeout: a call can also wait for a pool connection or a dead socket.
 */
export async function callStore<T>(
  source: StoreName,
  timeoutMs: number,
  run: (signal: AbortSignal) => Promise<T>,
): Promise<CallOutcome<T>> {
  const started = performance.now();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new StoreTimeoutError(`no answer within ${timeoutMs} ms`);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    const value = await Promise.race([run(controller.signal), deadline]);
    return { ok: true, value, tookMs: elapsed(started) };
  } catch (cause) {
    return { ok: false, error: describeFailure(source, cause, timeoutMs), cause, tookMs: elapsed(started) };
  } finally {
    clearTimeout(timer);
  }
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}

const PG_CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ETIMEDOUT',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  '57P01',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08006',
]);

/** The failure as a client-safe StoreError; internals (SQL, hosts) stay in the logs. */
export function describeFailure(source: StoreName, cause: unknown, timeoutMs: number): StoreError {
  const code = classify(cause);
  const detail =
    code === 'timeout'
      ? `no answer within ${timeoutMs} ms`
      : code === 'unavailable'
        ? 'store unreachable'
        : `query failed${reasonOf(cause)}`;
  return { source, error: code, message: `${source}: ${detail}` };
}

function classify(cause: unknown): StoreErrorCode {
  if (cause instanceof StoreTimeoutError) return 'timeout';
  if (cause instanceof esErrors.TimeoutError || cause instanceof esErrors.RequestAbortedError) return 'timeout';
  if (cause instanceof esErrors.ConnectionError || cause instanceof esErrors.NoLivingConnectionsError)
    return 'unavailable';
  if (cause instanceof esErrors.ResponseError && [502, 503, 504].includes(cause.statusCode ?? 0)) return 'unavailable';
  const pgCode = errorCodeOf(cause);
  // 57014: query_canceled, raised by statement_timeout.
  if (pgCode === '57014') return 'timeout';
  if (pgCode !== undefined && PG_CONNECTION_CODES.has(pgCode)) return 'unavailable';
  return 'failed';
}

function reasonOf(cause: unknown): string {
  if (cause instanceof esErrors.ResponseError) {
    const type = (cause.body as { error?: { type?: string } } | undefined)?.error?.type;
    return ` (HTTP ${cause.statusCode ?? '?'}${type ? ` ${type}` : ''})`;
  }
  if (cause instanceof ShardFailureError) return ` (${cause.message})`;
  const code = errorCodeOf(cause);
  return code ? ` (${code})` : '';
}

/** Elasticsearch answered, but some shards failed: the hits are incomplete. */
export class ShardFailureError extends Error {
  override name = 'ShardFailureError';
}
