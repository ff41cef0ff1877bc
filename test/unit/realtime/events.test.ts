import { describe, expect, it } from 'vitest';
import type { Alert } from '../../../src/alert/alert.js';
import { alertEventJson, eventJson } from '../../../src/realtime/events.js';

const alert: Alert = {
  id: '0190f0a0-0000-7000-8000-000000000001',
  eventId: null,
  name: 'Disk "full" on db-1',
  status: 'firing',
  severity: 'critical',
  fingerprint: 'fp-1',
  lastReceived: '2026-12-08T00:00:00.000Z',
  description: 'line one\nline two\t… ünïcode \u2028',
  message: null,
  source: ['prometheus'],
  service: null,
  environment: 'production',
  url: null,
  labels: { team: 'db' },
  extra: { value: 0.5, nested: { ok: true } },
  tenant: 'acme',
  providerType: 'prometheus',
  providerId: null,
  receivedAt: '2026-12-08T00:00:01.000Z',
};

describe('alertEventJson', () => {
  it('writes the same text as serializing the whole alert event', () => {
    for (const change of ['new', 'changed'] as const) {
      const spliced = alertEventJson(change, JSON.stringify(alert));
      expect(spliced).toBe(eventJson({ type: 'alert', change, alert }));
      expect(JSON.parse(spliced)).toEqual({ type: 'alert', change, alert });
    }
  });
});
