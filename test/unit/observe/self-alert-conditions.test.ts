import { describe, expect, it } from 'vitest';
import type { QueueSample } from '../../../src/observe/queue-sample.js';
import { type CounterView, evaluateRules } from '../../../src/observe/self-alert-conditions.js';
import type { SelfAlertRule } from '../../../src/observe/self-alert-rules.js';

/** Counter growth per (name, window ms, provider, outcome filter). */
function counters(historySeconds: number, growth: Record<string, Record<number, Record<string, number>>>): CounterView {
  const lookup = (name: string, windowMs: number, filter?: Record<string, string>) => {
    const key = filter?.outcome ? `${name}:${filter.outcome}` : name;
    return new Map(Object.entries(growth[key]?.[windowMs] ?? {}));
  };
  return {
    historySeconds,
    increase: (name, windowMs, _by, filter) => lookup(name, windowMs, filter),
    rate: (name, windowMs, _by, filter) =>
      new Map([...lookup(name, windowMs, filter)].map(([key, value]) => [key, value / (windowMs / 1000)])),
  };
}

function sample(depth: number, age: number, workers = 1): QueueSample {
  return {
    at: 0,
    queues: [
      {
        name: 'ingest-0',
        kind: 'ingest',
        shard: 0,
        waiting: depth,
        active: 0,
        delayed: 0,
        failed: 0,
        completed: 0,
        waitingByPriority: null,
        oldestWaitingSeconds: age,
        throughput: null,
      },
    ],
    workers: Array.from({ length: workers }, (_, i) => ({
      id: `w${i}`,
      lastSeenSecondsAgo: 0,
      shards: [0],
      host: null,
      pid: null,
    })),
    unownedShards: [],
    publishDeadLetters: null,
  };
}

const none = counters(0, {});
const firing = (verdicts: ReturnType<typeof evaluateRules>) =>
  verdicts.flatMap((verdict) => verdict.firing.map((finding) => [finding.rule.name, finding.subject, finding.message]));

describe('self-alert conditions', () => {
  const queueRules: SelfAlertRule[] = [
    { name: 'backlog', kind: 'queue_backlog', maxJobs: 100 },
    { name: 'age', kind: 'queue_age', maxAgeSeconds: 60 },
    { name: 'workers', kind: 'no_worker' },
  ];

  it('fires above (not at) the backlog and age thresholds, and without a live worker', () => {
    expect(firing(evaluateRules(queueRules, sample(100, 60), none))).toEqual([]);
    expect(firing(evaluateRules(queueRules, sample(101, 61, 0), none))).toEqual([
      ['backlog', null, '101 ingest jobs waiting (threshold 100)'],
      ['age', null, 'oldest ingest job has waited 61 s (threshold 60 s)'],
      ['workers', null, 'no batch worker is alive'],
    ]);
  });

  it('does not judge queue rules without a sample (so nothing resolves by accident)', () => {
    expect(evaluateRules(queueRules, undefined, none).map((verdict) => verdict.evaluated)).toEqual([
      false,
      false,
      false,
    ]);
  });

  it('fires per provider above its own expected rate or the default', () => {
    const rule: SelfAlertRule = {
      name: 'rate',
      kind: 'provider_rate',
      maxPerSecond: 100,
      providers: { datadog: 10 },
      windowSeconds: 60,
    };
    const view = counters(120, {
      alertgate_ingest_alerts_accepted_total: { 60000: { datadog: 660, prometheus: 6000, grafana: 6060 } },
    });
    expect(firing(evaluateRules([rule], undefined, view))).toEqual([
      ['rate', 'datadog', 'datadog sends 11.0 alerts/s over 60 s (expected at most 10)'],
      ['rate', 'grafana', 'grafana sends 101.0 alerts/s over 60 s (expected at most 100)'],
    ]);
    expect(evaluateRules([rule], undefined, none)[0]?.evaluated).toBe(false);
  });

  it('fires when a provider duplicate ratio leaves its norm, given enough history and alerts', () => {
    const rule: SelfAlertRule = {
      name: 'dedup',
      kind: 'dedup_ratio',
      windowSeconds: 300,
      baselineSeconds: 3600,
      maxDeviation: 0.3,
      minAlerts: 100,
    };
    const recent = 300_000;
    const long = 3_900_000;
    const view = counters(3900, {
      // datadog: 90% duplicates now against 20% before; keep: steady 50%; tiny: too few alerts.
      alertgate_dedup_alerts_total: {
        [recent]: { datadog: 1000, keep: 1000, tiny: 10 },
        [long]: { datadog: 11_000, keep: 11_000, tiny: 200 },
      },
      'alertgate_dedup_alerts_total:duplicate': {
        [recent]: { datadog: 900, keep: 500, tiny: 10 },
        [long]: { datadog: 2900, keep: 5500, tiny: 10 },
      },
    });
    expect(firing(evaluateRules([rule], undefined, view))).toEqual([
      [
        'dedup',
        'datadog',
        'datadog duplicate ratio is 90.0% over 300 s against 20.0% before (allowed deviation 30.0%)',
      ],
    ]);
    // Less history than two windows: not judged.
    expect(evaluateRules([rule], undefined, counters(500, {}))[0]?.evaluated).toBe(false);
  });
});
