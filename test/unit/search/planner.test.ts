import { describe, expect, it } from 'vitest';
import { archiveOnlyPlan, planSearch } from '../../../src/search/planner.js';

const DAY = 86_400_000;
const W = Date.UTC(2026, 0, 10);

describe('planSearch', () => {
  it('sends everything to PostgreSQL before anything is archived', () => {
    expect(planSearch({ from: 0, to: W }, null)).toEqual({
      postgres: { from: 0, to: W },
      elasticsearch: null,
      handoff: null,
    });
  });

  it('splits at the watermark: below to Elasticsearch, at or above to PostgreSQL', () => {
    expect(planSearch({ from: W - 5 * DAY, to: W + 5 * DAY }, new Date(W))).toEqual({
      postgres: { from: W, to: W + 5 * DAY },
      elasticsearch: { from: W - 5 * DAY, to: W - 1 },
      handoff: { from: W, to: W + DAY - 1 },
    });
  });

  it('asks only PostgreSQL for windows after the handoff day', () => {
    expect(planSearch({ from: W + DAY, to: W + 2 * DAY }, new Date(W))).toEqual({
      postgres: { from: W + DAY, to: W + 2 * DAY },
      elasticsearch: null,
      handoff: null,
    });
  });

  it('asks only Elasticsearch for windows below the watermark', () => {
    expect(planSearch({ from: W - 3 * DAY, to: W - 1 }, new Date(W))).toEqual({
      postgres: null,
      elasticsearch: { from: W - 3 * DAY, to: W - 1 },
      handoff: null,
    });
  });

  it('reads the handoff day from both stores, clipped to the window', () => {
    expect(planSearch({ from: W + 3_600_000, to: W + 7_200_000 }, new Date(W))).toEqual({
      postgres: { from: W + 3_600_000, to: W + 7_200_000 },
      elasticsearch: null,
      handoff: { from: W + 3_600_000, to: W + 7_200_000 },
    });
  });

  it('falls back to the archive alone', () => {
    expect(archiveOnlyPlan({ from: 1, to: 2 })).toEqual({
      postgres: null,
      elasticsearch: { from: 1, to: 2 },
      handoff: null,
    });
  });
});
