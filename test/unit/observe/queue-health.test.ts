import { describe, expect, it } from 'vitest';
import { assessQueueHealth, type HealthThresholds } from '../../../src/observe/queue-health.js';
import type { QueueSample, QueueView } from '../../../src/observe/queue-sample.js';

const THRESHOLDS: HealthThresholds = {
  depthDegraded: 100,
  depthUnhealthy: 400,
  ageDegradedSeconds: 60,
  ageUnhealthySeconds: 300,
  staleAfterMs: 5000,
};
const NOW = 1_800_000_000_000;

function queue(overrides: Partial<QueueView>): QueueView {
  return {
    name: 'ingest-0',
    kind: 'ingest',
    shard: 0,
    waiting: 0,
    active: 0,
    delayed: 0,
    failed: 0,
    completed: 0,
    waitingByPriority: null,
    oldestWaitingSeconds: 0,
    throughput: null,
    ...overrides,
  };
}

function sample(queues: QueueView[], overrides: Partial<QueueSample> = {}): QueueSample {
  return {
    at: NOW,
    queues,
    workers: [{ id: 'w', lastSeenSecondsAgo: 1, shards: [0, 1], host: 'h', pid: 1 }],
    unownedShards: [],
    publishDeadLetters: null,
    ...overrides,
  };
}

const checks = (result: ReturnType<typeof assessQueueHealth>) => result.reasons.map((r) => `${r.status}:${r.check}`);

describe('assessQueueHealth', () => {
  it('is healthy under every threshold', () => {
    const result = assessQueueHealth(sample([queue({ waiting: 99, oldestWaitingSeconds: 59 })]), THRESHOLDS, NOW);
    expect(result).toEqual({ status: 'healthy', reasons: [] });
  });

  it('sums ingest shards for depth and takes the oldest for age; thresholds are inclusive', () => {
    const shards = [
      queue({ waiting: 60, oldestWaitingSeconds: 10 }),
      queue({ name: 'ingest-1', shard: 1, waiting: 40, oldestWaitingSeconds: 60 }),
    ];
    const result = assessQueueHealth(sample(shards), THRESHOLDS, NOW);
    expect(result.status).toBe('degraded');
    expect(checks(result)).toEqual(['degraded:ingest_depth', 'degraded:ingest_age']);
  });

  it('is unhealthy from the unhealthy depth or age, per queue group', () => {
    expect(checks(assessQueueHealth(sample([queue({ waiting: 400 })]), THRESHOLDS, NOW))).toEqual([
      'unhealthy:ingest_depth',
    ]);
    const publish = queue({ name: 'publish', kind: 'publish', shard: null, waiting: 5, oldestWaitingSeconds: 300 });
    const result = assessQueueHealth(sample([queue({}), publish]), THRESHOLDS, NOW);
    expect(result.status).toBe('unhealthy');
    expect(checks(result)).toEqual(['unhealthy:publish_age']);
  });

  it('is unhealthy without a live worker, and degraded with an unowned shard while workers live', () => {
    expect(checks(assessQueueHealth(sample([queue({})], { workers: [] }), THRESHOLDS, NOW))).toEqual([
      'unhealthy:no_worker',
    ]);
    expect(checks(assessQueueHealth(sample([queue({})], { unownedShards: [3] }), THRESHOLDS, NOW))).toEqual([
      'degraded:unowned_shards',
    ]);
  });

  it('is degraded while ingest dead letters wait; delayed and failed jobs alone do not count', () => {
    const dlq = queue({ name: 'dlq-ingest', kind: 'dead-letter', shard: null, waiting: 2 });
    expect(checks(assessQueueHealth(sample([queue({ delayed: 1000, failed: 1000 }), dlq]), THRESHOLDS, NOW))).toEqual([
      'degraded:dead_letters',
    ]);
  });

  it('is unhealthy when the newest sample is stale or missing', () => {
    expect(checks(assessQueueHealth(undefined, THRESHOLDS, NOW))).toEqual(['unhealthy:no_sample']);
    expect(checks(assessQueueHealth(sample([queue({})], { at: NOW - 5001 }), THRESHOLDS, NOW))).toEqual([
      'unhealthy:no_sample',
    ]);
  });
});
