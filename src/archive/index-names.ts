/**
 * Names of the archive's daily Elasticsearch indices. Search imports these to read what the
 * archiver wrote, so the naming lives in one place.
 */
import { dayStart } from '../store/partitions.js';

const DAY_MS = 86_400_000;
const DAY_SUFFIX = /^(\d{4})\.(\d{2})\.(\d{2})$/;

/** `2026.01.02` for any instant of that UTC day. */
function daySuffix(day: Date): string {
  return day.toISOString().slice(0, 10).replaceAll('-', '.');
}

/** Index holding the alerts received on `day` (UTC): `${prefix}-YYYY.MM.DD`. */
export function archiveIndexName(prefix: string, day: Date): string {
  return `${prefix}-${daySuffix(day)}`;
}

/** Pattern matching every alert archive index of `prefix` (and not the raw-payload indices). */
export function archiveIndexPattern(prefix: string): string {
  return `${prefix}-*`;
}

/**
 * Index holding the raw payloads of `day`: `${prefix}_raw-YYYY.MM.DD`. The underscore keeps it out
 * of `archiveIndexPattern` (prefixes cannot contain `_`), so alert searches never read payloads.
 */
export function rawArchiveIndexName(prefix: string, day: Date): string {
  return `${prefix}_raw-${daySuffix(day)}`;
}

/** Pattern matching every raw-payload archive index of `prefix`. */
export function rawArchiveIndexPattern(prefix: string): string {
  return `${prefix}_raw-*`;
}

/** UTC day start encoded in an index name made by the functions above, or null for other names. */
export function dayOfIndex(prefix: string, index: string): Date | null {
  for (const head of [`${prefix}-`, `${prefix}_raw-`]) {
    if (!index.startsWith(head)) continue;
    const match = DAY_SUFFIX.exec(index.slice(head.length));
    if (!match) return null;
    const day = new Date(`${match[1]}-${match[2]}-${match[3]}T00:00:00.000Z`);
    return Number.isNaN(day.getTime()) || daySuffix(day) !== index.slice(head.length) ? null : day;
  }
  return null;
}

/** Start of the UTC day after `day`. */
export function nextDay(day: Date): Date {
  return new Date(dayStart(day).getTime() + DAY_MS);
}
