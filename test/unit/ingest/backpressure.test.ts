import { describe, expect, it } from 'vitest';
import { Backpressure } from '../../../src/ingest/backpressure.js';
import type { QueueSample, QueueView } from '../../../src/observe/queue-sample.js';

const OPTIONS = { highWatermark: 100, lowWatermark: 50, maxAgeMs: 60_000, criticalHardLimit: 200 };
const T0 = 1_800_000_000_000;

/** A sample of two ingest shards sharing `waiting` and `committed`, and a publish queue that must not count. */
function sample(at: number, waiting: number, committed = 0, oldestSeconds = 0): QueueSample {
  const shard = (index: number, share: number): QueueView => ({
    name: `ingest-${index}`,
    kind: 'ingest',
    shard: index,
    waiting: share,
    active: 0,
    delayed: 0,
    failed: 0,
    completed: committed / 2,
    waitingByPriority: { urgent: 0, normal: share },
    oldestWaitingSeconds: index === 0 ? oldestSeconds : 0,
    throughput: null,
  });
  const publish: QueueView = { ...shard(0, 10_000), name: 'publish', kind: 'publish', shard: null };
  return {
    at,
    queues: [shard(0, waiting / 2), shard(1, waiting / 2), publish],
    workers: [],
    unownedShards: [],
    publishDeadLetters: null,
  };
}

describe('Backpressure', () => {
  it('admits everything until a sample says otherwise', () => {
    expect(new Backpressure(OPTIONS).admit(false)).toEqual({ ok: true });
  });

  it('sheds above the high watermark and resumes only below the low one', () => {
    const backpressure = new Backpressure(OPTIONS);
    backpressure.observe(sample(T0, 100));
    expect(backpressure.admit(false).ok).toBe(true);
    backpressure.observe(sample(T0 + 500, 102));
    expect(backpressure.admit(false)).toMatchObject({ ok: false, reason: 'queue_depth' });
    backpressure.observe(sample(T0 + 1000, 60));
    expect(backpressure.admit(false).ok).toBe(false);
    backpressure.observe(sample(T0 + 1500, 48));
    expect(backpressure.admit(false).ok).toBe(true);
  });

  it('sheds when the oldest entry waits longer than the maximum age', () => {
    const backpressure = new Backpressure(OPTIONS);
    backpressure.observe(sample(T0, 10, 0, 61));
    expect(backpressure.admit(false)).toMatchObject({ ok: false, reason: 'queue_age' });
    backpressure.observe(sample(T0 + 500, 10, 0, 1));
    expect(backpressure.admit(false).ok).toBe(true);
  });

  it('admits critical alerts while shedding, up to the hard limit', () => {
    const backpressure = new Backpressure(OPTIONS);
    backpressure.observe(sample(T0, 150));
    expect(backpressure.admit(false).ok).toBe(false);
    expect(backpressure.admit(true).ok).toBe(true);
    backpressure.observe(sample(T0 + 500, 200));
    expect(backpressure.admit(true)).toMatchObject({ ok: false, reason: 'queue_depth' });
  });

  it('derives Retry-After from the drain rate of committed entries', () => {
    const backpressure = new Backpressure(OPTIONS);
    backpressure.observe(sample(T0, 150, 0));
    expect(backpressure.admit(false)).toMatchObject({ retryAfterSeconds: 30 });
    // 20 entries committed per second; 250 - 50 = 200 entries to drain.
    backpressure.observe(sample(T0 + 1000, 250, 20));
    expect(backpressure.admit(false)).toMatchObject({ retryAfterSeconds: 10 });
  });
});
