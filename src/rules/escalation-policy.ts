/**
 * Escalation policies: which alerts a policy follows (at or above a severity, optionally narrowed by
 * tenant, provider and labels — publish routing semantics) and its steps. A step falls due `after`
 * the start of the alert's firing episode; if the alert is still firing (not acknowledged, resolved
 * or suppressed) it is sent to the step's targets then.
 */
import parseDuration from 'parse-duration';
import { type Static, Type } from 'typebox';
import { SEVERITIES, type Severity } from '../alert/alert.js';
import { ConfigFileError, loadConfigFile } from '../config-file.js';
import type { Route } from '../publish/model.js';

const Name = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$' });

/** Milliseconds, or a duration such as `90s`, `5m`, `1h30m`. */
const Duration = Type.Union([
  Type.Integer({ minimum: 0 }),
  Type.String({ pattern: '^\\s*\\d', maxLength: 50, description: 'e.g. 30s, 5m, 1h30m (or milliseconds)' }),
]);

export const EscalationStepSchema = Type.Object(
  {
    after: Duration,
    targets: Type.Array(Name, { minItems: 1, maxItems: 20, description: 'Publish target names.' }),
  },
  { additionalProperties: false },
);

export const EscalationPolicySchema = Type.Object(
  {
    name: Name,
    enabled: Type.Optional(Type.Boolean({ default: true })),
    minSeverity: Type.Enum([...SEVERITIES], { description: 'Alerts at or above this severity escalate.' }),
    tenants: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
    providers: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
    labels: Type.Optional(Type.Record(Type.String({ minLength: 1 }), Type.String())),
    steps: Type.Array(EscalationStepSchema, { minItems: 1, maxItems: 10 }),
  },
  { additionalProperties: false },
);

export const EscalationFileSchema = Type.Object(
  { policies: Type.Array(EscalationPolicySchema, { default: [] }) },
  { additionalProperties: false },
);

export type EscalationPolicyInput = Static<typeof EscalationPolicySchema>;

export interface EscalationStep {
  afterMs: number;
  targets: string[];
}

/** A policy ready to apply. */
export interface EscalationPolicy {
  name: string;
  enabled: boolean;
  /** Which alerts it follows, as a publish route (minSeverity always set). */
  route: Route & { minSeverity: Severity };
  steps: EscalationStep[];
  source: 'file' | 'api';
}

/** Milliseconds of a step's `after`, or null when the text is no duration. */
export function durationMs(after: number | string): number | null {
  if (typeof after === 'number') return after;
  const ms = parseDuration(after);
  return ms === null || !Number.isFinite(ms) || ms < 0 ? null : Math.round(ms);
}

/** Turns schema-valid input into a policy; problems name the offending path. */
export function completePolicy(
  input: EscalationPolicyInput,
  source: EscalationPolicy['source'],
): { ok: true; policy: EscalationPolicy } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const steps = input.steps.map((step, i) => {
    const afterMs = durationMs(step.after);
    if (afterMs === null) problems.push(`steps/${i}/after: "${step.after}" is not a duration (e.g. 30s, 5m, 1h30m)`);
    return { afterMs: afterMs ?? 0, targets: step.targets };
  });
  if (problems.length > 0) return { ok: false, problems };
  const route: EscalationPolicy['route'] = { minSeverity: input.minSeverity };
  if (input.tenants) route.tenants = input.tenants;
  if (input.providers) route.providers = input.providers;
  if (input.labels) route.labels = input.labels;
  return { ok: true, policy: { name: input.name, enabled: input.enabled ?? true, route, steps, source } };
}

/** The policy as the API shows and stores it (durations in ms). */
export function policyInput(policy: EscalationPolicy): EscalationPolicyInput {
  const { minSeverity, tenants, providers, labels } = policy.route;
  return {
    name: policy.name,
    enabled: policy.enabled,
    minSeverity,
    ...(tenants ? { tenants } : {}),
    ...(providers ? { providers } : {}),
    ...(labels ? { labels } : {}),
    steps: policy.steps.map((step) => ({ after: step.afterMs, targets: step.targets })),
  };
}

/** Reads ESCALATION_FILE; throws ConfigFileError listing every problem as `/policies/<i>/...: message`. */
export function loadEscalationFile(file: string): EscalationPolicy[] {
  const document = loadConfigFile(file, EscalationFileSchema);
  const problems: string[] = [];
  const policies: EscalationPolicy[] = [];
  const seen = new Set<string>();
  for (const [i, input] of document.policies.entries()) {
    if (seen.has(input.name)) problems.push(`/policies/${i}/name: duplicate policy name "${input.name}"`);
    seen.add(input.name);
    const result = completePolicy(input, 'file');
    if (result.ok) policies.push(result.policy);
    else for (const problem of result.problems) problems.push(`/policies/${i}/${problem}`);
  }
  if (problems.length > 0) throw new ConfigFileError(file, problems);
  return policies;
}
