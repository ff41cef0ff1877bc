import type { Logger } from 'pino';
import * as metrics from '../metrics.js';
import type { CommitOutput, CommittedAlert } from '../pipeline/committed-batch.js';
import { silencing } from './silence-match.js';
import type { SilenceStore } from './silence-store.js';

/**
 * Decides which committed alerts may be published: not those whose fingerprint is suppressed
 * (its lifecycle state, operator- or source-set) and not those a silence covers at the time they
 * were received. Held-back alerts stay stored and streamed; they are only not sent to targets.
 */
export function createPublishGate(silences: SilenceStore) {
  return async function publishable(committed: CommittedAlert[]): Promise<CommittedAlert[]> {
    if (committed.length === 0) return committed;
    const alerts = committed.map((item) => item.alert);
    const times = alerts.map((alert) => Date.parse(alert.receivedAt));
    const windows = await silences.overlapping(
      [...new Set(alerts.map((alert) => alert.tenant))],
      new Date(Math.min(...times)),
      new Date(Math.max(...times)),
    );
    return committed.filter(({ alert, state }) => {
      // The state the batch's upsert left, so nothing here reads last_alert again.
      if (state === 'suppressed') {
        metrics.publishHeldBack.inc({ reason: 'suppressed' });
        return false;
      }
      if (windows.length > 0 && silencing(windows, alert, new Date(alert.receivedAt))) {
        metrics.publishHeldBack.inc({ reason: 'silenced' });
        return false;
      }
      return true;
    });
  };
}

/**
 * Wraps the publish output so it only sees publishable alerts. If the gate cannot decide
 * (PostgreSQL unreachable), it lets the batch through: a notification too many beats a lost one.
 */
export function gatePublishing(
  publishable: ReturnType<typeof createPublishGate>,
  publish: CommitOutput,
  logger: Logger,
  /** False when publishing would send nothing anyway (no enabled target): the checks are skipped. */
  active: () => boolean = () => true,
): CommitOutput {
  return {
    name: publish.name,
    async run(batch) {
      if (!active()) return;
      let allowed = batch.alerts;
      try {
        allowed = await publishable(batch.alerts);
      } catch (error) {
        logger.warn({ err: error }, 'could not check silences; publishing the batch unfiltered');
      }
      if (allowed.length > 0) await publish.run({ ...batch, alerts: allowed });
    },
  };
}
