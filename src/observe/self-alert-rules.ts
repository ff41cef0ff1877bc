import { type Static, Type } from 'typebox';
import { SEVERITIES } from '../alert/alert.js';
import { ConfigFileError, loadConfigFile } from '../config-file.js';

const Common = {
  /** Unique; the alert's name and part of its fingerprint. */
  name: Type.String({ pattern: '^[a-z0-9][a-z0-9_.-]{0,99}$' }),
  severity: Type.Optional(Type.Enum([...SEVERITIES])),
  description: Type.Optional(Type.String({ maxLength: 1000 })),
  /** The condition must hold this long before the alert fires (0: at once). */
  forSeconds: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
};
const QueueName = Type.Optional(Type.Enum(['ingest', 'publish'], { default: 'ingest' }));

const QueueBacklog = Type.Object(
  { ...Common, kind: Type.Literal('queue_backlog'), queue: QueueName, maxJobs: Type.Integer({ minimum: 0 }) },
  { additionalProperties: false },
);
const QueueAge = Type.Object(
  { ...Common, kind: Type.Literal('queue_age'), queue: QueueName, maxAgeSeconds: Type.Number({ minimum: 0 }) },
  { additionalProperties: false },
);
const NoWorker = Type.Object({ ...Common, kind: Type.Literal('no_worker') }, { additionalProperties: false });
const ProviderRate = Type.Object(
  {
    ...Common,
    kind: Type.Literal('provider_rate'),
    /** Expected ceiling in accepted alerts per second for providers not listed in `providers`. */
    maxPerSecond: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    /** Expected ceilings per provider type. */
    providers: Type.Optional(Type.Record(Type.String(), Type.Number({ exclusiveMinimum: 0 }))),
    windowSeconds: Type.Optional(Type.Integer({ minimum: 1, default: 60 })),
  },
  { additionalProperties: false },
);
const DedupRatio = Type.Object(
  {
    ...Common,
    kind: Type.Literal('dedup_ratio'),
    /** The recent window whose duplicate ratio is compared… */
    windowSeconds: Type.Optional(Type.Integer({ minimum: 1, default: 300 })),
    /** …with the ratio over this longer window before it (the norm). */
    baselineSeconds: Type.Optional(Type.Integer({ minimum: 1, default: 3600 })),
    /** Absolute difference of the two ratios (0..1) that fires. */
    maxDeviation: Type.Number({ exclusiveMinimum: 0, maximum: 1 }),
    /** Providers with fewer alerts in either window are not judged. */
    minAlerts: Type.Optional(Type.Integer({ minimum: 1, default: 500 })),
  },
  { additionalProperties: false },
);

export const SelfAlertRuleSchema = Type.Union([QueueBacklog, QueueAge, NoWorker, ProviderRate, DedupRatio]);
export const SelfAlertRulesFile = Type.Object(
  { rules: Type.Array(SelfAlertRuleSchema, { maxItems: 100 }) },
  { additionalProperties: false },
);

export type SelfAlertRule = Static<typeof SelfAlertRuleSchema>;
export type RuleKind = SelfAlertRule['kind'];

/** Severity of a rule without one. */
export const DEFAULT_SEVERITY: Record<RuleKind, (typeof SEVERITIES)[number]> = {
  queue_backlog: 'high',
  queue_age: 'high',
  no_worker: 'critical',
  provider_rate: 'warning',
  dedup_ratio: 'warning',
};

/** Where the rules come from (the `observe.selfAlertRules` config section). */
export interface SelfAlertRuleSource {
  /** SELF_ALERT_RULES_FILE; without it, the built-in rules. */
  file?: string;
  /** The built-in rules' limits. */
  defaults: {
    /** Waiting ingest jobs that fire `ingest-backlog` (HEALTH_QUEUE_DEPTH_DEGRADED). */
    maxJobs: number;
    /** Age of the oldest waiting ingest job that fires `ingest-backlog-age`, in s (HEALTH_QUEUE_AGE_DEGRADED_SECONDS). */
    maxAgeSeconds: number;
    /** Accepted alerts per second of one provider that fire `provider-rate` (RATE_LIMIT_REFILL_PER_SECOND). */
    maxPerSecond: number;
  };
}

/**
 * The rules used without SELF_ALERT_RULES_FILE: backlog and age from the degraded health
 * thresholds, no live worker, any provider above its token bucket's refill rate, and a duplicate
 * ratio 0.3 away from the previous hour's.
 */
function defaultSelfAlertRules({
  maxJobs,
  maxAgeSeconds,
  maxPerSecond,
}: SelfAlertRuleSource['defaults']): SelfAlertRule[] {
  return [
    { name: 'ingest-backlog', kind: 'queue_backlog', queue: 'ingest', maxJobs },
    { name: 'ingest-backlog-age', kind: 'queue_age', queue: 'ingest', maxAgeSeconds },
    { name: 'no-live-worker', kind: 'no_worker', forSeconds: 30 },
    { name: 'provider-rate', kind: 'provider_rate', maxPerSecond, windowSeconds: 60 },
    {
      name: 'dedup-ratio-shift',
      kind: 'dedup_ratio',
      windowSeconds: 300,
      baselineSeconds: 3600,
      maxDeviation: 0.3,
      minAlerts: 500,
    },
  ];
}

/** The configured rules (file validated with precise errors; names must be unique), or the defaults. */
export function loadSelfAlertRules(source: SelfAlertRuleSource): SelfAlertRule[] {
  const { file } = source;
  if (!file) return defaultSelfAlertRules(source.defaults);
  const { rules } = loadConfigFile(file, SelfAlertRulesFile);
  const seen = new Set<string>();
  const problems: string[] = [];
  for (const [index, rule] of rules.entries()) {
    if (seen.has(rule.name)) problems.push(`/rules/${index}/name: "${rule.name}" is used twice`);
    seen.add(rule.name);
    if (rule.kind === 'provider_rate' && rule.maxPerSecond === undefined && !rule.providers)
      problems.push(`/rules/${index}: a provider_rate rule needs maxPerSecond or providers`);
  }
  if (problems.length > 0) throw new ConfigFileError(file, problems);
  return rules;
}
