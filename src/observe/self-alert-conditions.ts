import type { QueueSample } from './queue-sample.js';
import type { SelfAlertRule } from './self-alert-rules.js';

/** The counter queries rules need (ClusterStats implements it). */
export interface CounterView {
  /** Seconds of counter history available. */
  readonly historySeconds: number;
  increase(name: string, windowMs: number, by?: string, filter?: Record<string, string>): Map<string, number>;
  rate(name: string, windowMs: number, by?: string, filter?: Record<string, string>): Map<string, number>;
}

/** One firing condition: a rule, and the provider it concerns for per-provider rules. */
export interface Finding {
  rule: SelfAlertRule;
  subject: string | null;
  /** What was observed, for the alert message. */
  message: string;
  value: number;
  threshold: number;
}

/**
 * A rule's verdict: `evaluated: false` when the data to judge it is missing (no queue sample yet,
 * too little counter history), so alerts it fired earlier are neither resolved nor re-fired.
 */
export interface Verdict {
  rule: SelfAlertRule;
  evaluated: boolean;
  firing: Finding[];
}

const ACCEPTED = 'alertgate_ingest_alerts_accepted_total';
const DEDUP = 'alertgate_dedup_alerts_total';

/** Judges every rule against the newest queue sample and the shared counters. */
export function evaluateRules(
  rules: readonly SelfAlertRule[],
  sample: QueueSample | undefined,
  counters: CounterView,
): Verdict[] {
  return rules.map((rule) => evaluateRule(rule, sample, counters));
}

function evaluateRule(rule: SelfAlertRule, sample: QueueSample | undefined, counters: CounterView): Verdict {
  const verdict = (firing: Omit<Finding, 'rule'>[], evaluated = true): Verdict => ({
    rule,
    evaluated,
    firing: firing.map((finding) => ({ rule, ...finding })),
  });
  switch (rule.kind) {
    case 'queue_backlog': {
      if (!sample) return verdict([], false);
      const queue = rule.queue ?? 'ingest';
      const depth = sample.queues.filter((q) => q.kind === queue).reduce((sum, q) => sum + q.waiting, 0);
      if (depth <= rule.maxJobs) return verdict([]);
      return verdict([
        {
          subject: null,
          value: depth,
          threshold: rule.maxJobs,
          message: `${depth} ${queue} jobs waiting (threshold ${rule.maxJobs})`,
        },
      ]);
    }
    case 'queue_age': {
      if (!sample) return verdict([], false);
      const queue = rule.queue ?? 'ingest';
      const age = Math.max(0, ...sample.queues.filter((q) => q.kind === queue).map((q) => q.oldestWaitingSeconds));
      if (age <= rule.maxAgeSeconds) return verdict([]);
      return verdict([
        {
          subject: null,
          value: age,
          threshold: rule.maxAgeSeconds,
          message: `oldest ${queue} job has waited ${Math.round(age)} s (threshold ${rule.maxAgeSeconds} s)`,
        },
      ]);
    }
    case 'no_worker': {
      if (!sample) return verdict([], false);
      if (sample.workers.length > 0) return verdict([]);
      return verdict([{ subject: null, value: 0, threshold: 1, message: 'no batch worker is alive' }]);
    }
    case 'provider_rate': {
      if (counters.historySeconds <= 0) return verdict([], false);
      const windowSeconds = rule.windowSeconds ?? 60;
      const rates = counters.rate(ACCEPTED, windowSeconds * 1000, 'provider');
      const firing: Omit<Finding, 'rule'>[] = [];
      for (const [provider, rate] of rates) {
        const limit = rule.providers?.[provider] ?? rule.maxPerSecond;
        if (limit === undefined || rate <= limit) continue;
        firing.push({
          subject: provider,
          value: rate,
          threshold: limit,
          message: `${provider} sends ${rate.toFixed(1)} alerts/s over ${windowSeconds} s (expected at most ${limit})`,
        });
      }
      return verdict(firing);
    }
    case 'dedup_ratio':
      return verdict(...dedupShift(rule, counters));
  }
}

/** Duplicate ratio per provider over the recent window versus the baseline window before it. */
function dedupShift(
  rule: Extract<SelfAlertRule, { kind: 'dedup_ratio' }>,
  counters: CounterView,
): [Omit<Finding, 'rule'>[], boolean] {
  const windowMs = (rule.windowSeconds ?? 300) * 1000;
  const baselineMs = (rule.baselineSeconds ?? 3600) * 1000;
  // Judged once the history covers the window and at least as much again of baseline.
  if (counters.historySeconds * 1000 < 2 * windowMs) return [[], false];
  const recentAll = counters.increase(DEDUP, windowMs, 'provider');
  const recentDuplicates = duplicatesBy(counters, windowMs);
  const longAll = counters.increase(DEDUP, windowMs + baselineMs, 'provider');
  const longDuplicates = duplicatesBy(counters, windowMs + baselineMs);
  const minAlerts = rule.minAlerts ?? 500;
  const firing: Omit<Finding, 'rule'>[] = [];
  for (const [provider, recent] of recentAll) {
    const baseline = (longAll.get(provider) ?? 0) - recent;
    if (recent < minAlerts || baseline < minAlerts) continue;
    const recentRatio = (recentDuplicates.get(provider) ?? 0) / recent;
    const baselineRatio = ((longDuplicates.get(provider) ?? 0) - (recentDuplicates.get(provider) ?? 0)) / baseline;
    const deviation = Math.abs(recentRatio - baselineRatio);
    if (deviation <= rule.maxDeviation) continue;
    firing.push({
      subject: provider,
      value: recentRatio,
      threshold: rule.maxDeviation,
      message: `${provider} duplicate ratio is ${percent(recentRatio)} over ${windowMs / 1000} s against ${percent(baselineRatio)} before (allowed deviation ${percent(rule.maxDeviation)})`,
    });
  }
  return [firing, true];
}

function duplicatesBy(counters: CounterView, windowMs: number): Map<string, number> {
  return counters.increase(DEDUP, windowMs, 'provider', { outcome: 'duplicate' });
}

function percent(ratio: number): string {
  return `${(ratio * 100).toFixed(1)}%`;
}
