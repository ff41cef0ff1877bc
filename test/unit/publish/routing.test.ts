import { describe, expect, it } from 'vitest';
import { routeAlerts, routeMatches } from '../../../src/publish/routing.js';
import { makeAlert } from '../../support/publish.js';

describe('routes', () => {
  const alert = makeAlert('acme', {
    severity: 'high',
    status: 'firing',
    providerType: 'datadog',
    labels: { team: 'db' },
  });

  it('matches every given field and ignores absent ones', () => {
    expect(routeMatches({}, alert)).toBe(true);
    expect(routeMatches({ tenants: ['acme'], providers: ['datadog'], statuses: ['firing'] }, alert)).toBe(true);
    expect(routeMatches({ tenants: ['other'] }, alert)).toBe(false);
    expect(routeMatches({ statuses: ['resolved'] }, alert)).toBe(false);
    expect(routeMatches({ providers: ['grafana'] }, alert)).toBe(false);
  });

  it('matches severity at or above the minimum', () => {
    expect(routeMatches({ minSeverity: 'warning' }, alert)).toBe(true);
    expect(routeMatches({ minSeverity: 'high' }, alert)).toBe(true);
    expect(routeMatches({ minSeverity: 'critical' }, alert)).toBe(false);
  });

  it('matches labels exactly', () => {
    expect(routeMatches({ labels: { team: 'db' } }, alert)).toBe(true);
    expect(routeMatches({ labels: { team: 'web' } }, alert)).toBe(false);
    expect(routeMatches({ labels: { missing: 'x' } }, alert)).toBe(false);
  });

  it('gives each target the alerts any of its routes select', () => {
    const low = makeAlert('acme', { severity: 'info' });
    const target = (name: string, routes: object[]) =>
      ({ name, type: 'webhook', enabled: true, routes, settings: {}, source: 'file' }) as never;
    const pager = target('pager', [{ minSeverity: 'high' }]);
    const all = target('all', []);
    const none = target('none', [{ tenants: ['nobody'] }]);
    const routed = routeAlerts([pager, all, none], [alert, low]);
    expect(routed.get(pager)).toEqual([alert]);
    expect(routed.get(all)).toEqual([alert, low]);
    expect(routed.has(none)).toBe(false);
  });
});
