import type { Alert } from '../alert/alert.js';
import type { DeliveryFailure } from '../failure.js';
import type { DeliveryOutcome, RejectedPart } from './model.js';

/** How long and how often a delivery is retried. */
export interface RetryPolicy {
  /** Attempts per (batch, target), the first fan-out attempt included. */
  maxAttempts: number;
  /** First backoff, in ms; doubles per attempt. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Longest a delivery may keep waiting from its first attempt, in ms. */
  retryWindowMs: number;
}

/** What to do next with a delivery (its rejected parts are dead-lettered in every case). */
export type Next =
  | { action: 'done' }
  /** Send `alerts` again after `delayMs`; `spendsAttempt` is false for waits that are not the target's fault. */
  | { action: 'retry'; alerts: Alert[]; delayMs: number; spendsAttempt: boolean }
  /** Out of attempts or time: dead-letter `alerts` with `failure`. */
  | { action: 'give-up'; alerts: Alert[]; failure: DeliveryFailure };

export interface Decision {
  deadLetters: RejectedPart[];
  next: Next;
}

/**
 * Exponential backoff with jitter: base·2^(attempt−1), capped, then drawn from [½, 1] of that so
 * retries of many deliveries spread out instead of arriving together.
 */
export function backoffDelay(attemptsMade: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(
    policy.backoffMaxMs,
    policy.backoffBaseMs * 2 ** Math.min(Math.max(attemptsMade - 1, 0), 30),
  );
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** How a deferral reads in a give-up message. */
const DEFERRED = { throttled: 'rate limited', circuit_open: 'circuit open', stalled: 'stalled' } as const;

/**
 * The one place an outcome gets its meaning. `attemptsMade` counts this attempt. A Retry-After the
 * target sent wins over the backoff (plus ≤ 10 % jitter); nothing waits past the retry window.
 */
export function decide(
  outcome: DeliveryOutcome,
  state: { attemptsMade: number; firstAttemptAt: number; now: number },
  policy: RetryPolicy,
  random: () => number = Math.random,
): Decision {
  if (outcome.kind === 'delivered') return { deadLetters: [], next: { action: 'done' } };
  const deadLetters = outcome.rejected;
  if (outcome.pending.length === 0) return { deadLetters, next: { action: 'done' } };
  const windowLeft = state.firstAttemptAt + policy.retryWindowMs - state.now;

  if (outcome.kind === 'deferred') {
    if (windowLeft <= 0)
      return {
        deadLetters,
        next: {
          action: 'give-up',
          alerts: outcome.pending,
          failure: {
            class: 'transient',
            reason: outcome.reason === 'stalled' ? 'timeout' : 'throttled',
            message: `still ${DEFERRED[outcome.reason]} after the retry window`,
          },
        },
      };
    const delayMs = Math.min(outcome.retryAfterMs, windowLeft);
    return { deadLetters, next: { action: 'retry', alerts: outcome.pending, delayMs, spendsAttempt: false } };
  }

  const { failure } = outcome;
  if (state.attemptsMade >= policy.maxAttempts || windowLeft <= 0)
    return {
      deadLetters,
      next: {
        action: 'give-up',
        alerts: outcome.pending,
        failure: { ...failure, message: `gave up after ${state.attemptsMade} attempts: ${failure.message}` },
      },
    };
  const base =
    failure.retryAfterMs !== undefined
      ? failure.retryAfterMs + Math.round(random() * failure.retryAfterMs * 0.1)
      : backoffDelay(state.attemptsMade, policy, random);
  return {
    deadLetters,
    next: { action: 'retry', alerts: outcome.pending, delayMs: Math.min(base, windowLeft), spendsAttempt: true },
  };
}
