import { createHash } from 'node:crypto';
import type { Alert } from '../alert/alert.js';
import { findStoredAlert } from '../lifecycle/latest-alert.js';
import { silencing } from '../lifecycle/silence-match.js';
import type { SilenceStore } from '../lifecycle/silence-store.js';
import * as metrics from '../metrics.js';
import { routeMatches } from '../publish/routing.js';
import type { Sql } from '../store/db.js';
import type { EscalationCatalog } from './escalation-catalog.js';
import { type EscalationJob, escalationJobId } from './escalation-queue.js';

/**
 * Sends alerts to named publish targets as one delivery per target; `key` identifies the sending,
 * so sending it again (a retried step) does not add deliveries.
 */
export type SendToTargets = (targets: readonly string[], alerts: Alert[], key: string) => Promise<void>;

/** What a due step did: `fired` sent it; the others explain why not. */
export type StepOutcome = 'fired' | 'stopped' | 'silenced' | 'duplicate' | 'obsolete';

/** A stable UUID for a sending key (publish batch ids are UUIDs). */
export function sendingId(key: string): string {
  const hex = createHash('sha256').update(key).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Runs one due escalation step. In one transaction it locks the fingerprint's last_alert row, checks
 * the step still applies (same episode, still firing, policy still matching, not silenced), claims
 * it in alert_lifecycle under a unique key, and enqueues the deliveries; the claim and the
 * deliveries commit together. A second run of the same step (a retry after a crash, a restart,
 * a re-added job) finds the claim and sends nothing; if the transaction failed after the enqueue,
 * the retry's enqueue reuses the same delivery job ids.
 */
export function createEscalationStep(deps: {
  sql: Sql;
  catalog: Pick<EscalationCatalog, 'get'>;
  silences: Pick<SilenceStore, 'overlapping'>;
  send: SendToTargets;
  now?: () => Date;
}) {
  const now = deps.now ?? (() => new Date());
  return async function escalate(job: EscalationJob): Promise<StepOutcome> {
    const outcome = await run(job);
    metrics.escalations.inc({ outcome });
    return outcome;
  };

  async function run(job: EscalationJob): Promise<StepOutcome> {
    const policy = deps.catalog.get(job.policy);
    const step = policy?.steps[job.step];
    if (!policy?.enabled || !step) return 'obsolete';
    const key = `escalation.${escalationJobId(job)}`;
    return deps.sql.begin(async (tx) => {
      const [row] = await tx<{ state: string; episode_ms: number | null; alert_id: string }[]>`
        select state, (extract(epoch from episode_started_at) * 1000)::float8 as episode_ms, alert_id from last_alert
        where tenant = ${job.tenant} and fingerprint = ${job.fingerprint} for update`;
      if (!row || row.episode_ms !== Date.parse(job.episodeStartedAt)) return 'obsolete';
      if (row.state !== 'firing') return 'stopped';
      const alert = (await findStoredAlert(tx, job.tenant, row.alert_id)) ?? job.alert;
      if (!routeMatches(policy.route, alert)) return 'obsolete';
      const at = now();
      if (silencing(await deps.silences.overlapping([job.tenant], at, at), alert, at)) return 'silenced';
      const claimed = await tx`
        insert into alert_lifecycle (tenant, fingerprint, action, from_state, to_state, actor, note, idempotency_key, details)
        values (${job.tenant}, ${job.fingerprint}, 'escalate', 'firing', 'firing', ${`escalation:${policy.name}`},
          ${`step ${job.step + 1} of ${policy.steps.length}: sent to ${step.targets.join(', ')}`}, ${key},
          ${JSON.stringify({ policy: policy.name, step: job.step, afterMs: step.afterMs, targets: step.targets })}::jsonb)
        on conflict (idempotency_key) do nothing
        returning id`;
      if (claimed.length === 0) return 'duplicate';
      await deps.send(step.targets, [alert], key);
      return 'fired';
    });
  }
}
