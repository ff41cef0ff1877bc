import { readFileSync } from 'node:fs';
import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import type { AlertDraft } from '../../../src/alert/alert.js';
import { type NewrelicPayload, newrelicAdapter } from '../../../src/providers/newrelic.js';

const now = new Date('2024-06-01T12:00:00.000Z');
const ctx = { now, providerId: null };
const check = Compile(newrelicAdapter.schema);

function fixture(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../../fixtures/providers/${path}`, import.meta.url), 'utf8'));
}

function single(payload: Record<string, unknown>): AlertDraft {
  expect(check.Check(payload)).toBe(true);
  const result = newrelicAdapter.normalize(payload as NewrelicPayload, ctx);
  if (result.kind !== 'alerts') throw new Error(`expected alerts, got ${result.kind}`);
  expect(result.alerts).toHaveLength(1);
  return result.alerts[0] as AlertDraft;
}

/** The activated issue (Keep template) with `patch` applied (undefined removes a key). */
function issue(patch: Record<string, unknown> = {}): Record<string, unknown> {
  const payload = { ...fixture('newrelic/issue-activated.json'), ...patch };
  for (const [key, value] of Object.entries(patch)) if (value === undefined) delete payload[key];
  return payload;
}

describe('newrelic adapter', () => {
  it('declares its contract', () => {
    expect(newrelicAdapter.type).toBe('newrelic');
    expect(newrelicAdapter.fingerprintFields).toEqual([]);
    expect(newrelicAdapter.docsUrl).toMatch(/^https:\/\/docs\.newrelic\.com\//);
  });

  it('maps an activated issue sent with the Keep payload template', () => {
    expect(single(fixture('newrelic/issue-activated.json'))).toEqual({
      id: '8c3b4f2e-1d6a-4b7c-9e0f-2a3b4c5d6e7f',
      name: 'Memory Used % > 90 for at least 5 minutes on checkout-web-7',
      status: 'firing',
      severity: 'critical',
      fingerprint: null,
      lastReceived: '2024-05-14T10:25:41.207Z',
      description: null,
      message: null,
      source: ['newrelic'],
      service: null,
      environment: null,
      url: null,
      labels: {},
      extra: {
        issueUrl:
          'https://radar-api.service.newrelic.com/accounts/3654321/issues/8c3b4f2e-1d6a-4b7c-9e0f-2a3b4c5d6e7f?notifier=WEBHOOK',
        impactedEntities: ['checkout-web-7'],
        totalIncidents: 1,
        trigger: 'STATE_CHANGE',
        isCorrelated: false,
        createdAt: 1715682339512,
        updatedAt: 1715682341207,
        newrelic_source: ['newrelic'],
        alertPolicyNames: ['Checkout golden signals'],
        alertConditionNames: ['Memory Used % high'],
        workflowName: 'keep-webhook-tenant-1',
      },
    });
  });

  it('maps the closed issue to resolved at its update time', () => {
    const alert = single(fixture('newrelic/issue-closed.json'));
    expect(alert).toMatchObject({ status: 'resolved', lastReceived: '2024-05-14T10:53:32.004Z' });
  });

  it("maps New Relic's default template (title, priority, state, no source)", () => {
    const alert = single(fixture('newrelic/default-template.json'));
    expect(alert).toMatchObject({
      id: 'f1e2d3c4-b5a6-4978-8a9b-0c1d2e3f4a5b',
      name: 'Error percentage > 5 for at least 2 minutes on checkout-api',
      status: 'acknowledged',
      severity: 'info',
      lastReceived: '2024-05-14T12:38:20.000Z',
    });
    expect(alert.extra).toMatchObject({ title: alert.name, sources: ['newrelic'] });
    expect(alert.extra).not.toHaveProperty('newrelic_source');
    expect(alert.extra).not.toHaveProperty('state');
    expect(alert.extra).not.toHaveProperty('priority');
  });

  it.each([
    ['open', 'firing'],
    ['OPEN', 'firing'],
    ['closed', 'resolved'],
    ['CLOSED', 'resolved'],
    ['acknowledged', 'acknowledged'],
    ['ACKNOWLEDGED', 'acknowledged'],
    ['ACTIVATED', 'firing'],
    ['CREATED', 'firing'],
  ])('maps status %s to %s', (status, expected) => {
    expect(single(issue({ status })).status).toBe(expected);
  });

  it.each([
    ['CRITICAL', 'critical'],
    ['critical', 'critical'],
    ['WARNING', 'warning'],
    ['INFO', 'info'],
    ['HIGH', 'info'],
    ['MEDIUM', 'info'],
    ['LOW', 'info'],
  ])('maps severity %s to %s', (severity, expected) => {
    expect(single(issue({ severity })).severity).toBe(expected);
  });

  it('reads state and priority only when status and severity are empty, keeping them otherwise', () => {
    const fallback = single(issue({ status: '', state: 'CLOSED', severity: '', priority: 'WARNING' }));
    expect(fallback).toMatchObject({ status: 'resolved', severity: 'warning' });
    expect(fallback.extra).not.toHaveProperty('state');
    const both = single(issue({ state: 'CLOSED', priority: 'WARNING' }));
    expect(both).toMatchObject({ status: 'firing', severity: 'critical' });
    expect(both.extra).toMatchObject({ state: 'CLOSED', priority: 'WARNING' });
  });

  it('falls back from lastReceived to updatedAt and parses a string lastReceived', () => {
    expect(single(issue({ lastReceived: undefined })).lastReceived).toBe('2024-05-14T10:25:41.207Z');
    expect(single(issue({ lastReceived: 0 })).lastReceived).toBe('2024-05-14T10:25:41.207Z');
    expect(single(issue({ lastReceived: null })).lastReceived).toBe('2024-05-14T10:25:41.207Z');
    expect(single(issue({ lastReceived: '2024-05-14T11:00:00Z' })).lastReceived).toBe('2024-05-14T11:00:00.000Z');
    expect(single(issue({ lastReceived: 'yesterday' })).lastReceived).toBe('2024-05-14T10:25:41.207Z');
  });

  it('uses title when name is empty and fills canonical text fields from same-named keys', () => {
    const alert = single(issue({ name: '', title: 'From title', description: 'd', url: 'https://x.example/i/1' }));
    expect(alert).toMatchObject({ name: 'From title', description: 'd', url: 'https://x.example/i/1' });
    expect(alert.extra).not.toHaveProperty('description');
    expect(alert.extra).not.toHaveProperty('name');
  });

  it('rejects payloads of other providers and payloads missing a required field', () => {
    expect(check.Check(fixture('zabbix/problem.json'))).toBe(false);
    expect(check.Check(fixture('sentry/integration-issue-alert.json'))).toBe(false);
    expect(check.Check(issue({ updatedAt: undefined }))).toBe(false);
    expect(check.Check(issue({ id: undefined }))).toBe(false);
    const untitled = issue({ name: undefined });
    expect(check.Check(untitled)).toBe(false);
    expect([...check.Errors(untitled)].some((error) => error.keyword === 'anyOf')).toBe(true);
  });
});
