import { LRUCache } from 'lru-cache';
import type { Alert } from '../alert/alert.js';
import { routeMatches } from '../publish/routing.js';
import type { CommittedAlert } from '../store/batch-writer.js';
import type { Sql } from '../store/db.js';
import type { EscalationCatalog } from './escalation-catalog.js';
import type { EscalationPolicy } from './escalation-policy.js';
import { type EscalationJob, type EscalationQueue, escalationJobId } from './escalation-queue.js';

/**
 * The batch worker's commit listener for escalation: for each committed alert that some enabled
 * policy follows and whose fingerprint is firing, schedules every step of those policies as a
 * delayed job due at episode start + the step's delay. Acknowledging, resolving or suppressing
 * needs no cancellation: a step re-checks the state when it falls due.
 */
export function createEscalationScheduler(deps: {
  sql: Sql;
  catalog: Pick<EscalationCatalog, 'list'>;
  queue: Pick<EscalationQueue, 'schedule'>;
  now?: () => number;
}) {
  const now = deps.now ?? Date.now;
  /** Jobs this process already added: spares Redis the no-op re-adds of a firing alert's steps. */
  const scheduled = new LRUCache<string, true>({ max: 100_000 });

  return async function scheduleEscalations(committed: CommittedAlert[]): Promise<void> {
    const policies = deps.catalog.list().filter((policy) => policy.enabled);
    if (policies.length === 0) return;
    const newest = new Map<string, { alert: Alert; policies: EscalationPolicy[] }>();
    for (const { alert } of committed) {
      const following = policies.filter((policy) => routeMatches(policy.route, alert));
      if (following.length > 0) newest.set(`${alert.tenant}\u0000${alert.fingerprint}`, { alert, policies: following });
    }
    if (newest.size === 0) return;
    const candidates = [...newest.values()];
    // Epoch ms: the drizzle client leaves raw timestamptz values as PostgreSQL text.
    const rows = await deps.sql<{ tenant: string; fingerprint: string; state: string; episode_ms: number | null }[]>`
      select l.tenant, l.fingerprint, l.state, (extract(epoch from l.episode_started_at) * 1000)::float8 as episode_ms
      from last_alert l
      join unnest(${candidates.map((c) => c.alert.tenant)}::text[], ${candidates.map((c) => c.alert.fingerprint)}::text[])
        as k(tenant, fingerprint) on l.tenant = k.tenant and l.fingerprint = k.fingerprint`;
    const states = new Map(rows.map((row) => [`${row.tenant}\u0000${row.fingerprint}`, row]));

    const steps: { job: EscalationJob; delayMs: number }[] = [];
    for (const { alert, policies: following } of candidates) {
      const row = states.get(`${alert.tenant}\u0000${alert.fingerprint}`);
      if (row?.state !== 'firing' || row.episode_ms === null) continue;
      const episodeStart = row.episode_ms;
      for (const policy of following) {
        for (const [step, { afterMs }] of policy.steps.entries()) {
          const job: EscalationJob = {
            policy: policy.name,
            step,
            tenant: alert.tenant,
            fingerprint: alert.fingerprint,
            episodeStartedAt: new Date(episodeStart).toISOString(),
            alert,
          };
          const id = escalationJobId(job);
          if (scheduled.has(id)) continue;
          steps.push({ job, delayMs: episodeStart + afterMs - now() });
        }
      }
    }
    await deps.queue.schedule(steps);
    for (const { job } of steps) scheduled.set(escalationJobId(job), true);
  };
}
