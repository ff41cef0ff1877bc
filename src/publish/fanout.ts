import type { Logger } from 'pino';
import type { Alert } from '../alert/alert.js';
import * as metrics from '../metrics.js';
import type { createDeliver } from './deliver.js';
import type { DeliveryMarks, Mark } from './delivery-marks.js';
import type { TargetHealth } from './health.js';
import { type PublishResult, summarize, type Target, type TargetResult } from './model.js';
import type { PublishLog } from './publish-log.js';
import { type DeliverJob, messageIdOf } from './publish-queue.js';
import { routeAlerts } from './routing.js';
import type { createSettle } from './settle.js';
import type { TargetCatalog } from './target-catalog.js';

export interface FanoutDeps {
  catalog: Pick<TargetCatalog, 'list'>;
  health: TargetHealth;
  deliver: ReturnType<typeof createDeliver>;
  settler: ReturnType<typeof createSettle>;
  marks: DeliveryMarks;
  /** Schedules a retry job for one target. */
  scheduleRetry: (job: DeliverJob, delayMs: number, jobId: string) => Promise<void>;
  publishLog: PublishLog | null;
  now: () => number;
  log: Logger;
}

export interface FanoutBatch {
  batchId: string;
  alerts: Alert[];
}

/**
 * The fan-out stage: routes a batch, skips disabled, unhealthy and circuit-open targets (with the
 * reason), and delivers to the rest concurrently. Each target settles on its own — a retry job,
 * dead letters or done — so a retry never touches targets that already succeeded.
 */
export function createFanout(deps: FanoutDeps) {
  return async function fanOut(batch: FanoutBatch, options: { rerun?: boolean } = {}): Promise<PublishResult> {
    const started = performance.now();
    const routed = routeAlerts(deps.catalog.list(), batch.alerts);
    const names = [...routed.keys()].filter((target) => target.enabled).map((target) => target.name);
    const [failures, marks] = await Promise.all([
      deps.health.failures(names),
      options.rerun ? deps.marks.get(batch.batchId) : Promise.resolve(new Map<string, Mark>()),
    ]);
    const firstAttemptAt = deps.now();
    const settled = new Map<string, Mark>();

    const one = async (target: Target, alerts: Alert[]): Promise<TargetResult> => {
      const mark = marks.get(target.name);
      if (mark) return settledEarlier(target, mark);
      if (!target.enabled) return deps.settler.skip(target, batch.batchId, alerts, 'disabled');
      const knownFailures = failures.get(target.name) ?? 0;
      if ((await deps.health.admit(target.name, knownFailures)) === 'unhealthy')
        return deps.settler.skip(target, batch.batchId, alerts, 'unhealthy');
      const messageId = messageIdOf(batch.batchId, target.name);
      const outcome = await deps.deliver(target, alerts, { batchId: batch.batchId, messageId, knownFailures });
      if (outcome.kind === 'deferred' && outcome.reason === 'circuit_open')
        return deps.settler.skip(target, batch.batchId, alerts, 'circuit_open');
      const { line, next } = await deps.settler.settle(
        target,
        { batchId: batch.batchId, attemptsMade: 1, firstAttemptAt },
        outcome,
      );
      if (next.action === 'retry')
        await deps.scheduleRetry(
          {
            batchId: batch.batchId,
            target: target.name,
            alerts: next.alerts,
            messageId,
            attemptsBefore: next.spendsAttempt ? 1 : 0,
            firstAttemptAt,
          },
          next.delayMs,
          `${batch.batchId}.${target.name}`,
        );
      settled.set(target.name, next.action === 'retry' ? 'retrying' : line.ok ? 'delivered' : 'dead-lettered');
      return line;
    };

    const results = await Promise.all([...routed].map(([target, alerts]) => one(target, alerts)));
    // Only a rerun of this batch job reads the marks, and it can only follow a crash, which would
    // lose marks still in flight anyway: so they are written without holding the batch up.
    deps.marks
      .set(batch.batchId, settled)
      .catch((error: unknown) =>
        deps.log.warn({ err: error, batchId: batch.batchId }, 'could not record delivery marks'),
      );
    const durationMs = Math.round(performance.now() - started);
    const result = summarize(batch.batchId, durationMs, results);
    observe(result);
    if (results.length > 0)
      deps.publishLog?.record(result, {
        tenants: [...new Set(batch.alerts.map((alert) => alert.tenant))],
        alerts: batch.alerts.length,
      });
    return result;
  };
}

function settledEarlier(target: Target, mark: Mark): TargetResult {
  const line: TargetResult = {
    target: target.name,
    type: target.type,
    ok: mark === 'delivered',
    durationMs: 0,
    attempts: 1,
  };
  if (mark !== 'delivered') line.error = `settled by an earlier run (${mark})`;
  if (mark === 'retrying') line.retrying = true;
  return line;
}

function observe(result: PublishResult): void {
  if (result.total === 0) return;
  metrics.publishFanoutSeconds.observe(result.durationMs / 1000);
  const outcome =
    result.succeeded === result.total
      ? 'delivered'
      : result.partial
        ? 'partial'
        : result.skipped === result.total
          ? 'skipped'
          : 'failed';
  metrics.publishBatches.inc({ outcome });
}
