import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import type { AlertDraft } from '../../../src/alert/alert.js';
import { type SignalfxPayload, signalfxAdapter } from '../../../src/providers/signalfx.js';

const now = new Date('2024-06-01T12:00:00.000Z');
const ctx = { now, providerId: null };
const check = Compile(signalfxAdapter.schema);

function fixture(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../../fixtures/providers/${path}`, import.meta.url), 'utf8'));
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function single(payload: Record<string, unknown>): AlertDraft {
  expect(check.Check(payload)).toBe(true);
  const result = signalfxAdapter.normalize(payload as SignalfxPayload, ctx);
  if (result.kind !== 'alerts') throw new Error(`expected alerts, got ${result.kind}`);
  expect(result.alerts).toHaveLength(1);
  return result.alerts[0] as AlertDraft;
}

function critical(patch: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...fixture('signalfx/anomalous-critical.json'), ...patch };
}

describe('signalfx adapter', () => {
  it('declares its contract', () => {
    expect(signalfxAdapter.type).toBe('signalfx');
    expect(signalfxAdapter.fingerprintFields).toEqual(['detectorId', 'incidentId']);
    expect(signalfxAdapter.docsUrl).toMatch(/^https:\/\/docs\.splunk\.com\/observability\//);
  });

  it('maps an anomalous Critical detector notification', () => {
    const payload = critical();
    const alert = single(payload);
    expect(alert).toEqual({
      id: 'FXYZ67890',
      name: 'Critical Alert: CPU utilization above 90% (Checkout hosts CPU)',
      status: 'firing',
      severity: 'critical',
      // incidentId moved to `id` before Keep hashes, so only the detector id is hashed.
      fingerprint: sha256('GHJKL12345'),
      lastReceived: '2024-05-14T10:25:00.000Z',
      description: 'The value of cpu.utilization is above 90 for 5m.',
      message: payload.messageBody,
      source: ['signalfx'],
      service: null,
      environment: null,
      url: 'https://app.us1.signalfx.com/#/detector/v2/GHJKL12345/edit?incidentId%3DFXYZ67890%26is%3Danomalous',
      labels: {},
      extra: {
        originatingMetric: 'cpu.utilization',
        detectOnCondition: "when(A > threshold(90), '5m')",
        detectOffCondition: "when(A < threshold(85), '5m')",
        src: 'Checkout hosts CPU',
        inputs: [
          {
            id: 'A',
            value: '96.4',
            fragment: "data('cpu.utilization', filter=filter('service', 'checkout')).mean(by=['host'])",
            key: { sf_metric: 'cpu.utilization', host: 'checkout-7f9c' },
          },
          { id: '_S2', value: '90', fragment: 'threshold(90)' },
        ],
        rule: 'CPU utilization above 90%',
        sf_schema: 2,
        eventType: 'GHJKL12345_CPU utilization above 90%',
        runbookUrl: 'https://runbooks.example.com/checkout/cpu',
        triggeredWhileMuted: false,
        detectorId: 'GHJKL12345',
        tip: 'Scale out the checkout pool',
        imageUrl: 'https://app.us1.signalfx.com/snapshot/image/ABCDE12345',
        detector: 'Checkout hosts CPU',
      },
    });
  });

  it('maps a manually resolved Major notification and quotes the space in its URL query', () => {
    const alert = single(fixture('signalfx/manually-resolved.json'));
    expect(alert.status).toBe('resolved');
    expect(alert.severity).toBe('high');
    expect(alert.id).toBe('FABC11111');
    expect(alert.fingerprint).toBe(sha256('QWERT54321'));
    expect(alert.lastReceived).toBe('2024-05-14T11:02:17.482Z');
    expect(alert.url).toBe(
      'https://app.us1.signalfx.com/#/detector/v2/QWERT54321/edit?incidentId%3DFABC11111%26is%3Dmanually%20resolved',
    );
    expect(alert.description).toBeNull();
    expect(alert.extra.inputs).toEqual([]);
    expect(alert.extra).not.toHaveProperty('status');
    expect(alert.extra).not.toHaveProperty('statusExtended');
  });

  it.each([
    ['Critical', 'critical'],
    ['Major', 'high'],
    ['Warning', 'warning'],
    ['Info', 'info'],
    ['Minor', 'low'],
    ['critical', 'info'],
    ['Unknown', 'info'],
  ])('maps severity %s to %s', (severity, expected) => {
    expect(single(critical({ severity })).severity).toBe(expected);
  });

  it.each([
    ['ok', 'resolved'],
    ['anomalous', 'firing'],
    ['manually resolved', 'resolved'],
    ['stopped', 'resolved'],
    ['OK', 'firing'],
    ['something new', 'firing'],
  ])('maps statusExtended %s to %s', (statusExtended, expected) => {
    expect(single(critical({ statusExtended, status: 'anomalous' })).status).toBe(expected);
  });

  it('falls back to receive time and keeps an unparsable timestamp', () => {
    const { timestamp: _, ...withoutTime } = critical();
    expect(single(withoutTime).lastReceived).toBe(now.toISOString());
    const garbled = single(critical({ timestamp: 'yesterday-ish' }));
    expect(garbled.lastReceived).toBe(now.toISOString());
    expect(garbled.extra.timestamp).toBe('yesterday-ish');
  });

  it('hashes the empty string when the detector id is missing, as Keep does', () => {
    const { detectorId: _, ...payload } = critical();
    expect(single(payload).fingerprint).toBe(sha256(''));
  });

  it('percent-encodes the query like Python quote and leaves query-less URLs alone', () => {
    const url = "https://app.eu0.signalfx.com/#/detector/X/edit?incidentId=Y&note=a/b!*'()~";
    expect(single(critical({ detectorUrl: url })).url).toBe(
      'https://app.eu0.signalfx.com/#/detector/X/edit?incidentId%3DY%26note%3Da/b%21%2A%27%28%29~',
    );
    const plain = 'https://app.eu0.signalfx.com/#/detector/X/edit';
    expect(single(critical({ detectorUrl: plain })).url).toBe(plain);
  });

  it('keeps non-object inputs, giving them their key as id', () => {
    expect(single(critical({ inputs: { A: 5 } })).extra.inputs).toEqual([{ value: 5, id: 'A' }]);
  });

  it('rejects another provider payload and a payload missing a required field', () => {
    const coralogix = fixture('coralogix/trigger.json');
    expect(check.Check(coralogix)).toBe(false);
    for (const key of ['severity', 'statusExtended', 'detectorUrl', 'incidentId']) {
      const { [key]: _, ...missing } = critical();
      expect(check.Check(missing)).toBe(false);
    }
    expect(check.Check(critical({ incidentId: 42 }))).toBe(false);
  });
});
