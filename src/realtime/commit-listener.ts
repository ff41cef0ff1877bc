import type { Logger } from 'pino';
import * as metrics from '../metrics.js';
import type { CommittedAlert } from '../store/batch-writer.js';
import type { RealtimeEventLog } from './event-log.js';
import type { AlertEvent } from './events.js';

/**
 * The batch worker's commit listener for the streams: appends each committed batch's alerts to the
 * realtime log (stream + pub/sub) in commit order. Best effort: a failure is logged and counted,
 * never thrown at the batch worker (the alerts are stored either way).
 */
export function createRealtimeListener(log: RealtimeEventLog, logger: Logger) {
  return function streamCommitted(committed: CommittedAlert[]): Promise<void> {
    const events = committed.map(({ alert, change }): AlertEvent => ({ type: 'alert', change, alert }));
    return log.append(events).catch((error: unknown) => {
      metrics.streamPublishFailures.inc();
      logger.warn({ err: error, alerts: events.length }, 'could not publish committed alerts to the streams');
    });
  };
}
