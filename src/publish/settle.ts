import type { Logger } from 'pino';
import type { Alert } from '../alert/alert.js';
import * as metrics from '../metrics.js';
import type { DeadLetterInput, PublishDeadLetters } from './dead-letters.js';
import type { DeliveryOutcome, SkipReason, Target, TargetResult } from './model.js';
import { decide, type Next, type RetryPolicy } from './outcome.js';
import type { TargetCatalog } from './target-catalog.js';

export interface SettleDeps {
  deadLetters: PublishDeadLetters;
  catalog: Pick<TargetCatalog, 'disable'>;
  policy: RetryPolicy;
  random: () => number;
  now: () => number;
  log: Logger;
}

/** Where a delivery stands: `attemptsMade` includes the attempt being settled. */
export interface SettleState {
  batchId: string;
  attemptsMade: number;
  firstAttemptAt: number;
}

/**
 * Applies a delivery outcome's consequences that do not depend on who made the attempt (the
 * fan-out or a retry job): dead letters, switching off a webhook that answered 410 Gone, the
 * result line. Returns what should happen next; the caller schedules it its own way.
 */
export function createSettle(deps: SettleDeps) {
  async function settle(
    target: Target,
    state: SettleState,
    outcome: DeliveryOutcome,
  ): Promise<{ line: TargetResult; next: Next }> {
    const { deadLetters, next } = decide(
      outcome,
      { attemptsMade: state.attemptsMade, firstAttemptAt: state.firstAttemptAt, now: deps.now() },
      deps.policy,
      deps.random,
    );
    const entries: DeadLetterInput[] = deadLetters.map((part) => ({
      batchId: state.batchId,
      target: target.name,
      targetType: target.type,
      alerts: part.alerts,
      errorClass: part.failure.class,
      reason: part.failure.reason,
      error: part.failure.message,
      statusCode: part.failure.statusCode,
      responseBody: part.responseBody,
      attempts: state.attemptsMade,
    }));
    if (next.action === 'give-up')
      entries.push({
        batchId: state.batchId,
        target: target.name,
        targetType: target.type,
        alerts: next.alerts,
        errorClass: next.failure.class,
        reason: next.failure.reason,
        error: next.failure.message,
        statusCode: next.failure.statusCode,
        attempts: state.attemptsMade,
      });
    await deadLetter(entries);
    // targets.md: a webhook answering 410 Gone was deleted on the receiving side; stop sending to it.
    if (target.type === 'webhook' && deadLetters.some((part) => part.failure.statusCode === 410)) {
      deps.log.warn({ target: target.name }, 'webhook answered 410 Gone; target disabled');
      await deps.catalog.disable(target.name);
    }
    return { line: lineFor(target, state, outcome, next), next };
  }

  /** Records a skipped delivery; health and circuit skips are dead-lettered so a replay can recover them. */
  async function skip(target: Target, batchId: string, alerts: Alert[], reason: SkipReason): Promise<TargetResult> {
    metrics.publishSkipped.inc({ target: target.name, reason });
    if (reason !== 'disabled')
      await deadLetter([
        {
          batchId,
          target: target.name,
          targetType: target.type,
          alerts,
          errorClass: 'transient',
          reason,
          error: `skipped: target ${reason === 'unhealthy' ? 'unhealthy' : 'circuit open'}`,
          attempts: 0,
        },
      ]);
    return { target: target.name, type: target.type, ok: false, skipReason: reason, durationMs: 0, attempts: 0 };
  }

  async function deadLetter(entries: DeadLetterInput[]): Promise<void> {
    if (entries.length === 0) return;
    await deps.deadLetters.add(entries);
    for (const entry of entries) metrics.publishDeadLettered.inc({ target: entry.target, class: entry.errorClass });
    deps.log.warn(
      { target: entries[0]?.target, batchId: entries[0]?.batchId, reasons: entries.map((e) => e.reason) },
      'delivery dead-lettered',
    );
  }

  return { settle, skip };
}

function lineFor(target: Target, state: SettleState, outcome: DeliveryOutcome, next: Next): TargetResult {
  const line: TargetResult = {
    target: target.name,
    type: target.type,
    ok: outcome.kind === 'delivered',
    durationMs: outcome.durationMs,
    attempts: state.attemptsMade,
  };
  if (outcome.superseded !== undefined) line.superseded = outcome.superseded;
  if (outcome.kind === 'delivered') {
    if (outcome.statusCode !== undefined) line.statusCode = outcome.statusCode;
    return line;
  }
  if (next.action === 'retry') line.retrying = true;
  const failure =
    next.action === 'give-up'
      ? next.failure
      : outcome.kind === 'failed'
        ? outcome.failure
        : {
            class: 'transient' as const,
            message: `${outcome.reason.replace('_', ' ')}; retrying in ${outcome.retryAfterMs} ms`,
          };
  line.errorClass = failure.class;
  line.error = failure.message;
  if ('statusCode' in failure && failure.statusCode !== undefined) line.statusCode = failure.statusCode;
  return line;
}
