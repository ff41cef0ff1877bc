import { describe, expect, it } from 'vitest';
import { DateInputError, EARLIEST_INSTANT, LATEST_INSTANT, parseDay, parseInstant } from '../../src/date-input.js';

describe('parseInstant', () => {
  it('accepts ISO-8601 with an offset, to the millisecond', () => {
    expect(parseInstant('2026-01-02T03:04:05.678Z')).toBe(Date.UTC(2026, 0, 2, 3, 4, 5, 678));
    expect(parseInstant('2026-01-02T03:04+02:00')).toBe(Date.UTC(2026, 0, 2, 1, 4));
    expect(parseInstant('2024-02-29T00:00:00Z')).toBe(Date.UTC(2024, 1, 29));
  });

  it.each([
    '2026-01-02',
    '2026-01-02T03:04:05',
    '2026-02-30T00:00:00Z',
    '2026-01-02T24:00:00Z',
    '2026-01-02T03:04:05.1234Z',
    '2026-01-02T03:04:05+24:00',
    'tomorrow',
  ])('refuses %s as malformed', (text) => {
    expect(() => parseInstant(text)).toThrow(DateInputError);
    expect(() => parseInstant(text)).toThrow(/not an ISO-8601 date-time/);
  });

  it('accepts the first and last instant PostgreSQL and the archive both store', () => {
    expect(parseInstant('0001-01-01T00:00:00Z')).toBe(EARLIEST_INSTANT);
    expect(parseInstant('9999-12-31T23:59:59.999Z')).toBe(LATEST_INSTANT);
    expect(parseInstant('0001-01-01T00:59:00+00:59')).toBe(EARLIEST_INSTANT);
  });

  // Each of these passed validation before and made PostgreSQL fail with SQLSTATE 22008.
  it.each([
    '0000-01-01T00:00:00Z',
    '0001-01-01T00:00:00+01:00',
    '0000-12-31T23:59:59.999Z',
    '9999-12-31T23:59:59-00:01',
    '9999-12-31T23:59:59.999-23:59',
  ])('refuses %s as outside the storable range, naming it', (text) => {
    expect(() => parseInstant(text)).toThrow(/outside the storable range 0001-01-01T00:00:00Z to 9999-12-31/);
  });
});

describe('parseDay', () => {
  it('accepts calendar days from 0001-01-01 to 9999-12-31', () => {
    expect(parseDay('2026-01-02')).toBe('2026-01-02');
    expect(parseDay('0001-01-01')).toBe('0001-01-01');
    expect(parseDay('9999-12-31')).toBe('9999-12-31');
  });

  it.each(['2026-02-30', '2026-13-01', '2026-1-2', '2026-01-02T00:00:00Z'])('refuses %s as malformed', (text) => {
    expect(() => parseDay(text)).toThrow(/not a calendar day/);
  });

  it('refuses year 0', () => {
    expect(() => parseDay('0000-01-01')).toThrow(/outside the storable range/);
  });
});
