import { describe, expect, it } from 'vitest';
import type { GeneratedRequest } from '../../../loadtest/generator/generator.js';
import { compareFigure, direction } from '../../../loadtest/lib/compare-figures.js';
import { LoadTally } from '../../../loadtest/lib/load.js';
import { histogramQuantile, parseHistogram, slope } from '../../../loadtest/lib/probes.js';
import { verify } from '../../../loadtest/lib/verify.js';

const request = (tenant: number, alerts: number): GeneratedRequest => ({
  seq: 0,
  tenant,
  key: 0,
  provider: 'prometheus',
  path: '/alerts/event/prometheus',
  body: '{}',
  alerts,
  kind: 'new',
});

describe('histogramQuantile', () => {
  it('reads the bucket bound holding the quantile of the observations between two scrapes', () => {
    const before = new Map([
      [0.1, 10],
      [1, 10],
      [5, 10],
      [Number.POSITIVE_INFINITY, 10],
    ]);
    const after = new Map([
      [0.1, 100],
      [1, 108],
      [5, 110],
      [Number.POSITIVE_INFINITY, 110],
    ]);
    expect(histogramQuantile(before, after, 0.5)).toBe(0.1);
    expect(histogramQuantile(before, after, 0.99)).toBe(5);
    expect(histogramQuantile(after, after, 0.99)).toBeNull();
  });
});

describe('parseHistogram', () => {
  it('sums the cumulative buckets of every label set, wherever `le` sits among the labels', () => {
    const text = [
      '# TYPE alertgate_batch_alerts histogram',
      'alertgate_batch_alerts_bucket{le="10",trigger="time"} 3',
      'alertgate_batch_alerts_bucket{le="+Inf",trigger="time"} 4',
      'alertgate_batch_alerts_bucket{trigger="size",le="10"} 1',
      'alertgate_batch_alerts_bucket{trigger="size",le="+Inf"} 5',
      'alertgate_batch_alerts_sum{trigger="time"} 20',
      'alertgate_batch_alerts_total_bucket{le="10"} 99',
    ].join('\n');
    expect(parseHistogram(text, 'alertgate_batch_alerts')).toEqual(
      new Map([
        [10, 4],
        [Number.POSITIVE_INFINITY, 9],
      ]),
    );
  });
});

describe('slope', () => {
  it('is the least-squares slope, zero for flat series', () => {
    expect(
      slope([
        [0, 1],
        [1, 3],
        [2, 5],
      ]),
    ).toBeCloseTo(2);
    expect(
      slope([
        [0, 7],
        [10, 7],
      ]),
    ).toBe(0);
    expect(slope([[0, 7]])).toBe(0);
  });
});

describe('LoadTally', () => {
  it('counts any 2xx as accepted (Alertmanager answers 200 with an empty body) and other codes as failed', () => {
    const t = new LoadTally();
    for (const status of [200, 202, 500]) {
      const item = request(0, 10);
      t.sent(item);
      t.answered(item, status, status === 202 ? '{"accepted":10}' : '', undefined, 1000);
    }
    expect(t.acceptedRequests).toBe(2);
    expect(t.acceptedAlerts).toBe(20);
    expect(t.acceptedMismatches).toBe(0);
    expect(t.failedRequests).toBe(1);
  });
});

describe('verify', () => {
  const keys = { tenants: ['a', 'b'], keys: [['ka'], ['kb']] };

  function tally() {
    const t = new LoadTally();
    for (const [tenant, alerts, status] of [
      [0, 3, 202],
      [0, 2, 429],
      [1, 10, 202],
    ] as const) {
      const item = request(tenant, alerts);
      t.sent(item);
      t.answered(
        item,
        status,
        status === 202 ? `{"accepted":${alerts}}` : '{}',
        status === 429 ? '5' : undefined,
        1000,
      );
    }
    return t;
  }

  it('accepts stored + duplicates + rejected = sent per tenant', () => {
    const committed = new Map([
      ['a', { stored: 1, duplicates: 2 }],
      ['b', { stored: 4, duplicates: 6 }],
    ]);
    const result = verify([tally()], keys, committed);
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it('names the tenant that lost or doubled alerts', () => {
    const committed = new Map([
      ['a', { stored: 1, duplicates: 1 }],
      ['b', { stored: 5, duplicates: 6 }],
    ]);
    const result = verify([tally()], keys, committed);
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual(['a: 1 alerts lost', 'b: 1 alerts doubled']);
  });

  it('allows the alerts of unanswered requests, and flags 429s without Retry-After', () => {
    const t = tally();
    t.sent(request(1, 4)); // never answered: its 4 alerts may or may not have been stored
    const limited = request(0, 1);
    t.sent(limited);
    t.answered(limited, 429, '{}', undefined, 10);
    const committed = new Map([
      ['a', { stored: 1, duplicates: 2 }],
      ['b', { stored: 4, duplicates: 8 }],
    ]);
    const result = verify([t], keys, committed);
    expect(result.unanswered).toBe(1);
    expect(result.problems).toEqual(['1 429s without Retry-After']);
  });
});

describe('compareFigure', () => {
  it('knows which way is better', () => {
    expect(direction('mbPerSecond')).toBe('higher');
    expect(direction('single1SustainedAlertsPerSecond')).toBe('higher');
    expect(direction('p99Ms')).toBe('lower');
    expect(direction('rssSlopeMbPerMinute')).toBe('lower');
    expect(direction('verified')).toBe('true');
    expect(direction('hotRejected')).toBeNull();
  });

  it('flags a move beyond the tolerance in the bad direction only', () => {
    expect(compareFigure('alertsPerSecond', 1000, 800, 0.25)).toBe('ok');
    expect(compareFigure('alertsPerSecond', 1000, 700, 0.25)).toBe('regressed');
    expect(compareFigure('alertsPerSecond', 1000, 5000, 0.25)).toBe('ok');
    expect(compareFigure('p99Ms', 100, 124, 0.25)).toBe('ok');
    expect(compareFigure('p99Ms', 100, 140, 0.25)).toBe('regressed');
    expect(compareFigure('p99Ms', 2, 6, 0.25)).toBe('ok'); // absolute slack for tiny latencies
    expect(compareFigure('verified', true, false, 0.25)).toBe('regressed');
    expect(compareFigure('hotRejected', 10, 0, 0.25)).toBe('info');
  });
});
