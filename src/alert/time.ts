/** Timestamp normalization to Keep's lastReceived form: UTC, millisecond precision, trailing Z. */

const EPOCH_SECONDS = /^\d{1,11}(\.\d+)?Z?$/;

export function toIsoMillis(date: Date): string {
  return date.toISOString();
}

/**
 * Parses an ISO-8601 string or a UNIX epoch-seconds string into the canonical form.
 * Returns null when the value is neither, so callers decide the fallback.
 */
export function parseTimestamp(value: unknown): string | null {
  if (typeof value !== 'string' || value.trim() === '') return null;
  const text = value.trim();
  if (EPOCH_SECONDS.test(text)) return fromEpochSeconds(Number(text.replace(/Z$/, '')));
  const parsed = new Date(text);
  return Number.isNaN(parsed.getTime()) ? null : parsed.toISOString();
}

export function fromEpochSeconds(seconds: unknown): string | null {
  const n = typeof seconds === 'string' ? Number(seconds) : seconds;
  if (typeof n !== 'number' || !Number.isFinite(n)) return null;
  const date = new Date(n * 1000);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

export function fromEpochMillis(millis: unknown): string | null {
  const n = typeof millis === 'string' ? Number(millis) : millis;
  if (typeof n !== 'number' || !Number.isFinite(n)) return null;
  const date = new Date(n);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}
