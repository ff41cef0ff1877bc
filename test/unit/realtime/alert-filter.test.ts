import { describe, expect, it } from 'vitest';
import { eventMatches, matchesFilters } from '../../../src/realtime/alert-filter.js';
import { compareIds, type LifecycleEvent } from '../../../src/realtime/events.js';
import { parseSearchInput, type SearchInput } from '../../../src/search/search-input.js';
import { makeAlert } from '../../support/publish.js';

const filters = (input: SearchInput, tenant = 'acme') => parseSearchInput(tenant, input).filters;
const alert = makeAlert('acme', {
  name: 'Disk full on db-1',
  severity: 'high',
  status: 'firing',
  providerType: 'prometheus',
  service: 'db',
  environment: 'prod',
  labels: { team: 'payments' },
});

describe('stream filters', () => {
  it('use search semantics: OR within a field, AND across fields, labels exact, terms as substrings', () => {
    expect(matchesFilters(filters({}), alert)).toBe(true);
    expect(matchesFilters(filters({ severity: ['critical', 'high'] }), alert)).toBe(true);
    expect(matchesFilters(filters({ severity: ['critical'] }), alert)).toBe(false);
    expect(matchesFilters(filters({ provider: ['prometheus'], status: ['firing'] }), alert)).toBe(true);
    expect(matchesFilters(filters({ provider: ['prometheus'], status: ['resolved'] }), alert)).toBe(false);
    expect(matchesFilters(filters({ labels: ['team=payments'] }), alert)).toBe(true);
    expect(matchesFilters(filters({ labels: ['team=pay'] }), alert)).toBe(false);
    expect(matchesFilters(filters({ q: 'DISK db-1' }), alert)).toBe(true);
    expect(matchesFilters(filters({ q: 'disk cpu' }), alert)).toBe(false);
    expect(matchesFilters(filters({ service: ['db'], environment: ['prod'] }), alert)).toBe(true);
    expect(matchesFilters(filters({ service: ['web'] }), { ...alert, service: null })).toBe(false);
  });

  it('scope alert and lifecycle events to the tenant', () => {
    expect(eventMatches(filters({}, 'other'), { type: 'alert', change: 'new', alert })).toBe(false);
    const lifecycle: LifecycleEvent = {
      type: 'lifecycle',
      tenant: 'acme',
      fingerprint: alert.fingerprint,
      action: 'acknowledge',
      from: 'firing',
      to: 'acknowledged',
      actor: 'alice',
      note: null,
      at: new Date().toISOString(),
      alert: { ...alert, status: 'acknowledged' },
    };
    expect(eventMatches(filters({ status: ['acknowledged'] }), lifecycle)).toBe(true);
    expect(eventMatches(filters({ status: ['firing'] }), lifecycle)).toBe(false);
    expect(eventMatches(filters({}, 'other'), lifecycle)).toBe(false);
    // Without a stored alert only fingerprint and status can be judged.
    const bare = { ...lifecycle, alert: null };
    expect(eventMatches(filters({ fingerprint: [alert.fingerprint] }), bare)).toBe(true);
    expect(eventMatches(filters({ severity: ['high'] }), bare)).toBe(false);
  });

  it('orders stream ids numerically', () => {
    expect(compareIds('9-0', '10-0')).toBeLessThan(0);
    expect(compareIds('10-2', '10-10')).toBeLessThan(0);
    expect(compareIds('10-3', '10-3')).toBe(0);
    expect(compareIds('1795476694413-1', '1795476694413-0')).toBeGreaterThan(0);
  });
});
