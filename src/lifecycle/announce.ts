import type { Logger } from 'pino';
import * as metrics from '../metrics.js';
import type { RealtimeEventLog } from '../realtime/event-log.js';
import { eventJson } from '../realtime/events.js';
import type { LifecycleChange, LifecycleStore } from './lifecycle-store.js';

/**
 * Streams an applied lifecycle change with the alert it applies to. Best effort: the change is
 * committed either way, so a failure is counted and logged, never thrown.
 */
export function createLifecycleAnnouncer(events: RealtimeEventLog, store: LifecycleStore, log: Logger) {
  return async function announce(change: LifecycleChange): Promise<void> {
    try {
      await events.append([
        eventJson({
          type: 'lifecycle',
          tenant: change.tenant,
          fingerprint: change.fingerprint,
          action: change.action,
          from: change.from,
          to: change.to,
          actor: change.actor,
          note: change.note,
          at: change.at,
          alert: await store.alertOf(change),
        }),
      ]);
    } catch (error) {
      metrics.streamPublishFailures.inc();
      log.warn({ err: error, fingerprint: change.fingerprint }, 'could not stream a lifecycle change');
    }
  };
}
