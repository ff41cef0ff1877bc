import { LRUCache } from 'lru-cache';
import { type AlertKey, alertKey } from '../alert/alert-key.js';
import type { CommitOutput, CommittedAlert, CommittedBatch } from '../pipeline/committed-batch.js';
import { routeMatches } from '../publish/routing.js';
import type { EscalationCatalog } from './escalation-catalog.js';
import type { EscalationPolicy } from './escalation-policy.js';
import { type EscalationJob, type EscalationQueue, escalationJobId } from './escalation-queue.js';

/**
 * The after-commit output for escalation: for each committed alert that some enabled policy
 * follows and whose fingerprint is firing (as the batch left it), schedules every step of those
 * policies as a delayed job due at episode start + the step's delay. Acknowledging, resolving or
 * suppressing needs no cancellation: a step re-checks the state when it falls due.
 */
export function createEscalationScheduler(deps: {
  catalog: Pick<EscalationCatalog, 'list'>;
  queue: Pick<EscalationQueue, 'schedule'>;
  now?: () => number;
}): CommitOutput {
  const now = deps.now ?? Date.now;
  /** Jobs this process already added: spares Redis the no-op re-adds of a firing alert's steps. */
  const scheduled = new LRUCache<string, true>({ max: 100_000 });

  return { name: 'escalation', run: scheduleEscalations };

  async function scheduleEscalations(batch: CommittedBatch): Promise<void> {
    const policies = deps.catalog.list().filter((policy) => policy.enabled);
    if (policies.length === 0) return;
    const newest = new Map<AlertKey, { committed: CommittedAlert; policies: EscalationPolicy[] }>();
    for (const committed of batch.alerts) {
      const following = policies.filter((policy) => routeMatches(policy.route, committed.alert));
      if (following.length > 0)
        newest.set(alertKey(committed.alert.tenant, committed.alert.fingerprint), { committed, policies: following });
    }
    if (newest.size === 0) return;

    const steps: { job: EscalationJob; delayMs: number }[] = [];
    for (const { committed, policies: following } of newest.values()) {
      const { alert, state, episodeStartedAt } = committed;
      if (state !== 'firing' || episodeStartedAt === null) continue;
      const episodeStart = Date.parse(episodeStartedAt);
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
  }
}
