import { describe, expect, it } from 'vitest';
import {
  archiveIndexName,
  archiveIndexPattern,
  dayOfIndex,
  nextDay,
  rawArchiveIndexName,
} from '../../../src/archive/index-names.js';
import { delayToNextRun } from '../../../src/archive/scheduler.js';
import { loadConfig } from '../../../src/config.js';

const day = new Date('2026-01-02T15:04:05.678Z');

describe('archive index names', () => {
  it('names one index per UTC day', () => {
    expect(archiveIndexName('alerts-archive', day)).toBe('alerts-archive-2026.01.02');
    expect(rawArchiveIndexName('alerts-archive', day)).toBe('alerts-archive_raw-2026.01.02');
    expect(archiveIndexPattern('alerts-archive')).toBe('alerts-archive-*');
  });

  it('keeps raw-payload indices out of the alert pattern', () => {
    const pattern = new RegExp(`^${archiveIndexPattern('alerts-archive').replace('*', '.*')}$`);
    expect(pattern.test(archiveIndexName('alerts-archive', day))).toBe(true);
    expect(pattern.test(rawArchiveIndexName('alerts-archive', day))).toBe(false);
  });

  it('reads the day back from an index name and rejects anything else', () => {
    expect(dayOfIndex('a', 'a-2026.01.02')?.toISOString()).toBe('2026-01-02T00:00:00.000Z');
    expect(dayOfIndex('a', 'a_raw-2026.01.02')?.toISOString()).toBe('2026-01-02T00:00:00.000Z');
    expect(dayOfIndex('a', 'a-2026.02.30')).toBeNull();
    expect(dayOfIndex('a', 'a-b-2026.01.02')).toBeNull();
    expect(dayOfIndex('a', 'b-2026.01.02')).toBeNull();
  });

  it('gives the start of the next UTC day', () => {
    expect(nextDay(day).toISOString()).toBe('2026-01-03T00:00:00.000Z');
  });
});

describe('archive schedule and config', () => {
  it('runs at the next wall-clock multiple of the interval', () => {
    const hour = 3_600_000;
    expect(delayToNextRun(hour, Date.parse('2026-01-02T10:15:00Z'))).toBe(45 * 60_000);
    expect(delayToNextRun(hour, Date.parse('2026-01-02T10:00:00Z'))).toBe(hour);
  });

  it('defaults to the documented archive settings', () => {
    expect(loadConfig({})).toMatchObject({
      ARCHIVE_AFTER_DAYS: 7,
      ARCHIVE_DELETE_AFTER_DAYS: 365,
      ARCHIVE_INDEX_PREFIX: 'alerts-archive',
      ARCHIVE_RAW: 'drop',
      ARCHIVE_INTERVAL_MINUTES: 60,
    });
  });

  it('refuses a delete age not above the archive age, and invalid prefixes', () => {
    expect(() => loadConfig({ ARCHIVE_AFTER_DAYS: '30', ARCHIVE_DELETE_AFTER_DAYS: '30' })).toThrow(
      /ARCHIVE_DELETE_AFTER_DAYS must be above ARCHIVE_AFTER_DAYS/,
    );
    expect(() => loadConfig({ ARCHIVE_INDEX_PREFIX: 'Alerts_Archive' })).toThrow(/ARCHIVE_INDEX_PREFIX/);
    expect(() => loadConfig({ ARCHIVE_INDEX_REPLICAS: 'many' })).toThrow(/ARCHIVE_INDEX_REPLICAS/);
  });
});
