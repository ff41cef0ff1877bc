/** How a result's headline figure compares with the baseline's: which way is better, and by how much is too much. */

export type Figure = number | boolean | null;

/** Which way is better for a summary key; unknown keys are informational. */
export function direction(key: string): 'higher' | 'lower' | 'true' | null {
  if (/verified|sustains600GbDay/.test(key)) return 'true';
  if (/PerSecond$|mbPerSecond|Factor$|ShareOfBare$/.test(key) && !/rssSlope/.test(key)) return 'higher';
  if (/Ms$|Seconds$|Mb$|Percent$|QueueDepth$|MbPerMinute$/.test(key)) return 'lower';
  return null;
}

/** Latencies and small numbers get an absolute allowance too, so noise at the bottom of the scale is not a regression. */
const ABSOLUTE_SLACK: Record<string, number> = {
  Ms: 5,
  Seconds: 0.5,
  Mb: 20,
  Percent: 10,
  MbPerMinute: 1,
  QueueDepth: 1000,
};

function slackFor(key: string): number {
  const suffix = Object.keys(ABSOLUTE_SLACK).find((end) => key.endsWith(end));
  return suffix ? (ABSOLUTE_SLACK[suffix] as number) : 0;
}

export function compareFigure(key: string, base: Figure, now: Figure, tolerance: number): 'ok' | 'regressed' | 'info' {
  const way = direction(key);
  if (way === null || base === null || now === null) return 'info';
  if (way === 'true') return base === true && now !== true ? 'regressed' : 'ok';
  if (typeof base !== 'number' || typeof now !== 'number') return 'info';
  if (way === 'higher') return now < base * (1 - tolerance) - slackFor(key) ? 'regressed' : 'ok';
  return now > base * (1 + tolerance) + slackFor(key) ? 'regressed' : 'ok';
}
