/** The fixed set of failure classes: one decision for retries, one label for metrics. */
export type FailureClass = 'transient' | 'permanent';

/** Network-level error codes (Node and postgres.js) that say "try again", not "this is wrong". */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
]);

/**
 * PostgreSQL SQLSTATE classes that are transient: connection (08), serialization/deadlock (40),
 * insufficient resources (53), operator intervention such as shutdown (57), system errors (58).
 */
const TRANSIENT_SQLSTATE = /^(08|40|53|57|58)/;

/** The error code of a postgres.js (or Node) error, also when drizzle wrapped it as the `cause`. */
export function errorCodeOf(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * SQLSTATE class 22 (data exception): PostgreSQL refused a value it was given, e.g. a date outside
 * its range. Where the value came from a request, that is the client's error (400), not an outage.
 */
export function isDataException(error: unknown): boolean {
  return /^22[0-9A-Z]{3}$/.test(errorCodeOf(error) ?? '');
}

export function classifyFailure(error: unknown): FailureClass {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    if (TRANSIENT_CODES.has(code)) return 'transient';
    if (/^[0-9A-Z]{5}$/.test(code)) return TRANSIENT_SQLSTATE.test(code) ? 'transient' : 'permanent';
  }
  // Unknown errors (bugs, unexpected libraries) are retried: losing an accepted alert is worse.
  return 'transient';
}

/** Why a delivery to a target failed: a fixed set, the metric label beside the class. */
export type FailureReason = 'network' | 'timeout' | 'throttled' | 'server_error' | 'rejected';

/** A classified delivery failure: the retry decision (class), the metric label (reason), the evidence. */
export interface DeliveryFailure {
  class: FailureClass;
  reason: FailureReason;
  message: string;
  statusCode?: number;
  /** From Retry-After (or a local rate limit): wait at least this long before the next attempt. */
  retryAfterMs?: number;
}

/**
 * HTTP status → failure, for every target type (targets.md, "Common retry semantics"): 408, 425,
 * 429 and 5xx are transient; any other 4xx is permanent, and so is a 3xx (redirects are not
 * followed, so nothing was delivered); 2xx is success (null).
 */
export function classifyStatus(status: number): Pick<DeliveryFailure, 'class' | 'reason'> | null {
  if (status < 300) return null;
  if (status === 429) return { class: 'transient', reason: 'throttled' };
  if (status === 408) return { class: 'transient', reason: 'timeout' };
  if (status === 425 || status >= 500) return { class: 'transient', reason: 'server_error' };
  return { class: 'permanent', reason: 'rejected' };
}

/** Node, undici and nodemailer error codes that mean the peer was unreachable or went away. */
const NETWORK_CODES = new Set([
  ...TRANSIENT_CODES,
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'ECONNECTION',
  'ESOCKET',
  'EDNS',
]);
const TIMEOUT_CODES = new Set([
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/**
 * A thrown delivery error → failure. Timeouts and aborts, network errors and SMTP 4xx replies are
 * transient; SMTP 5xx replies and configuration errors (bad TLS, bad credentials) are permanent.
 * nodemailer puts the SMTP reply code on `responseCode` (https://nodemailer.com/errors).
 */
export function classifyDeliveryError(error: unknown): DeliveryFailure {
  const err = error as { name?: unknown; code?: unknown; responseCode?: unknown; message?: unknown } | null;
  const message = typeof err?.message === 'string' ? err.message : String(error);
  const code = typeof err?.code === 'string' ? err.code : '';
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError' || TIMEOUT_CODES.has(code))
    return { class: 'transient', reason: 'timeout', message };
  if (typeof err?.responseCode === 'number') {
    const smtp = err.responseCode;
    if (smtp >= 400 && smtp < 500) return { class: 'transient', reason: 'server_error', message, statusCode: smtp };
    if (smtp >= 500) return { class: 'permanent', reason: 'rejected', message, statusCode: smtp };
  }
  if (NETWORK_CODES.has(code)) return { class: 'transient', reason: 'network', message };
  if (code === 'ETLS' || code === 'EAUTH' || code === 'ENOAUTH' || code === 'ECONFIG' || code === 'EENVELOPE')
    return { class: 'permanent', reason: 'rejected', message };
  // As for batches: an unknown error is retried, because dropping a notification is worse.
  return { class: 'transient', reason: 'network', message };
}

/** Retry-After as seconds or an HTTP date (RFC 9110 §10.2.3) → milliseconds from `now`, or undefined. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
