import { Value } from 'typebox/value';
import type { TargetType } from '../model.js';
import type { AnyAdapter } from './adapter.js';
import { alertmanagerAdapter } from './alertmanager.js';
import { emailAdapter } from './email.js';
import { keepAdapter } from './keep.js';
import { opsgenieAdapter } from './opsgenie.js';
import { pagerDutyAdapter } from './pagerduty.js';
import { rootlyAdapter } from './rootly.js';
import { slackAdapter } from './slack.js';
import { teamsAdapter } from './teams.js';
import { webhookAdapter } from './webhook.js';

/** Every target type, by name: the one place a new type is registered. */
export const TARGET_ADAPTERS: Readonly<Record<TargetType, AnyAdapter>> = {
  webhook: webhookAdapter,
  slack: slackAdapter,
  pagerduty: pagerDutyAdapter,
  opsgenie: opsgenieAdapter,
  rootly: rootlyAdapter,
  alertmanager: alertmanagerAdapter,
  teams: teamsAdapter,
  email: emailAdapter,
  keep: keepAdapter,
};

export function adapterFor(type: TargetType): AnyAdapter {
  return TARGET_ADAPTERS[type];
}

/**
 * Validates a type's settings, applying schema defaults. Returns the settings or one problem per
 * line, each naming the JSON path under `settings` and never echoing a value (it may be a secret).
 */
export function validateSettings(
  type: TargetType,
  settings: unknown,
): { ok: true; settings: Record<string, unknown> } | { ok: false; problems: string[] } {
  const schema = TARGET_ADAPTERS[type].settingsSchema;
  const value = Value.Default(schema, structuredClone(settings ?? {}));
  const problems = [...Value.Errors(schema, value)].map(
    (error) => `settings${error.instancePath || ''}: ${error.message}`,
  );
  return problems.length > 0 ? { ok: false, problems } : { ok: true, settings: value as Record<string, unknown> };
}

/** Settings with every secret replaced: URLs keep their origin, other values become `***`. */
export function redactSettings(type: TargetType, settings: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(settings);
  for (const path of TARGET_ADAPTERS[type].secretFields) {
    const keys = path.split('.');
    let holder: Record<string, unknown> | undefined = copy;
    for (const key of keys.slice(0, -1)) holder = holder?.[key] as Record<string, unknown> | undefined;
    const last = keys[keys.length - 1] as string;
    if (!holder || holder[last] === undefined) continue;
    holder[last] = redactValue(holder[last]);
  }
  return copy;
}

function redactValue(value: unknown): unknown {
  if (typeof value === 'string') {
    try {
      const url = new URL(value);
      if (url.protocol === 'http:' || url.protocol === 'https:') return `${url.origin}/***`;
    } catch {
      // not a URL
    }
    return '***';
  }
  if (value && typeof value === 'object') return Object.fromEntries(Object.keys(value).map((key) => [key, '***']));
  return '***';
}

/** Values that must never reach a log line or an API answer, for scrubbing error messages. */
export function secretValues(type: TargetType, settings: Record<string, unknown>): string[] {
  const values: string[] = [];
  for (const path of TARGET_ADAPTERS[type].secretFields) {
    let value: unknown = settings;
    for (const key of path.split('.')) value = (value as Record<string, unknown> | undefined)?.[key];
    if (typeof value === 'string') values.push(value);
    else if (value && typeof value === 'object')
      for (const v of Object.values(value)) if (typeof v === 'string') values.push(v);
  }
  return values.filter((value) => value.length >= 4);
}
