/**
 * Splits a search window at the archive watermark. The watermark is an exclusive upper bound:
 * alerts received before it live only in Elasticsearch, alerts at or after it in PostgreSQL (a day
 * already copied to Elasticsearch but not yet dropped is still served by PostgreSQL).
 */
import type { TimeWindow } from './types.js';

const DAY_MS = 86_400_000;

/** Reads the current archive watermark; null when nothing has been archived yet. */
export type WatermarkSource = () => Promise<Date | null>;

/** Which store answers which part of the window; null means the store is not asked. */
export interface SearchPlan {
  postgres: TimeWindow | null;
  elasticsearch: TimeWindow | null;
  /**
   * The day starting at the watermark, also read from Elasticsearch. It is the day the archiver
   * moves next: between detaching its partition and logging the drop (which advances the watermark)
   * its alerts are only in Elasticsearch, and before that they may be in both. Reading both and
   * deduplicating by id keeps every alert visible exactly once through the handoff. Its hits are
   * merged but not counted: the day is counted by PostgreSQL.
   */
  handoff: TimeWindow | null;
}

/** The slices of `window` each store serves under `watermark`. */
export function planSearch(window: TimeWindow, watermark: Date | null): SearchPlan {
  if (watermark === null) return { postgres: window, elasticsearch: null, handoff: null };
  const split = watermark.getTime();
  return {
    postgres: clip(window, split, window.to),
    elasticsearch: clip(window, window.from, split - 1),
    handoff: clip(window, split, split + DAY_MS - 1),
  };
}

/** Plan used when the watermark cannot be read (PostgreSQL down): everything from the archive. */
export function archiveOnlyPlan(window: TimeWindow): SearchPlan {
  return { postgres: null, elasticsearch: window, handoff: null };
}

/** window ∩ [from, to], or null when empty. */
function clip(window: TimeWindow, from: number, to: number): TimeWindow | null {
  const slice = { from: Math.max(window.from, from), to: Math.min(window.to, to) };
  return slice.from <= slice.to ? slice : null;
}
