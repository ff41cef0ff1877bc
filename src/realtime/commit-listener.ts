import type { Logger } from 'pino';
import * as metrics from '../metrics.js';
import type { CommitOutput } from '../pipeline/committed-batch.js';
import type { RealtimeEventLog } from './event-log.js';
import { alertEventJson } from './events.js';

/**
 * After-commit output for the streams: appends each committed batch's alerts to the realtime log
 * (stream + pub/sub) in commit order. Best effort: a failure is logged and counted, not retried
 * (a late live event is worth less than the next one).
 */
export function createRealtimeOutput(log: RealtimeEventLog, logger: Logger): CommitOutput {
  return {
    name: 'realtime',
    run(batch) {
      const events = batch.alerts.map(({ change, json }) => alertEventJson(change, json));
      return log.append(events).catch((error: unknown) => {
        metrics.streamPublishFailures.inc();
        logger.warn({ err: error, alerts: events.length }, 'could not publish committed alerts to the streams');
      });
    },
  };
}
