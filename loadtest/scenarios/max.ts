/**
 * Highest sustainable rate, single-alert and 10-alert requests: the bare Fastify route's ceiling
 * first, then Alertgate in rising rate steps until p99 accept latency or the lag gives way.
 */
import type { Figures } from '../lib/measure.js';
import { measure } from '../lib/measure.js';
import { printTable, runRows, type TargetCheck } from '../lib/report.js';
import { generatorFor, type Scenario, type ScenarioContext } from './scenario.js';

/** Prometheus Alertmanager 0.25 in-memory ingest on this kind of machine, 10-alert batches (issue 10). */
const ALERTMANAGER_BATCH_ALERTS_PER_SECOND = 23_000;
/** Steps go up by this factor until one fails. */
const STEP_FACTOR = 1.3;
const MAX_STEPS = 8;

/** ~1 KB alerts, as the reference figures were measured. */
const maxGenerator = (context: ScenarioContext, alertsPerRequest: number) =>
  generatorFor(context.options, { alertsPerRequest, size: { median: 1024, p99: 1536, max: 4096 } });

interface Step {
  rate: number;
  figures: Figures;
  passed: boolean;
  why: string;
}

function judge(context: ScenarioContext, rate: number, figures: Figures): Omit<Step, 'rate' | 'figures'> {
  const { options } = context;
  const reasons: string[] = [];
  const achieved = figures.requests.sent / figures.seconds;
  if (achieved < rate * 0.95) reasons.push(`reached ${Math.round(achieved)} of ${Math.round(rate)} requests/s`);
  if (figures.acceptLatencyMs.p99 > options.p99BoundMs) reasons.push(`p99 ${figures.acceptLatencyMs.p99} ms`);
  const drainLimit = Math.max(2, options.stepSeconds * 0.2);
  if (figures.drain && (!figures.drain.drained || figures.drain.seconds > drainLimit))
    reasons.push(`lag grew: drain ${figures.drain.seconds} s > ${drainLimit} s`);
  if (figures.requests.rejected + figures.requests.failed > 0) reasons.push('rejections or failures');
  if (figures.verification && !figures.verification.ok) reasons.push('verification failed');
  return { passed: reasons.length === 0, why: reasons.join('; ') };
}

async function searchMax(context: ScenarioContext, alertsPerRequest: number, start: number): Promise<Step[]> {
  const steps: Step[] = [];
  let rate = start;
  for (let i = 0; i < MAX_STEPS; i++) {
    const { figures } = await measure(context.target, {
      label: `alertgate ${alertsPerRequest}-alert requests at ${Math.round(rate)} req/s`,
      generator: maxGenerator(context, alertsPerRequest),
      phases: [
        {
          rate,
          seconds: context.options.stepSeconds,
          connections: context.options.connections,
          timeoutSeconds: context.options.stepSeconds * 2,
        },
      ],
    });
    const step = { rate, figures, ...judge(context, rate, figures) };
    steps.push(step);
    context.log(
      `  ${Math.round(rate)} req/s: ${step.passed ? 'sustained' : `not sustained (${step.why})`}; e2e ${figures.committedAlertsPerSecond ?? 'n/a'} alerts/s, p99 ${figures.acceptLatencyMs.p99} ms`,
    );
    if (!step.passed) {
      // Until one step holds, go down (to what the failed step actually reached, at most): there must
      // be a sustained figure. After that, the first failure ends the search.
      if (steps.every((s) => !s.passed)) {
        const reached = figures.requests.sent / figures.seconds;
        rate = Math.min(rate / (STEP_FACTOR * STEP_FACTOR), reached * 0.8);
        continue;
      }
      break;
    }
    rate *= STEP_FACTOR;
  }
  return steps;
}

export const max: Scenario = {
  name: 'max',
  describe: 'bare Fastify ceiling vs Alertgate highest sustainable end-to-end rate, 1- and 10-alert requests',
  async run(context) {
    const { options, log } = context;
    const runs: Figures[] = [];
    const checks: TargetCheck[] = [];
    const summary: Record<string, number | boolean | null> = {};
    for (const alertsPerRequest of [1, 10]) {
      let bareAlerts: number | null = null;
      let start = 500 / alertsPerRequest;
      const bare = await context.startBare?.();
      if (bare) {
        try {
          const { figures } = await measure(
            { ...context.target, url: bare.url, sql: undefined, depth: undefined, pid: bare.pid },
            {
              label: `bare Fastify ${alertsPerRequest}-alert requests, unrated`,
              generator: maxGenerator(context, alertsPerRequest),
              phases: [{ seconds: options.probeSeconds, connections: options.connections }],
              noDrain: true,
            },
          );
          runs.push(figures);
          bareAlerts = figures.acceptedAlertsPerSecond;
          start = (figures.requests.accepted / figures.seconds) * 0.3;
          log(`bare Fastify, ${alertsPerRequest}-alert requests: ${bareAlerts} alerts/s (${figures.sentMBps} MB/s)`);
        } finally {
          await bare.stop();
        }
      }
      log(`alertgate, ${alertsPerRequest}-alert requests: stepping up from ${Math.round(start)} req/s`);
      const steps = await searchMax(context, alertsPerRequest, start);
      runs.push(...steps.map((step) => step.figures));
      const best = steps.filter((step) => step.passed).at(-1);
      const bestE2e = best?.figures.committedAlertsPerSecond ?? null;
      const peakAccept = Math.max(...steps.map((step) => step.figures.acceptedAlertsPerSecond));
      const key = alertsPerRequest === 1 ? 'single' : 'batch10';
      summary[`${key}BareAlertsPerSecond`] = bareAlerts;
      summary[`${key}SustainedAlertsPerSecond`] = bestE2e;
      summary[`${key}PeakAcceptedAlertsPerSecond`] = peakAccept;
      summary[`${key}SustainedP99Ms`] = best?.figures.acceptLatencyMs.p99 ?? null;
      if (bareAlerts !== null) {
        const share = bestE2e === null ? 0 : bestE2e / bareAlerts;
        summary[`${key}ShareOfBare`] = Math.round(share * 100) / 100;
        checks.push({
          name: `${alertsPerRequest}-alert requests: end-to-end ≥ 60% of bare Fastify`,
          ok: share >= 0.6,
          detail: `${bestE2e ?? 0} committed alerts/s sustained vs ${bareAlerts} bare (${Math.round(share * 100)}%)`,
        });
      }
      if (alertsPerRequest === 10) {
        checks.push({
          name: '10-alert requests: ≥ Alertmanager in-memory ingest while persisting',
          ok: (bestE2e ?? 0) >= ALERTMANAGER_BATCH_ALERTS_PER_SECOND,
          detail: `${bestE2e ?? 0} vs ${ALERTMANAGER_BATCH_ALERTS_PER_SECOND} alerts/s (reference from the issue, not measured here)`,
        });
      }
      const failed = steps.filter((step) => step.figures.verification && !step.figures.verification.ok);
      checks.push({
        name: `${alertsPerRequest}-alert requests: nothing lost at any step`,
        ok: failed.length === 0,
        detail: failed.length === 0 ? `${steps.length} steps verified` : failed.map((s) => s.figures.label).join(', '),
      });
      printTable(
        `max: ${alertsPerRequest}-alert steps`,
        steps.map((step) => [
          `${Math.round(step.rate)} req/s`,
          `${step.passed ? 'ok ' : 'NO '} sent ${step.figures.sentAlertsPerSecond} alerts/s, e2e ${step.figures.committedAlertsPerSecond ?? 'n/a'} alerts/s, p99 ${step.figures.acceptLatencyMs.p99} ms, drain ${step.figures.drain?.seconds ?? 'n/a'} s, CPU ${step.figures.gateway?.cpuAvgPercent ?? 'n/a'}%${step.passed ? '' : ` (${step.why})`}`,
        ]),
      );
      if (best) printTable(`max: best sustained ${alertsPerRequest}-alert step`, runRows(best.figures));
    }
    return { runs, summary, checks };
  },
};
