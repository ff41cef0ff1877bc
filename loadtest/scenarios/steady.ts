/** Constant-rate scenarios sized in multiples of 600 GB/day: steady, spike, soak. */
import { BYTES_PER_SECOND_600GB_DAY, type Figures, meanBodyBytes, measure } from '../lib/measure.js';
import { sustains600, type TargetCheck } from '../lib/report.js';
import { generatorFor, type Scenario, type ScenarioContext, type ScenarioOptions } from './scenario.js';

/** Requests per second that carry `multiple` × 600 GB/day with the realistic mix. */
function requestRate(options: ScenarioOptions, multiple: number): number {
  const mean = meanBodyBytes(() => generatorFor(options));
  return (BYTES_PER_SECOND_600GB_DAY * multiple) / mean;
}

function summaryOf(figures: Figures, options: ScenarioOptions) {
  const verdict = sustains600(figures, options.p99BoundMs);
  return {
    mbPerSecond: figures.sentMBps,
    alertsPerSecond: figures.sentAlertsPerSecond,
    p50Ms: figures.acceptLatencyMs.p50,
    p99Ms: figures.acceptLatencyMs.p99,
    lagP99Seconds: figures.lagP99Seconds,
    peakQueueDepth: figures.peakQueueDepth,
    cpuAvgPercent: figures.gateway?.cpuAvgPercent ?? null,
    rssPeakMb: figures.gateway?.rssPeakMb ?? null,
    verified: figures.verification?.ok ?? null,
    sustains600GbDay: verdict.yes,
    sustainsFactor: verdict.factor,
  };
}

function commonChecks(figures: Figures, options: ScenarioOptions): TargetCheck[] {
  const checks: TargetCheck[] = [];
  if (figures.verification) {
    checks.push({
      name: 'nothing lost, nothing doubled',
      ok: figures.verification.ok,
      detail: figures.verification.ok
        ? 'stored + duplicates + rejected = sent, per tenant'
        : figures.verification.problems.join('; '),
    });
  }
  if (figures.drain) {
    checks.push({
      name: 'flat lag',
      ok: figures.drain.drained && figures.drain.seconds <= 5,
      detail: `drained ${figures.drain.seconds} s after sending stopped; peak queue ${figures.peakQueueDepth ?? 'n/a'} jobs; lag p99 ≤ ${figures.lagP99Seconds ?? 'n/a'} s`,
    });
  }
  const verdict = sustains600(figures, options.p99BoundMs);
  checks.push({
    name: 'sustains 600 GB/day',
    ok: verdict.yes,
    detail: `${verdict.yes ? 'yes' : 'no'} (×${verdict.factor})${verdict.why ? `: ${verdict.why}` : ''}`,
  });
  return checks;
}

export const steady: Scenario = {
  name: 'steady',
  describe: '600 GB/day × --rate for --duration seconds with the realistic mix',
  async run({ target, options, log }: ScenarioContext) {
    const rate = requestRate(options, options.rate);
    log(`steady: ${Math.round(rate)} requests/s for ${options.duration} s (${options.rate}× 600 GB/day)`);
    const { figures } = await measure(target, {
      label: `steady ${options.rate}×`,
      generator: generatorFor(options),
      phases: [
        {
          rate,
          seconds: options.duration,
          connections: options.connections,
          timeoutSeconds: options.duration * 1.5 + 10,
        },
      ],
    });
    const checks = [
      {
        name: `p99 accept latency ≤ ${options.p99BoundMs} ms`,
        ok: figures.acceptLatencyMs.p99 <= options.p99BoundMs,
        detail: `p99 ${figures.acceptLatencyMs.p99} ms`,
      },
      ...commonChecks(figures, options),
    ];
    return { runs: [figures], summary: summaryOf(figures, options), checks };
  },
};

export const soak: Scenario = {
  name: 'soak',
  describe: 'steady load for --duration seconds while watching gateway memory and lag',
  async run({ target, options, log }: ScenarioContext) {
    const rate = requestRate(options, options.rate);
    log(`soak: ${Math.round(rate)} requests/s for ${options.duration} s`);
    const { figures } = await measure(target, {
      label: `soak ${options.rate}×`,
      generator: generatorFor(options),
      phases: [
        {
          rate,
          seconds: options.duration,
          connections: options.connections,
          timeoutSeconds: options.duration * 1.5 + 10,
        },
      ],
    });
    const checks = commonChecks(figures, options);
    if (figures.gateway) {
      // `all` runs one process per role; the bound is per process.
      const { rssPeakMb, processesPeak } = figures.gateway;
      checks.push({
        name: 'RSS ≤ 400 MB per process',
        ok: rssPeakMb <= 400 * processesPeak,
        detail: `peak ${rssPeakMb} MB over ${processesPeak} process(es)`,
      });
      checks.push({
        name: 'no upward RSS drift',
        ok: figures.gateway.rssSlopeMbPerMinute <= 1,
        detail: `${figures.gateway.rssSlopeMbPerMinute} MB/min over the second half (≤ 1 MB/min)`,
      });
    }
    return {
      runs: [figures],
      summary: { ...summaryOf(figures, options), rssSlopeMbPerMinute: figures.gateway?.rssSlopeMbPerMinute ?? null },
      checks,
    };
  },
};

export const spike: Scenario = {
  name: 'spike',
  describe: '--rate for a quarter of --duration, 5× that for half, then back for the last quarter',
  async run({ target, options, log }: ScenarioContext) {
    const rate = requestRate(options, options.rate);
    const quarter = options.duration / 4;
    log(`spike: ${Math.round(rate)} → ${Math.round(rate * 5)} → ${Math.round(rate)} requests/s`);
    const phase = (multiple: number, seconds: number) => ({
      rate: rate * multiple,
      seconds,
      connections: options.connections,
      timeoutSeconds: seconds * 4,
    });
    const { figures } = await measure(target, {
      label: `spike ${options.rate}× → ${options.rate * 5}×`,
      generator: generatorFor(options),
      phases: [phase(1, quarter), phase(5, quarter * 2), phase(1, quarter)],
    });
    const checks = commonChecks(figures, options).filter((check) => check.name !== 'sustains 600 GB/day');
    return { runs: [figures], summary: summaryOf(figures, options), checks };
  },
};
