import { describe, expect, it } from 'vitest';
import { type Matcher, matcherProblem, matchesAll, silencing } from '../../../src/lifecycle/silence-match.js';
import { makeAlert } from '../../support/publish.js';

const alert = makeAlert('acme', {
  name: 'DiskFull',
  severity: 'critical',
  service: 'db',
  labels: { team: 'payments', region: 'eu-1' },
});
const m = (name: string, value: string, options: Partial<Matcher> = {}): Matcher => ({
  name,
  value,
  isRegex: false,
  isEqual: true,
  ...options,
});

describe('silence matchers', () => {
  it('match labels exactly, negated, and by anchored regex', () => {
    expect(matchesAll([m('team', 'payments')], alert)).toBe(true);
    expect(matchesAll([m('team', 'pay')], alert)).toBe(false);
    expect(matchesAll([m('team', 'payments', { isEqual: false })], alert)).toBe(false);
    expect(matchesAll([m('region', 'eu-.*', { isRegex: true })], alert)).toBe(true);
    expect(matchesAll([m('region', 'eu', { isRegex: true })], alert)).toBe(false); // anchored
    expect(matchesAll([m('region', 'us-.*', { isRegex: true, isEqual: false })], alert)).toBe(true);
  });

  it('require every matcher, treat a missing label as empty, and address alert fields', () => {
    expect(matchesAll([m('team', 'payments'), m('region', 'us-1')], alert)).toBe(false);
    expect(matchesAll([m('owner', '')], alert)).toBe(true);
    expect(matchesAll([m('alertname', 'DiskFull'), m('severity', 'critical'), m('service', 'db')], alert)).toBe(true);
    expect(matchesAll([m('provider', 'prometheus'), m('fingerprint', alert.fingerprint)], alert)).toBe(true);
  });

  it('apply only to their tenant and inside [startsAt, endsAt)', () => {
    const window = {
      id: 's',
      tenant: 'acme',
      matchers: [m('team', 'payments')],
      startsAt: new Date('2026-01-01T00:00:00Z'),
      endsAt: new Date('2026-01-01T01:00:00Z'),
    };
    expect(silencing([window], alert, new Date('2026-01-01T00:30:00Z'))).toBe(window);
    expect(silencing([window], alert, new Date('2026-01-01T01:00:00Z'))).toBeUndefined();
    expect(silencing([window], alert, new Date('2025-12-31T23:59:59Z'))).toBeUndefined();
    expect(silencing([{ ...window, tenant: 'other' }], alert, new Date('2026-01-01T00:30:00Z'))).toBeUndefined();
  });

  it('report invalid regular expressions, naming matcher and pattern', () => {
    expect(matcherProblem(m('team', '(', { isRegex: true }))).toBe(
      'matcher team: invalid regular expression "(": missing closing )',
    );
    expect(matcherProblem(m('team', '('))).toBeNull();
    // RE2 syntax, as Alertmanager: no lookarounds or backreferences.
    expect(matcherProblem(m('team', '(?=a)a', { isRegex: true }))).toMatch(/invalid regular expression "\(\?=a\)a"/);
    expect(matcherProblem(m('team', '(a)\\1', { isRegex: true }))).toMatch(/invalid regular expression/);
  });

  it('match in linear time: a catastrophic pattern for backtracking engines stays fast', () => {
    const evil = m('team', '(a+)+b', { isRegex: true });
    const hostile = makeAlert('acme', { labels: { team: `${'a'.repeat(27)}c` } });
    const started = performance.now();
    expect(matchesAll([evil], hostile)).toBe(false);
    expect(matchesAll([evil], makeAlert('acme', { labels: { team: `${'a'.repeat(10_000)}c` } }))).toBe(false);
    expect(performance.now() - started).toBeLessThan(100);
    expect(matchesAll([evil], makeAlert('acme', { labels: { team: 'aaab' } }))).toBe(true);
  });

  it('anchor alternations as a whole, as Alertmanager does', () => {
    expect(matchesAll([m('team', 'pay|web', { isRegex: true })], alert)).toBe(false);
    expect(matchesAll([m('team', 'web|pay.*', { isRegex: true })], alert)).toBe(true);
  });
});
