/** After a run drains: stored alerts + counted duplicates + rejected = sent, per tenant, via SQL. */
import type { Sql } from '../../src/store/db.js';
import type { KeyRing, LoadTally } from './load.js';
import type { QueueDepth } from './probes.js';

export interface Committed {
  stored: number;
  duplicates: number;
}

/** Rows in `alerts` and `last_alert.duplicate_count` summed, per tenant. */
export async function committedPerTenant(sql: Sql, tenants: string[]): Promise<Map<string, Committed>> {
  const [stored, duplicates] = await Promise.all([
    sql<{ tenant: string; n: string }[]>`
      select tenant, count(*)::bigint as n from alerts where tenant = any(${tenants}::text[]) group by tenant`,
    sql<{ tenant: string; n: string }[]>`
      select tenant, coalesce(sum(duplicate_count), 0)::bigint as n from last_alert
      where tenant = any(${tenants}::text[]) group by tenant`,
  ]);
  const result = new Map(tenants.map((tenant) => [tenant, { stored: 0, duplicates: 0 }]));
  for (const row of stored) (result.get(row.tenant) as Committed).stored = Number(row.n);
  for (const row of duplicates) (result.get(row.tenant) as Committed).duplicates = Number(row.n);
  return result;
}

export function total(committed: Map<string, Committed>): number {
  let sum = 0;
  for (const { stored, duplicates } of committed.values()) sum += stored + duplicates;
  return sum;
}

export interface Drain {
  drained: boolean;
  /** Seconds from the end of sending until everything accepted was committed. */
  seconds: number;
  committed: Map<string, Committed>;
}

/** Waits until every accepted alert is committed (stored or counted as duplicate) and the queues are empty. */
export async function waitForDrain(
  sql: Sql,
  tenants: string[],
  expected: number,
  depth: QueueDepth | undefined,
  timeoutSeconds: number,
): Promise<Drain> {
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  let committed = await committedPerTenant(sql, tenants);
  while (elapsed() < timeoutSeconds) {
    const queued = depth ? await depth.read() : 0;
    if (total(committed) >= expected && queued === 0) {
      // Requests cut off when a phase hit its time limit may still be enqueued by the gateway after
      // their client went away: settle until the count stops moving, so they land in this run.
      const seconds = elapsed();
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const settled = await committedPerTenant(sql, tenants);
      if (total(settled) === total(committed) && (!depth || (await depth.read()) === 0))
        return { drained: true, seconds, committed: settled };
      committed = settled;
      continue;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
    committed = await committedPerTenant(sql, tenants);
  }
  return { drained: false, seconds: elapsed(), committed };
}

export interface TenantCheck {
  tenant: string;
  sent: number;
  stored: number;
  duplicates: number;
  rejected: number;
  failed: number;
  /** sent − (stored + duplicates + rejected + failed): positive = lost (or unanswered), negative = doubled. */
  difference: number;
  /** Alerts of requests that got no answer; the difference may be anywhere from 0 to this. */
  unanswered: number;
}

export interface Verification {
  ok: boolean;
  /** Requests without an answer: each may or may not have been accepted, so the check allows their alerts. */
  unanswered: number;
  acceptedMismatches: number;
  tenants: TenantCheck[];
  problems: string[];
}

/** Compares what the generator sent with what PostgreSQL holds, tenant by tenant. */
export function verify(tallies: LoadTally[], keys: KeyRing, committed: Map<string, Committed>): Verification {
  const problems: string[] = [];
  const sum = (pick: (tally: LoadTally) => number) => tallies.reduce((total, tally) => total + pick(tally), 0);
  const unanswered = sum((tally) => tally.unanswered);
  const failedRequests = sum((tally) => tally.failedRequests);
  const acceptedMismatches = sum((tally) => tally.acceptedMismatches);
  const withoutRetryAfter = sum((tally) => tally.rejectedWithoutRetryAfter);
  const tenants = keys.tenants.map((tenant, index): TenantCheck => {
    const of = (pick: (t: ReturnType<LoadTally['tenant']>) => number) => sum((tally) => pick(tally.tenant(index)));
    const sent = {
      sentAlerts: of((t) => t.sentAlerts),
      rejectedAlerts: of((t) => t.rejectedAlerts),
      failedAlerts: of((t) => t.failedAlerts),
      pendingAlerts: of((t) => t.pendingAlerts),
    };
    const stored = committed.get(tenant) ?? { stored: 0, duplicates: 0 };
    const difference = sent.sentAlerts - (stored.stored + stored.duplicates + sent.rejectedAlerts + sent.failedAlerts);
    // Unanswered requests may or may not have been accepted: their alerts bound the difference.
    if (difference < 0 || difference > sent.pendingAlerts) {
      const lost = difference - sent.pendingAlerts;
      problems.push(`${tenant}: ${difference > 0 ? `${lost} alerts lost` : `${-difference} alerts doubled`}`);
    }
    return {
      tenant,
      sent: sent.sentAlerts,
      stored: stored.stored,
      duplicates: stored.duplicates,
      rejected: sent.rejectedAlerts,
      failed: sent.failedAlerts,
      difference,
      unanswered: sent.pendingAlerts,
    };
  });
  if (failedRequests > 0) problems.push(`${failedRequests} requests failed (neither 202 nor 429)`);
  if (acceptedMismatches > 0)
    problems.push(`${acceptedMismatches} answers accepted a different number of alerts than were sent`);
  if (withoutRetryAfter > 0) problems.push(`${withoutRetryAfter} 429s without Retry-After`);
  // Unanswered requests alone are not a loss (checked above); they are reported with the figures.
  return {
    ok: problems.length === 0,
    unanswered,
    acceptedMismatches,
    tenants,
    problems,
  };
}
