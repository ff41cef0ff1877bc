import { readFileSync } from 'node:fs';
import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import type { AlertDraft } from '../../../src/alert/alert.js';
import type { NormalizeResult } from '../../../src/providers/adapter.js';
import { type PagerdutyPayload, pagerdutyAdapter } from '../../../src/providers/pagerduty.js';

const ctx = { now: new Date('2026-02-27T10:00:00.000Z'), providerId: null };
const validator = Compile(pagerdutyAdapter.schema);

function fixture(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../../fixtures/providers/${path}`, import.meta.url), 'utf8'));
}

function run(payload: unknown): NormalizeResult {
  expect(validator.Check(payload)).toBe(true);
  return pagerdutyAdapter.normalize(payload as PagerdutyPayload, ctx);
}

function normalize(payload: unknown): AlertDraft {
  const result = run(payload);
  if (result.kind !== 'alerts' || result.alerts.length !== 1) throw new Error('expected exactly one alert');
  return result.alerts[0] as AlertDraft;
}

function incident(data: Record<string, unknown>): AlertDraft {
  return normalize({ event: { event_type: 'incident.triggered', data: { title: 'Disk full', ...data } } });
}

function flat(alert: Record<string, unknown>): AlertDraft {
  return normalize({ id: 'PA1', summary: 'Disk full', ...alert });
}

describe('pagerdutyAdapter metadata', () => {
  it('is the pagerduty type fingerprinting on alert_key', () => {
    expect(pagerdutyAdapter.type).toBe('pagerduty');
    expect(pagerdutyAdapter.fingerprintFields).toEqual(['alert_key']);
    expect(pagerdutyAdapter.docsUrl).toMatch(/^https:\/\/developer\.pagerduty\.com\//);
  });
});

describe('pagerdutyAdapter.normalize — webhook v3 incident (PagerDuty docs example)', () => {
  const draft = normalize(fixture('pagerduty/v3-incident-priority-updated.json'));

  it('maps the incident like Keep does', () => {
    expect(draft).toMatchObject({
      id: 'PGR0VU2',
      name: 'A little bump in the road',
      status: 'firing',
      // urgency wins over the P1 priority
      severity: 'high',
      fingerprint: null,
      lastReceived: '2020-04-09T15:16:27.000Z',
      description: null,
      message: null,
      source: ['pagerduty'],
      service: 'API Service',
      environment: 'unknown',
      url: 'https://api.pagerduty.com/incidents/PGR0VU2',
    });
  });

  it('builds Keep labels; a conference bridge object without summary yields no label', () => {
    expect(draft.labels).toEqual({ urgency: 'high', acknowledgers: '[]', impacted_services: 'API Service' });
  });

  it('keeps the remaining incident data and the event envelope in extra', () => {
    expect(Object.keys(draft.extra).sort()).toEqual(
      [
        'type',
        'html_url',
        'number',
        'incident_key',
        'assignees',
        'escalation_policy',
        'teams',
        'priority',
        'urgency',
        'conference_bridge',
        'resolve_reason',
        'event',
      ].sort(),
    );
    expect(draft.extra).toMatchObject({
      html_url: 'https://acme.pagerduty.com/incidents/PGR0VU2',
      incident_key: 'd3640fbd41094207a1c11e58e46b1662',
      number: 2,
      resolve_reason: null,
      conference_bridge: { conference_number: '+1 1234123412,,987654321#', conference_url: 'https://example.com' },
    });
    expect(draft.extra.event).toEqual({
      id: '5ac64822-4adc-4fda-ade0-410becf0de4f',
      event_type: 'incident.priority_updated',
      resource_type: 'incident',
      occurred_at: '2020-10-02T18:45:22.169Z',
      agent: {
        html_url: 'https://acme.pagerduty.com/users/PLH1HKV',
        id: 'PLH1HKV',
        self: 'https://api.pagerduty.com/users/PLH1HKV',
        summary: 'Tenex Engineer',
        type: 'user_reference',
      },
      client: { name: 'PagerDuty' },
    });
  });
});

describe('pagerdutyAdapter.normalize — acknowledged incident with custom fields', () => {
  const draft = normalize(fixture('pagerduty/v3-incident-acknowledged.json'));

  it('falls back to firing for acknowledged, info for low urgency, environment from the custom field', () => {
    expect(draft).toMatchObject({
      id: 'Q3E4RQGYTXP9ZA',
      status: 'firing',
      severity: 'info',
      environment: 'production',
      service: 'Checkout',
      lastReceived: '2026-02-27T09:31:02.000Z',
    });
    expect(draft.labels).toEqual({
      urgency: 'low',
      acknowledgers: '["Dana Oncall"]',
      last_updated_by: 'Dana Oncall',
      impacted_services: 'Checkout',
    });
    expect(draft.extra.custom_fields).toEqual([expect.objectContaining({ name: 'environment', value: 'production' })]);
  });
});

describe('pagerdutyAdapter.normalize — v3 field rules', () => {
  it.each([
    ['triggered', 'firing'],
    ['resolved', 'resolved'],
    ['acknowledged', 'firing'],
    [undefined, 'firing'],
  ])('maps incident status %s to %s', (status, expected) => {
    expect(incident(status === undefined ? {} : { status }).status).toBe(expected);
  });

  it.each([
    ['high', undefined, 'high'],
    ['low', 'P1', 'info'],
    [undefined, 'P1', 'critical'],
    [undefined, 'P2', 'high'],
    [undefined, 'P3', 'warning'],
    [undefined, 'P4', 'info'],
    [undefined, 'P5', 'info'],
    [undefined, undefined, 'info'],
    ['medium', 'P2', 'high'],
  ])('maps urgency %s / priority %s to %s', (urgency, priority, expected) => {
    const data: Record<string, unknown> = {};
    if (urgency !== undefined) data.urgency = urgency;
    if (priority !== undefined) data.priority = { summary: priority, type: 'priority_reference' };
    expect(incident(data).severity).toBe(expected);
  });

  it('links html_url when the incident has no self link, and defaults service and lastReceived', () => {
    expect(incident({ html_url: 'https://acme.pagerduty.com/incidents/X' })).toMatchObject({
      url: 'https://acme.pagerduty.com/incidents/X',
      service: 'unknown',
      lastReceived: '2026-02-27T10:00:00.000Z',
    });
  });

  it('uses a string conference bridge as the label value', () => {
    expect(incident({ conference_bridge: 'https://meet.example.com/war-room' }).labels.conference_bridge).toBe(
      'https://meet.example.com/war-room',
    );
  });
});

describe('pagerdutyAdapter.normalize — non-incident v3 events', () => {
  it.each([
    ['v3-service-updated.json', 'service.updated', 'service'],
    ['v3-incident-annotated.json', 'incident.annotated', 'incident_note'],
  ])('skips %s', (file, eventType, dataType) => {
    const result = run(fixture(`pagerduty/${file}`));
    expect(result.kind).toBe('skip');
    if (result.kind === 'skip') {
      expect(result.reason).toContain(eventType);
      expect(result.reason).toContain(dataType);
    }
  });
});

describe('pagerdutyAdapter.normalize — flat alert object', () => {
  const draft = normalize(fixture('pagerduty/flat-alert.json'));

  it('maps the alert like Keep does', () => {
    expect(draft).toEqual({
      id: 'PXPGF42',
      name: 'The server is on fire.',
      status: 'resolved',
      severity: 'critical',
      fingerprint: 'baf7cf21b1da41b4b0221008339ff357',
      lastReceived: '2015-10-06T21:30:42.000Z',
      description: null,
      message: null,
      source: ['pagerduty', 'mail-01.example.com'],
      service: 'My Mail Service',
      environment: null,
      url: 'https://subdomain.pagerduty.com/alerts/PXPGF42',
      labels: {},
      extra: { original_alert: fixture('pagerduty/flat-alert.json') },
    });
  });

  it('fingerprints on the id when there is no alert_key', () => {
    expect(flat({}).fingerprint).toBe('PA1');
    expect(flat({ alert_key: 'dedup-1' }).fingerprint).toBe('dedup-1');
  });

  it.each([
    ['triggered', 'firing'],
    ['resolved', 'resolved'],
    ['acknowledged', 'firing'],
  ])('maps alert status %s to %s', (status, expected) => {
    expect(flat({ status }).status).toBe(expected);
  });

  it.each([
    ['critical', 'critical'],
    ['error', 'high'],
    ['warning', 'warning'],
    ['info', 'info'],
    ['high', 'info'],
    [undefined, 'info'],
  ])('maps alert severity %s to %s', (severity, expected) => {
    expect(flat(severity === undefined ? {} : { severity }).severity).toBe(expected);
  });
});

describe('pagerdutyAdapter.schema', () => {
  it('rejects a payload of another provider (Datadog)', () => {
    expect(validator.Check(fixture('datadog/triggered.json'))).toBe(false);
  });

  it('rejects an incident event without a title', () => {
    const payload = fixture('pagerduty/v3-incident-priority-updated.json') as {
      event: { data: Record<string, unknown> };
    };
    const { title: _title, ...data } = payload.event.data;
    expect(validator.Check({ event: { ...payload.event, data } })).toBe(false);
  });

  it('rejects a flat alert without summary', () => {
    const { summary: _summary, ...rest } = fixture('pagerduty/flat-alert.json');
    expect(validator.Check(rest)).toBe(false);
  });

  it('rejects an event envelope without data', () => {
    expect(validator.Check({ event: { event_type: 'incident.triggered' } })).toBe(false);
  });
});
