/**
 * Delay before the retry after `step` earlier ones (0, 1, 2, …): `baseMs` doubled each step, at
 * most `maxMs`. The batch loop, the outbox and the supervisor's restarts all back off this way.
 */
export function exponentialDelayMs(step: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(0, step), 30));
}
