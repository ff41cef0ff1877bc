import type { Logger } from 'pino';
import type { Alert } from '../alert/alert.js';
import * as metrics from '../metrics.js';
import type { CommittedAlert } from '../store/batch-writer.js';
import type { Sql } from '../store/db.js';
import { silencing } from './silence-match.js';
import type { SilenceStore } from './silence-store.js';

type Listener = (committed: CommittedAlert[]) => void | Promise<void>;

/**
 * Decides which committed alerts may be published: not those whose fingerprint is suppressed
 * (its lifecycle state, operator- or source-set) and not those a silence covers at the time they
 * were received. Held-back alerts stay stored and streamed; they are only not sent to targets.
 */
export function createPublishGate(sql: Sql, silences: SilenceStore) {
  return async function publishable(committed: CommittedAlert[]): Promise<CommittedAlert[]> {
    if (committed.length === 0) return committed;
    const alerts = committed.map((item) => item.alert);
    const times = alerts.map((alert) => Date.parse(alert.receivedAt));
    const [suppressed, windows] = await Promise.all([
      suppressedFingerprints(sql, alerts),
      silences.overlapping(
        [...new Set(alerts.map((alert) => alert.tenant))],
        new Date(Math.min(...times)),
        new Date(Math.max(...times)),
      ),
    ]);
    return committed.filter(({ alert }) => {
      if (suppressed.has(keyOf(alert))) {
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
 * Wraps the publish commit listener so it only sees publishable alerts. If the gate cannot decide
 * (PostgreSQL unreachable), it lets the batch through: a notification too many beats a lost one.
 */
export function gatePublishing(
  publishable: ReturnType<typeof createPublishGate>,
  publish: Listener,
  logger: Logger,
  /** False when publishing would send nothing anyway (no enabled target): the checks are skipped. */
  active: () => boolean = () => true,
): Listener {
  return async function publishUnlessHeldBack(committed) {
    if (!active()) return;
    let allowed = committed;
    try {
      allowed = await publishable(committed);
    } catch (error) {
      logger.warn({ err: error }, 'could not check suppressions and silences; publishing the batch unfiltered');
    }
    if (allowed.length > 0) await publish(allowed);
  };
}

const keyOf = (alert: Pick<Alert, 'tenant' | 'fingerprint'>) => `${alert.tenant}\u0000${alert.fingerprint}`;

async function suppressedFingerprints(sql: Sql, alerts: readonly Alert[]): Promise<Set<string>> {
  const unique = [...new Map(alerts.map((alert) => [keyOf(alert), alert])).values()];
  const rows = await sql<{ tenant: string; fingerprint: string }[]>`
    select l.tenant, l.fingerprint from last_alert l
    join unnest(${unique.map((alert) => alert.tenant)}::text[], ${unique.map((alert) => alert.fingerprint)}::text[])
      as k(tenant, fingerprint) on l.tenant = k.tenant and l.fingerprint = k.fingerprint
    where l.state = 'suppressed'`;
  return new Set(rows.map(keyOf));
}
