import { type Static, Type } from 'typebox';
import { SEVERITIES } from '../alert/alert.js';
import type { Config } from '../config.js';
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

/**
 * The rules used without SELF_ALERT_RULES_FILE: backlog and age from the degraded health
 * thresholds, no live worker, any provider above its token bucket's refill rate, and a duplicate
 * ratio 0.3 away from the previous hour's.
 */
export function defaultSelfAlertRules(config: Config): SelfAlertRule[] {
  return [
    { name: 'ingest-backlog', kind: 'queue_backlog', queue: 'ingest', maxJobs: config.HEALTH_QUEUE_DEPTH_DEGRADED },
    {
      name: 'ingest-backlog-age',
      kind: 'queue_age',
      queue: 'ingest',
      maxAgeSeconds: config.HEALTH_QUEUE_AGE_DEGRADED_SECONDS,
    },
    { name: 'no-live-worker', kind: 'no_worker', forSeconds: 30 },
    {
      name: 'provider-rate',
      kind: 'provider_rate',
      maxPerSecond: config.RATE_LIMIT_REFILL_PER_SECOND,
      windowSeconds: 60,
    },
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
export function loadSelfAlertRules(config: Config): SelfAlertRule[] {
  const file = config.SELF_ALERT_RULES_FILE;
  if (!file) return defaultSelfAlertRules(config);
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
