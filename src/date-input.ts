/**
 * The one parser of dates taken from requests (search and history windows, silences, the publish
 * and archive logs). Dates are bounded to what every store keeps: PostgreSQL has no year 0 (it
 * refuses `0000-…` and any instant before 0001-01-01 UTC) and prints years past 9999 in a form the
 * archive's daily index names cannot hold, so a date outside that range is the client's error (400),
 * never a failed query.
 */

export const EARLIEST_INSTANT = Date.parse('0001-01-01T00:00:00.000Z');
export const LATEST_INSTANT = Date.parse('9999-12-31T23:59:59.999Z');
const RANGE = '0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z (UTC)';

/** A date a request cannot use; the message says what is expected, without the parameter's name. */
export class DateInputError extends Error {
  override name = 'DateInputError';
}

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(?:Z|[+-](\d{2}):(\d{2}))$/;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * ISO-8601 date-time with an explicit offset (`Z` or `±hh:mm`), at most millisecond precision
 * (the precision alerts are stored with), calendar-checked (2026-02-30 is refused), within the
 * stores' range; returns epoch milliseconds.
 */
export function parseInstant(text: string): number {
  const match = INSTANT.exec(text);
  const [year, month, day, hour, minute, second, , offsetHours, offsetMinutes] = (match?.slice(1) ?? []).map((part) =>
    Number(part ?? 0),
  );
  const time = Date.parse(text);
  if (
    !match ||
    !isCalendarDay(year ?? 0, month ?? 0, day ?? 0) ||
    (hour ?? 0) > 23 ||
    (minute ?? 0) > 59 ||
    (second ?? 0) > 59 ||
    (offsetHours ?? 0) > 23 ||
    (offsetMinutes ?? 0) > 59 ||
    Number.isNaN(time)
  )
    throw new DateInputError(`"${text}" is not an ISO-8601 date-time with offset, e.g. 2026-01-02T03:04:05Z`);
  if (time < EARLIEST_INSTANT || time > LATEST_INSTANT)
    throw new DateInputError(`"${text}" is outside the storable range ${RANGE}`);
  return time;
}

/** A calendar day `YYYY-MM-DD` (UTC) within the stores' range, returned as given. */
export function parseDay(text: string): string {
  const match = DAY.exec(text);
  const [year, month, day] = (match?.slice(1) ?? []).map(Number);
  if (!match || !isCalendarDay(year ?? 0, month ?? 0, day ?? 0))
    throw new DateInputError(`"${text}" is not a calendar day YYYY-MM-DD, e.g. 2026-01-02`);
  if (year === 0) throw new DateInputError(`"${text}" is outside the storable range ${RANGE}`);
  return text;
}

function isCalendarDay(year: number, month: number, day: number): boolean {
  const calendar = new Date(0);
  calendar.setUTCFullYear(year, month - 1, day);
  return calendar.getUTCFullYear() === year && calendar.getUTCMonth() === month - 1 && calendar.getUTCDate() === day;
}
