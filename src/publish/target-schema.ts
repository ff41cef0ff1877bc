import { Type } from 'typebox';
import { SEVERITIES, STATUSES } from '../alert/alert.js';
import { ConfigFileError, loadConfigFile } from '../config-file.js';
import { TARGET_TYPES, type Target, type TargetDefinition } from './model.js';
import { validateSettings } from './targets/registry.js';

export const RouteSchema = Type.Object(
  {
    tenants: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
    minSeverity: Type.Optional(Type.Enum([...SEVERITIES])),
    providers: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
    statuses: Type.Optional(Type.Array(Type.Enum([...STATUSES]), { minItems: 1 })),
    labels: Type.Optional(Type.Record(Type.String({ minLength: 1 }), Type.String())),
  },
  { additionalProperties: false },
);

/** A target definition: the common envelope; `settings` is checked against the type's own schema. */
export const TargetSchema = Type.Object(
  {
    /** Used in metric labels, Redis keys and URLs, hence the narrow alphabet. */
    name: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$' }),
    type: Type.Enum([...TARGET_TYPES]),
    enabled: Type.Optional(Type.Boolean({ default: true })),
    routes: Type.Optional(Type.Array(RouteSchema, { default: [], maxItems: 100 })),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 300_000 })),
    rateLimit: Type.Optional(
      Type.Object(
        {
          perSecond: Type.Number({ exclusiveMinimum: 0, description: 'Sustained requests per second.' }),
          burst: Type.Integer({ minimum: 1, description: 'Requests allowed at once.' }),
        },
        { additionalProperties: false },
      ),
    ),
    settings: Type.Record(Type.String(), Type.Unknown()),
  },
  { additionalProperties: false },
);

export const TargetsFileSchema = Type.Object(
  { targets: Type.Array(TargetSchema, { default: [] }) },
  { additionalProperties: false },
);

/** A target as submitted (envelope valid, settings not yet checked). */
export type TargetInput = {
  name: string;
  type: TargetDefinition['type'];
  enabled?: boolean;
  routes?: TargetDefinition['routes'];
  timeoutMs?: number;
  rateLimit?: TargetDefinition['rateLimit'];
  settings: Record<string, unknown>;
};

/** Completes an envelope-valid input: defaults, then the type's settings; problems name their path. */
export function completeTarget(
  input: TargetInput,
): { ok: true; target: TargetDefinition } | { ok: false; problems: string[] } {
  const checked = validateSettings(input.type, input.settings);
  if (!checked.ok) return checked;
  const target: TargetDefinition = {
    name: input.name,
    type: input.type,
    enabled: input.enabled ?? true,
    routes: input.routes ?? [],
    settings: checked.settings,
  };
  if (input.timeoutMs !== undefined) target.timeoutMs = input.timeoutMs;
  if (input.rateLimit !== undefined) target.rateLimit = input.rateLimit;
  return { ok: true, target };
}

/** Reads TARGETS_FILE; throws ConfigFileError listing every problem as `/targets/<i>/...: message`. */
export function loadTargetsFile(file: string): Target[] {
  const document = loadConfigFile(file, TargetsFileSchema);
  const problems: string[] = [];
  const targets: Target[] = [];
  const seen = new Set<string>();
  for (const [i, input] of document.targets.entries()) {
    if (seen.has(input.name)) problems.push(`/targets/${i}/name: duplicate target name "${input.name}"`);
    seen.add(input.name);
    const result = completeTarget(input as TargetInput);
    if (result.ok) targets.push({ ...result.target, source: 'file' });
    else for (const problem of result.problems) problems.push(`/targets/${i}/${problem}`);
  }
  if (problems.length > 0) throw new ConfigFileError(file, problems);
  return targets;
}
