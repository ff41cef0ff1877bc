import { describe, expect, it } from 'vitest';
import { nextFailureCount, RESTART_STABLE_AFTER_MS, restartDelayMs } from '../../../src/supervisor/restart-backoff.js';

describe('restart backoff', () => {
  it('doubles the delay with every exit in a row, up to 30 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 20].map(restartDelayMs)).toEqual([
      1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000,
    ]);
  });

  it('counts exits in a row until a child stays up long enough', () => {
    let failures = 0;
    for (let exit = 0; exit < 3; exit++) failures = nextFailureCount(failures, 500);
    expect(failures).toBe(3);
    expect(nextFailureCount(failures, RESTART_STABLE_AFTER_MS)).toBe(1);
  });
});
