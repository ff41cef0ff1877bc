import { readFileSync } from 'node:fs';
import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import type { AlertDraft } from '../../../src/alert/alert.js';
import { type KeepPayload, keepAdapter } from '../../../src/providers/keep.js';

const ctx = { now: new Date('2026-02-27T10:00:00.000Z'), providerId: null };
const validator = Compile(keepAdapter.schema);

function fixture(path: string): unknown {
  return JSON.parse(readFileSync(new URL(`../../fixtures/providers/${path}`, import.meta.url), 'utf8'));
}

function normalize(payload: unknown): AlertDraft {
  expect(validator.Check(payload)).toBe(true);
  const result = keepAdapter.normalize(payload as KeepPayload, ctx);
  if (result.kind !== 'alerts' || result.alerts.length !== 1) throw new Error('expected exactly one alert');
  return result.alerts[0] as AlertDraft;
}

describe('keepAdapter metadata', () => {
  it('is the keep type without provider fingerprint fields', () => {
    expect(keepAdapter.type).toBe('keep');
    expect(keepAdapter.fingerprintFields).toEqual([]);
    expect(keepAdapter.docsUrl).toMatch(/^https:\/\/docs\.keephq\.dev\//);
  });
});

describe('keepAdapter.normalize — full AlertDto', () => {
  const draft = normalize(fixture('keep/alert.json'));

  it('keeps every canonical field as sent', () => {
    expect(draft).toEqual({
      id: '0b7e9c6a-6c2e-4f4e-9a7e-1b2c3d4e5f60',
      name: 'Disk usage above 90% on db-01',
      status: 'firing',
      severity: 'critical',
      fingerprint: 'db-01-disk-usage',
      // +01:00 converted to UTC, microseconds cut to milliseconds
      lastReceived: '2026-02-27T08:58:01.123Z',
      description: 'Free up space or grow the volume before writes fail.',
      message: 'Disk /var/lib/postgresql is 93% full',
      source: ['custom-monitor'],
      service: 'postgres',
      environment: 'production',
      url: 'https://monitor.example.com/checks/db-01-disk',
      labels: { host: 'db-01', mount: '/var/lib/postgresql', used_percent: '93', tags: '["db","storage"]' },
      extra: {
        imageUrl: 'https://monitor.example.com/graphs/db-01-disk.png',
        note: 'Known slow growth; see ticket OPS-1234',
      },
    });
  });
});

describe('keepAdapter.normalize — items of the documented array example', () => {
  const items = fixture('keep/docs-array.json') as unknown[];

  it.each([
    [0, { id: '1234', name: 'Alert name', severity: 'high', status: 'firing' }],
    [1, { id: '5678', name: 'Alert name 2', severity: 'low', status: 'resolved' }],
  ])('maps item %i', (index, expected) => {
    expect(normalize(items[index])).toMatchObject({
      ...expected,
      source: ['your-source'],
      fingerprint: null,
      lastReceived: '2026-02-27T10:00:00.000Z',
      labels: {},
      extra: {},
    });
  });
});

describe('keepAdapter.normalize — plain object without name', () => {
  it('is named after its id, with an integer severity and an epoch-seconds lastReceived', () => {
    expect(normalize(fixture('keep/plain-object.json'))).toEqual({
      id: 'backup-job-2026-02-27',
      name: 'backup-job-2026-02-27',
      status: 'firing',
      severity: 'high',
      fingerprint: null,
      lastReceived: '2026-02-27T09:58:01.000Z',
      description: null,
      message: 'Nightly backup exceeded its 2h window',
      source: ['keep'],
      service: null,
      environment: null,
      url: null,
      labels: {},
      extra: {},
    });
  });

  it('falls back to "unknown alert name" without name and id', () => {
    expect(normalize({ message: 'x' })).toMatchObject({ id: null, name: 'unknown alert name' });
  });
});

describe('keepAdapter.normalize — field rules', () => {
  it.each([
    ['firing', 'firing'],
    ['resolved', 'resolved'],
    ['acknowledged', 'acknowledged'],
    ['suppressed', 'suppressed'],
    ['pending', 'pending'],
    ['maintenance', 'maintenance'],
    ['Firing', 'firing'],
    ['open', 'firing'],
    [null, 'firing'],
    [undefined, 'firing'],
  ])('maps status %s to %s', (status, expected) => {
    expect(normalize({ name: 'n', status }).status).toBe(expected);
  });

  it.each([
    ['critical', 'critical'],
    ['high', 'high'],
    ['warning', 'warning'],
    ['info', 'info'],
    ['low', 'low'],
    ['Critical', 'info'],
    ['error', 'info'],
    [5, 'critical'],
    [4, 'high'],
    [3, 'warning'],
    [2, 'info'],
    [1, 'low'],
    [0, 'info'],
    [6, 'info'],
    [undefined, 'info'],
  ])('maps severity %s to %s', (severity, expected) => {
    expect(normalize({ name: 'n', severity }).severity).toBe(expected);
  });

  it('caps a supplied fingerprint at 255 characters', () => {
    expect(normalize({ name: 'n', fingerprint: 'f'.repeat(300) }).fingerprint).toBe('f'.repeat(255));
  });

  it('treats an empty fingerprint, id and url as absent', () => {
    expect(normalize({ name: 'n', fingerprint: '', id: '', url: ' ' })).toMatchObject({
      fingerprint: null,
      id: null,
      url: null,
    });
  });

  it('uses receive time for an unparsable lastReceived', () => {
    expect(normalize({ name: 'n', lastReceived: 'yesterday-ish' }).lastReceived).toBe('2026-02-27T10:00:00.000Z');
  });

  it('replaces an empty source with ["keep"]', () => {
    expect(normalize({ name: 'n', source: [] }).source).toEqual(['keep']);
  });

  it('drops fields Keep computes itself but keeps other extras', () => {
    const draft = normalize({
      name: 'n',
      firingCounter: 7,
      providerId: 'p',
      pushed: true,
      note: 'look',
      dismissed: true,
    });
    expect(draft.extra).toEqual({ note: 'look', dismissed: true });
  });
});

describe('keepAdapter.schema', () => {
  it('rejects a payload of another provider (PagerDuty alert: service is an object)', () => {
    expect(validator.Check(fixture('pagerduty/flat-alert.json'))).toBe(false);
  });

  it('rejects fields of the wrong type', () => {
    expect(validator.Check({ name: 'n', labels: 'host=db-01' })).toBe(false);
    expect(validator.Check({ name: 'n', source: 'grafana' })).toBe(false);
    expect(validator.Check({ name: 'n', description_format: 'text' })).toBe(false);
    expect(validator.Check({ name: 'n', lastReceived: 1772186281 })).toBe(false);
  });

  it('rejects a non-object item', () => {
    expect(validator.Check('disk full')).toBe(false);
    expect(validator.Check([{ name: 'n' }])).toBe(false);
  });

  it('requires no field (Keep accepts any JSON object on this route)', () => {
    expect(validator.Check({})).toBe(true);
  });
});
