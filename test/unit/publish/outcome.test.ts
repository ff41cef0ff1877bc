import { describe, expect, it } from 'vitest';
import type { DeliveryOutcome } from '../../../src/publish/model.js';
import { backoffDelay, decide, type RetryPolicy } from '../../../src/publish/outcome.js';
import { makeAlert } from '../../support/publish.js';

const policy: RetryPolicy = { maxAttempts: 4, backoffBaseMs: 1000, backoffMaxMs: 5000, retryWindowMs: 60_000 };
const alert = makeAlert('t');
const transient = (retryAfterMs?: number): DeliveryOutcome => ({
  kind: 'failed',
  failure: { class: 'transient', reason: 'server_error', message: 'HTTP 503', statusCode: 503, retryAfterMs },
  pending: [alert],
  rejected: [],
  durationMs: 5,
});

describe('backoffDelay', () => {
  it('doubles per attempt within [½, 1] of the ceiling and caps', () => {
    expect(backoffDelay(1, policy, () => 0)).toBe(500);
    expect(backoffDelay(1, policy, () => 1)).toBe(1000);
    expect(backoffDelay(3, policy, () => 1)).toBe(4000);
    expect(backoffDelay(9, policy, () => 1)).toBe(5000);
  });
});

describe('decide', () => {
  const state = { attemptsMade: 1, firstAttemptAt: 0, now: 1000 };

  it('delivered is done', () => {
    expect(decide({ kind: 'delivered', durationMs: 1 }, state, policy).next).toEqual({ action: 'done' });
  });

  it('retries a transient failure with backoff, spending an attempt', () => {
    expect(decide(transient(), state, policy, () => 1).next).toEqual({
      action: 'retry',
      alerts: [alert],
      delayMs: 1000,
      spendsAttempt: true,
    });
  });

  it('honours Retry-After over the backoff', () => {
    const next = decide(transient(7000), state, policy, () => 0).next;
    expect(next).toMatchObject({ action: 'retry', delayMs: 7000 });
  });

  it('gives up after the last attempt and dead-letters the pending alerts', () => {
    const next = decide(transient(), { ...state, attemptsMade: 4 }, policy).next;
    expect(next).toMatchObject({ action: 'give-up', alerts: [alert], failure: { class: 'transient' } });
  });

  it('gives up once the retry window has passed', () => {
    expect(decide(transient(), { ...state, now: 70_000 }, policy).next.action).toBe('give-up');
  });

  it('defers throttled deliveries without spending an attempt', () => {
    const deferred: DeliveryOutcome = {
      kind: 'deferred',
      reason: 'throttled',
      retryAfterMs: 2500,
      pending: [alert],
      rejected: [],
      durationMs: 0,
    };
    expect(decide(deferred, { ...state, attemptsMade: 4 }, policy).next).toEqual({
      action: 'retry',
      alerts: [alert],
      delayMs: 2500,
      spendsAttempt: false,
    });
  });

  it('defers a delivery to a stalled target, and gives it up as a timeout once the window has passed', () => {
    const stalled: DeliveryOutcome = {
      kind: 'deferred',
      reason: 'stalled',
      retryAfterMs: 10_000,
      pending: [alert],
      rejected: [],
      durationMs: 0,
    };
    expect(decide(stalled, state, policy).next).toMatchObject({
      action: 'retry',
      delayMs: 10_000,
      spendsAttempt: false,
    });
    expect(decide(stalled, { ...state, now: 70_000 }, policy).next).toMatchObject({
      action: 'give-up',
      failure: { reason: 'timeout', message: 'still stalled after the retry window' },
    });
  });

  it('dead-letters rejected parts and retries the rest', () => {
    const mixed: DeliveryOutcome = {
      ...(transient() as Extract<DeliveryOutcome, { kind: 'failed' }>),
      rejected: [{ alerts: [makeAlert('t')], failure: { class: 'permanent', reason: 'rejected', message: '400' } }],
    };
    const decision = decide(mixed, state, policy);
    expect(decision.deadLetters).toHaveLength(1);
    expect(decision.next.action).toBe('retry');
  });

  it('a permanent failure with nothing pending is done after dead-lettering', () => {
    const permanent: DeliveryOutcome = {
      kind: 'failed',
      failure: { class: 'permanent', reason: 'rejected', message: '400', statusCode: 400 },
      pending: [],
      rejected: [{ alerts: [alert], failure: { class: 'permanent', reason: 'rejected', message: '400' } }],
      durationMs: 3,
    };
    const decision = decide(permanent, state, policy);
    expect(decision).toMatchObject({ next: { action: 'done' } });
    expect(decision.deadLetters).toHaveLength(1);
  });
});
