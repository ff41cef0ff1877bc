import { exponentialDelayMs } from '../backoff.js';

/** First restart delay after an unasked exit; doubles with every further exit in a row. */
export const RESTART_BASE_DELAY_MS = 1000;
/** Longest wait between restarts of a child that keeps exiting. */
export const RESTART_MAX_DELAY_MS = 30_000;
/** A child that ran this long before exiting starts its restart count afresh. */
export const RESTART_STABLE_AFTER_MS = 60_000;

/**
 * How long to wait before restarting a child for the `failures`-th time in a row (1, 2, …):
 * 1 s, 2 s, 4 s … up to 30 s, so a crash-looping child is retried ever more slowly instead of spinning.
 */
export function restartDelayMs(failures: number): number {
  return exponentialDelayMs(failures - 1, RESTART_BASE_DELAY_MS, RESTART_MAX_DELAY_MS);
}

/** The count of exits in a row after one more exit of a child that ran `ranMs`. */
export function nextFailureCount(previous: number, ranMs: number): number {
  return ranMs >= RESTART_STABLE_AFTER_MS ? 1 : previous + 1;
}
