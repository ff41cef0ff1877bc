import type { Rejection } from '../alert/rejection.js';

/** The fixed set of API error codes and the HTTP status each maps to. */
export const ERROR_STATUS = {
  bad_request: 400,
  invalid_json: 400,
  unauthorized: 401,
  /** Signed ingestion (Standard Webhooks): headers absent, signature wrong, timestamp outside the tolerance, id seen. */
  signature_missing: 401,
  signature_invalid: 401,
  signature_expired: 401,
  signature_replayed: 401,
  forbidden: 403,
  not_found: 404,
  unknown_provider: 404,
  conflict: 409,
  /** A lifecycle action the alert's current state does not allow (details carry the state). */
  invalid_transition: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  /** The request (headers or body) did not arrive within HEADERS_TIMEOUT_MS / REQUEST_TIMEOUT_MS. */
  request_timeout: 408,
  headers_too_large: 431,
  /** An `Expect` header other than 100-continue. */
  expectation_failed: 417,
  invalid_payload: 422,
  rate_limited: 429,
  backpressure: 429,
  internal: 500,
  service_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** An error meant for the client: code, human message, optional structured details. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    /** Extra response headers, e.g. Retry-After. */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  get statusCode(): number {
    return ERROR_STATUS[this.code];
  }
}

/** A domain rejection as the API error it is answered with: its code's status, the path first in the details. */
export function rejectionError({ code, message, path, details }: Rejection): ApiError {
  return new ApiError(code, message, path === undefined ? details : { path, ...details });
}

/** Seconds a client is told to wait when a dependency (Redis, PostgreSQL, a search store) is down. */
const DEPENDENCY_RETRY_AFTER_SECONDS = 5;

/** 503 + Retry-After for a request a down dependency kept from being served; nothing was changed. */
export function dependencyUnavailable(message: string, details?: Record<string, unknown>): ApiError {
  return new ApiError('service_unavailable', message, details, {
    'retry-after': String(DEPENDENCY_RETRY_AFTER_SECONDS),
  });
}
