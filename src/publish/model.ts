/** Types shared by the publish stages: targets, routes, deliveries and their results. */
import type { Alert, Severity, Status } from '../alert/alert.js';
import type { DeliveryFailure, FailureClass } from '../failure.js';

export const TARGET_TYPES = [
  'webhook',
  'slack',
  'pagerduty',
  'opsgenie',
  'rootly',
  'alertmanager',
  'teams',
  'email',
  'keep',
] as const;
export type TargetType = (typeof TARGET_TYPES)[number];

/** Which alerts a route selects; every given field must match, absent fields match anything. */
export interface Route {
  tenants?: string[];
  /** Lowest severity selected (≥). */
  minSeverity?: Severity;
  providers?: string[];
  statuses?: Status[];
  /** Exact label values the alert must carry. */
  labels?: Record<string, string>;
}

/** Requests per second a target accepts, with a burst (alerts per second for types limited in alerts: `keep`). */
export interface RateLimit {
  perSecond: number;
  burst: number;
}

/** A downstream target as configured (file or admin API); `settings` is validated by its type. */
export interface TargetDefinition {
  name: string;
  type: TargetType;
  enabled: boolean;
  /** The target receives an alert when any route matches; no routes means every alert. */
  routes: Route[];
  /** Per-delivery timeout in ms; the config default when absent. */
  timeoutMs?: number;
  rateLimit?: RateLimit;
  settings: Record<string, unknown>;
}

/** A target as the publisher uses it, with where it was defined. */
export interface Target extends TargetDefinition {
  source: 'file' | 'api';
}

/** Why a routed target was not attempted. */
export type SkipReason = 'disabled' | 'unhealthy' | 'circuit_open';

/** A part of a delivery the target refused for good: dead-lettered with the response as evidence. */
export interface RejectedPart {
  alerts: Alert[];
  failure: DeliveryFailure;
  responseBody?: string;
}

/**
 * The outcome of one delivery attempt to one target, a tagged union whose meaning (retry,
 * dead-letter, wait) is decided in one place, outcome.ts. A per-alert target can end with both
 * `pending` alerts (to send again) and `rejected` parts (to dead-letter).
 */
export type DeliveryOutcome = (
  | { kind: 'delivered'; statusCode?: number; durationMs: number }
  | {
      kind: 'failed';
      /** The failure reported in results: the transient one when a retry is pending. */
      failure: DeliveryFailure;
      /** Alerts to send again (transient failure); empty when none. */
      pending: Alert[];
      rejected: RejectedPart[];
      durationMs: number;
    }
  | {
      /** Not (fully) attempted through no fault of the target: wait without spending an attempt. */
      kind: 'deferred';
      /** Rate limited, circuit open, or too many of the target's deliveries still hanging (stalled). */
      reason: 'throttled' | 'circuit_open' | 'stalled';
      retryAfterMs: number;
      pending: Alert[];
      rejected: RejectedPart[];
      durationMs: number;
    }
) & {
  /** Alerts not sent in storm mode because a newer state of their fingerprint was sent or is pending. */
  superseded?: number;
};

/** One target's line in a batch result (the shape the issue specifies). */
export interface TargetResult {
  target: string;
  type: TargetType;
  ok: boolean;
  statusCode?: number;
  error?: string;
  errorClass?: FailureClass;
  skipReason?: SkipReason;
  durationMs: number;
  attempts: number;
  /** True while a retry of this target is queued. */
  retrying?: boolean;
  /** Storm mode: alerts of this attempt replaced by a newer state of the same fingerprint (not sent). */
  superseded?: number;
}

/** The result of fanning one batch out. `partial`: some targets succeeded and some did not. */
export interface PublishResult {
  batchId: string;
  total: number;
  succeeded: number;
  failed: number;
  skipped: number;
  partial: boolean;
  durationMs: number;
  results: TargetResult[];
}

/** Recomputes the counters of a result from its lines (after a retry changed one). */
export function summarize(batchId: string, durationMs: number, results: TargetResult[]): PublishResult {
  const succeeded = results.filter((r) => r.ok).length;
  const skipped = results.filter((r) => r.skipReason !== undefined).length;
  const failed = results.length - succeeded - skipped;
  return {
    batchId,
    total: results.length,
    succeeded,
    failed,
    skipped,
    partial: succeeded > 0 && succeeded < results.length,
    durationMs,
    results,
  };
}
