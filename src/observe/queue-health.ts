import type { QueueSample } from './queue-sample.js';

export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';

/** One reason the status is not healthy; `check` is stable for alerting on it. */
export interface HealthReason {
  status: Exclude<HealthStatus, 'healthy'>;
  check:
    | 'no_sample'
    | 'no_worker'
    | 'ingest_depth'
    | 'ingest_age'
    | 'publish_depth'
    | 'publish_age'
    | 'unowned_shards'
    | 'dead_letters';
  message: string;
}

/** The documented thresholds (HEALTH_* variables; the `observe.health` config section). */
export interface HealthThresholds {
  depthDegraded: number;
  depthUnhealthy: number;
  ageDegradedSeconds: number;
  ageUnhealthySeconds: number;
  /** A sample older than this is stale (the sampler cannot reach Redis), in ms. */
  staleAfterMs: number;
}

const RANK: Record<HealthStatus, number> = { healthy: 0, degraded: 1, unhealthy: 2 };

/** The worse of two statuses. */
export function worst(a: HealthStatus, b: HealthStatus): HealthStatus {
  return RANK[a] >= RANK[b] ? a : b;
}

export function statusRank(status: HealthStatus): number {
  return RANK[status];
}

/**
 * Overall queue health from a sample: unhealthy when no worker is alive, the sample is stale, or a
 * backlog passes the unhealthy depth or age; degraded from the degraded thresholds, when a shard
 * has no owner while workers live, or when ingest jobs sit in the dead-letter queue.
 */
export function assessQueueHealth(
  sample: QueueSample | undefined,
  thresholds: HealthThresholds,
  now = Date.now(),
): { status: HealthStatus; reasons: HealthReason[] } {
  const reasons: HealthReason[] = [];
  if (!sample || now - sample.at > thresholds.staleAfterMs) {
    reasons.push({ status: 'unhealthy', check: 'no_sample', message: 'the queues could not be sampled recently' });
    return { status: 'unhealthy', reasons };
  }
  if (sample.workers.length === 0)
    reasons.push({ status: 'unhealthy', check: 'no_worker', message: 'no batch worker is alive' });
  else if (sample.unownedShards.length > 0)
    reasons.push({
      status: 'degraded',
      check: 'unowned_shards',
      message: `shards without an owner: ${sample.unownedShards.join(', ')}`,
    });

  const ingest = sample.queues.filter((queue) => queue.kind === 'ingest');
  const publish = sample.queues.filter((queue) => queue.kind === 'publish');
  const groups = [
    { name: 'ingest', queues: ingest, depthCheck: 'ingest_depth', ageCheck: 'ingest_age' },
    { name: 'publish', queues: publish, depthCheck: 'publish_depth', ageCheck: 'publish_age' },
  ] as const;
  for (const group of groups) {
    const depth = group.queues.reduce((sum, queue) => sum + queue.waiting, 0);
    const age = Math.max(0, ...group.queues.map((queue) => queue.oldestWaitingSeconds));
    const depthStatus = level(depth, thresholds.depthDegraded, thresholds.depthUnhealthy);
    if (depthStatus)
      reasons.push({
        status: depthStatus,
        check: group.depthCheck,
        message: `${depth} ${group.name} jobs waiting (degraded from ${thresholds.depthDegraded}, unhealthy from ${thresholds.depthUnhealthy})`,
      });
    const ageStatus = level(age, thresholds.ageDegradedSeconds, thresholds.ageUnhealthySeconds);
    if (ageStatus)
      reasons.push({
        status: ageStatus,
        check: group.ageCheck,
        message: `oldest ${group.name} job has waited ${Math.round(age)} s (degraded from ${thresholds.ageDegradedSeconds} s, unhealthy from ${thresholds.ageUnhealthySeconds} s)`,
      });
  }

  const deadLetters = sample.queues.find((queue) => queue.kind === 'dead-letter')?.waiting ?? 0;
  if (deadLetters > 0)
    reasons.push({
      status: 'degraded',
      check: 'dead_letters',
      message: `${deadLetters} ingest jobs in the dead-letter queue (their alerts are not stored)`,
    });
  return { status: reasons.reduce<HealthStatus>((status, reason) => worst(status, reason.status), 'healthy'), reasons };
}

function level(value: number, degraded: number, unhealthy: number): HealthReason['status'] | null {
  if (value >= unhealthy) return 'unhealthy';
  if (value >= degraded) return 'degraded';
  return null;
}
