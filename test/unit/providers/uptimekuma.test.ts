import { readFileSync } from 'node:fs';
import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import type { AlertDraft } from '../../../src/alert/alert.js';
import type { NormalizeResult } from '../../../src/providers/adapter.js';
import { type UptimekumaPayload, uptimekumaAdapter } from '../../../src/providers/uptimekuma.js';

const now = new Date('2024-06-01T12:00:00.000Z');
const ctx = { now, providerId: null };
const check = Compile(uptimekumaAdapter.schema);

function fixture(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../../fixtures/providers/${path}`, import.meta.url), 'utf8'));
}

function normalize(payload: Record<string, unknown>): NormalizeResult {
  expect(check.Check(payload)).toBe(true);
  return uptimekumaAdapter.normalize(payload as UptimekumaPayload, ctx);
}

function single(payload: Record<string, unknown>): AlertDraft {
  const result = normalize(payload);
  if (result.kind !== 'alerts') throw new Error(`expected alerts, got ${result.kind}`);
  expect(result.alerts).toHaveLength(1);
  return result.alerts[0] as AlertDraft;
}

/** The down fixture with heartbeat fields patched. */
function withBeat(patch: Record<string, unknown>): Record<string, unknown> {
  const payload = fixture('uptimekuma/down.json');
  return { ...payload, heartbeat: { ...(payload.heartbeat as Record<string, unknown>), ...patch } };
}

describe('uptimekuma adapter', () => {
  it('declares its contract', () => {
    expect(uptimekumaAdapter.type).toBe('uptimekuma');
    expect(uptimekumaAdapter.fingerprintFields).toEqual([]);
    expect(uptimekumaAdapter.docsUrl).toMatch(/^https:\/\/github\.com\/louislam\/uptime-kuma\//);
  });

  it('maps a monitor going down', () => {
    const payload = fixture('uptimekuma/down.json');
    const alert = single(payload);
    expect(alert).toEqual({
      id: '29',
      name: 'Shop frontend',
      status: 'firing',
      severity: 'info',
      fingerprint: null,
      // 16:51:35 at -07:00.
      lastReceived: '2024-09-24T23:51:35.000Z',
      description: '[Shop frontend] [🔴 Down] getaddrinfo ENOTFOUND shop.example.com',
      message: null,
      source: ['uptimekuma'],
      service: null,
      environment: null,
      url: null,
      labels: {},
      extra: {
        monitor_url: 'https://shop.example.com/health',
        msg: '[Shop frontend] [🔴 Down] getaddrinfo ENOTFOUND shop.example.com',
        heartbeat: payload.heartbeat,
        monitor: payload.monitor,
      },
    });
  });

  it('maps a monitor coming back up, applying a positive offset', () => {
    const alert = single(fixture('uptimekuma/up.json'));
    expect(alert.status).toBe('resolved');
    expect(alert.lastReceived).toBe('2024-09-25T00:03:12.000Z');
    expect(alert.name).toBe('Shop frontend');
  });

  it.each([
    [0, 'firing'],
    [1, 'resolved'],
    ['0', 'firing'],
    ['1', 'resolved'],
    ['down', 'firing'],
    ['unavailable', 'firing'],
    ['firing', 'firing'],
    ['up', 'resolved'],
    ['available', 'resolved'],
    ['resolved', 'resolved'],
    [2, 'firing'],
    [3, 'firing'],
    ['UP', 'firing'],
  ])('maps heartbeat status %j to %s', (status, expected) => {
    expect(single(withBeat({ status })).status).toBe(expected);
  });

  it('applies a numeric offset in minutes east of UTC', () => {
    expect(single(withBeat({ timezoneOffset: 330 })).lastReceived).toBe('2024-09-24T11:21:35.000Z');
    expect(single(withBeat({ timezoneOffset: -420 })).lastReceived).toBe('2024-09-24T23:51:35.000Z');
  });

  it('reads a local time without offset as UTC and falls back to receive time without one', () => {
    const { timezoneOffset: _, ...beat } = (fixture('uptimekuma/down.json').heartbeat ?? {}) as Record<string, unknown>;
    expect(single({ ...fixture('uptimekuma/down.json'), heartbeat: beat }).lastReceived).toBe(
      '2024-09-24T16:51:35.000Z',
    );
    expect(single(withBeat({ localDateTime: 'garbage' })).lastReceived).toBe(now.toISOString());
  });

  it('uses the heartbeat message when msg is empty and "unknown" for a nameless monitor', () => {
    const payload = fixture('uptimekuma/down.json');
    const monitor = { ...(payload.monitor as Record<string, unknown>), name: null };
    const alert = single({ ...payload, msg: '', monitor });
    expect(alert.description).toBe('getaddrinfo ENOTFOUND shop.example.com');
    expect(alert.name).toBe('unknown');
  });

  it('maps a certificate-expiry notification (monitor, no heartbeat) as firing at receive time', () => {
    const payload = {
      ...fixture('uptimekuma/down.json'),
      heartbeat: null,
      msg: '[Shop frontend][cert] expires in 7 days',
    };
    const alert = single(payload);
    expect(alert.status).toBe('firing');
    expect(alert.lastReceived).toBe(now.toISOString());
    expect(alert.description).toBe('[Shop frontend][cert] expires in 7 days');
    expect(alert.extra.heartbeat).toBeNull();
  });

  it('skips the test notification', () => {
    expect(normalize(fixture('uptimekuma/test-notification.json'))).toEqual({
      kind: 'skip',
      reason: 'Uptime Kuma test notification (no monitor)',
    });
  });

  it('rejects another provider payload and a payload missing a required field', () => {
    expect(check.Check(fixture('netdata/alert-critical.json'))).toBe(false);
    for (const key of ['heartbeat', 'monitor', 'msg']) {
      const { [key]: _, ...missing } = fixture('uptimekuma/down.json');
      expect(check.Check(missing)).toBe(false);
    }
    const { status: _, ...beat } = fixture('uptimekuma/down.json').heartbeat as Record<string, unknown>;
    expect(check.Check({ ...fixture('uptimekuma/down.json'), heartbeat: beat })).toBe(false);
  });
});
