/**
 * Alertmanager silence matching (api/v2 `Matcher`): every matcher must match the alert's label set;
 * a label the alert lacks has the value "" (so `team=""` matches alerts without a team); regexes
 * are RE2, anchored at both ends, like Alertmanager's (see anchored-pattern.ts). The label set is the alert's labels plus its own
 * fields under Alertmanager-like names (alertname, severity, service, environment, provider,
 * fingerprint), a label of the same name taking precedence.
 */
import type { Alert } from '../alert/alert.js';
import { type AnchoredPattern, compileAnchored, PatternError } from './anchored-pattern.js';

export interface Matcher {
  name: string;
  value: string;
  isRegex: boolean;
  /** false negates the matcher (`!=`, `!~`). */
  isEqual: boolean;
}

/** A silence as the matchers need it: matchers and its active window. */
export interface SilenceWindow {
  id: string;
  tenant: string;
  matchers: Matcher[];
  startsAt: Date;
  endsAt: Date;
}

const compiled = new Map<string, AnchoredPattern>();

function regexOf(pattern: string): AnchoredPattern {
  let regex = compiled.get(pattern);
  if (!regex) {
    regex = compileAnchored(pattern);
    if (compiled.size > 10_000) compiled.clear(); // bounded: patterns come from the admin API only
    compiled.set(pattern, regex);
  }
  return regex;
}

/** Why a matcher cannot be used, or null (an invalid regex is refused when the silence is created). */
export function matcherProblem(matcher: Matcher): string | null {
  if (!matcher.isRegex) return null;
  try {
    regexOf(matcher.value);
    return null;
  } catch (error) {
    if (error instanceof PatternError) return `matcher ${matcher.name}: ${error.message}`;
    throw error;
  }
}

function labelSet(alert: Alert): Record<string, string> {
  return {
    alertname: alert.name,
    severity: alert.severity,
    provider: alert.providerType,
    fingerprint: alert.fingerprint,
    ...(alert.service === null ? {} : { service: alert.service }),
    ...(alert.environment === null ? {} : { environment: alert.environment }),
    ...alert.labels,
  };
}

export function matchesAll(matchers: readonly Matcher[], alert: Alert): boolean {
  const labels = labelSet(alert);
  return matchers.every((matcher) => {
    const value = labels[matcher.name] ?? '';
    const matched = matcher.isRegex ? regexOf(matcher.value).test(value) : value === matcher.value;
    return matched === matcher.isEqual;
  });
}

/** The first silence of the alert's tenant active at `at` whose matchers all match, or undefined. */
export function silencing(silences: readonly SilenceWindow[], alert: Alert, at: Date): SilenceWindow | undefined {
  return silences.find(
    (silence) =>
      silence.tenant === alert.tenant &&
      silence.startsAt <= at &&
      at < silence.endsAt &&
      matchesAll(silence.matchers, alert),
  );
}
