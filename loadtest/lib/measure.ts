/** One measured run: send phases, wait for the drain, verify, and condense everything into figures. */
import type { Sql } from '../../src/store/db.js';
import type { AlertGenerator, RequestStream } from '../generator/generator.js';
import { drive, type KeyRing, type LatencySummary, type LoadPhase, LoadTally } from './load.js';
import {
  type HistogramBuckets,
  histogramQuantile,
  machineTicks,
  ProcessSampler,
  type ProcessStats,
  type QueueDepth,
  QueueSampler,
  scrapeHistogram,
} from './probes.js';
import { type Committed, committedPerTenant, total, type Verification, verify, waitForDrain } from './verify.js';

/** 600 GB/day of payload in bytes per second (decimal units, as the sizing is stated). */
export const BYTES_PER_SECOND_600GB_DAY = 600e9 / 86_400;

/** The deployment under test and the handles the checks need; local runs have all of them. */
export interface Target {
  url: string;
  keys: KeyRing;
  /** Verification and drain detection need SQL access to the deployment's database. */
  sql?: Sql;
  depth?: QueueDepth;
  /** Gateway process on this machine, for CPU and RSS. */
  pid?: number;
  drainTimeoutSeconds: number;
}

export interface Figures {
  label: string;
  seconds: number;
  requests: { sent: number; accepted: number; rejected: number; failed: number; unanswered: number };
  alerts: { sent: number; accepted: number; rejected: number; committed: number | null };
  sentMBps: number;
  sentAlertsPerSecond: number;
  acceptedAlertsPerSecond: number;
  /** Committed (stored or counted duplicate) alerts over sending + drain time: end-to-end throughput. */
  committedAlertsPerSecond: number | null;
  acceptLatencyMs: LatencySummary;
  lagP99Seconds: number | null;
  /** Worker batches during the run: median alerts per batch and p99 commit time (bucket bounds). */
  batch: { alertsP50: number | null; commitP99Seconds: number | null } | null;
  peakQueueDepth: number | null;
  drain: { drained: boolean; seconds: number } | null;
  gateway: Omit<ProcessStats, 'samples'> | null;
  machineCpuPercent: number;
  verification: Verification | null;
  statusCodes: Record<string, number>;
}

export interface MeasureOptions {
  label: string;
  generator: RequestStream;
  phases: LoadPhase[];
  /** Loads running at the same time with their own generator (e.g. the hot provider in `ratelimit`). */
  alongside?: { generator: RequestStream; phases: LoadPhase[]; tally: LoadTally }[];
  /** Skip waiting for the drain (bare route). */
  noDrain?: boolean;
}

const HISTOGRAMS = ['alertgate_enqueue_to_commit_seconds', 'alertgate_batch_alerts', 'alertgate_batch_commit_seconds'];

/** The pipeline histograms from /metrics, or null when the target does not expose them. */
async function pipelineHistograms(target: Target): Promise<HistogramBuckets[] | null> {
  return Promise.all(HISTOGRAMS.map((name) => scrapeHistogram(target.url, name))).catch(() => null);
}

async function committed(target: Target): Promise<Map<string, Committed> | null> {
  return target.sql ? committedPerTenant(target.sql, target.keys.tenants) : null;
}

function minus(after: Map<string, Committed>, before: Map<string, Committed>): Map<string, Committed> {
  return new Map(
    [...after].map(([tenant, value]) => {
      const previous = before.get(tenant) ?? { stored: 0, duplicates: 0 };
      return [tenant, { stored: value.stored - previous.stored, duplicates: value.duplicates - previous.duplicates }];
    }),
  );
}

/** Runs the phases (and any loads alongside), then drains and verifies; returns the run's figures and tally. */
export async function measure(
  target: Target,
  options: MeasureOptions,
): Promise<{ figures: Figures; tally: LoadTally }> {
  const tally = new LoadTally();
  const histogramsBefore = options.noDrain ? null : await pipelineHistograms(target);
  const committedBefore = options.noDrain ? null : await committed(target);
  const sampler = target.pid ? new ProcessSampler(target.pid) : undefined;
  const queue = target.depth && !options.noDrain ? new QueueSampler(target.depth) : undefined;
  sampler?.start();
  queue?.start();
  const machineBefore = await machineTicks();
  const main = (async () => {
    for (const phase of options.phases) await drive(target.url, options.generator, target.keys, phase, tally);
  })();
  const others = (options.alongside ?? []).map(async (load) => {
    for (const phase of load.phases) await drive(target.url, load.generator, target.keys, phase, load.tally);
  });
  await Promise.all([main, ...others]);

  // The main load's sending time: rates are per second of it.
  const seconds = tally.seconds;
  const machineAfter = await machineTicks();
  const gateway = sampler?.stop() ?? null;
  const tallies = [tally, ...(options.alongside ?? []).map((load) => load.tally)];
  const accepted = tallies.reduce((sum, t) => sum + t.acceptedAlerts, 0);

  let drain: Figures['drain'] = null;
  let verification: Verification | null = null;
  let committedAlerts: number | null = null;
  if (target.sql && committedBefore) {
    const drained = await waitForDrain(
      target.sql,
      target.keys.tenants,
      total(committedBefore) + accepted,
      target.depth,
      target.drainTimeoutSeconds,
    );
    drain = { drained: drained.drained, seconds: drained.seconds };
    const delta = minus(drained.committed, committedBefore);
    committedAlerts = total(delta);
    verification = verify(tallies, target.keys, delta);
    if (!drained.drained) verification.problems.push(`not drained after ${target.drainTimeoutSeconds} s`);
    verification.ok = verification.problems.length === 0;
  }
  queue?.stop();
  const histogramsAfter = options.noDrain ? null : await pipelineHistograms(target);
  const quantile = (index: number, q: number) =>
    histogramsBefore && histogramsAfter
      ? histogramQuantile(histogramsBefore[index] as HistogramBuckets, histogramsAfter[index] as HistogramBuckets, q)
      : null;
  const lagP99 = quantile(0, 0.99);

  const sum = (pick: (t: LoadTally) => number) => tallies.reduce((acc, t) => acc + pick(t), 0);
  const sentBytes = sum((t) => t.sentBytes);
  const statusCodes: Record<string, number> = {};
  for (const t of tallies) {
    for (const [code, count] of Object.entries(t.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + count;
  }
  const { samples: _samples, ...gatewaySummary } = gateway ?? { samples: [] };
  const figures: Figures = {
    label: options.label,
    seconds: round(seconds, 1),
    requests: {
      sent: sum((t) => t.sentRequests),
      accepted: sum((t) => t.acceptedRequests),
      rejected: sum((t) => t.rejectedRequests),
      failed: sum((t) => t.failedRequests),
      unanswered: sum((t) => t.unanswered),
    },
    alerts: {
      sent: sum((t) => t.sentAlerts),
      accepted,
      rejected: sum((t) => t.rejectedAlerts),
      committed: committedAlerts,
    },
    sentMBps: round(sentBytes / 1e6 / seconds, 2),
    sentAlertsPerSecond: Math.round(sum((t) => t.sentAlerts) / seconds),
    acceptedAlertsPerSecond: Math.round(accepted / seconds),
    committedAlertsPerSecond:
      committedAlerts === null || !drain ? null : Math.round(committedAlerts / (seconds + drain.seconds)),
    acceptLatencyMs: tally.latency('accepted'),
    lagP99Seconds: lagP99,
    batch: histogramsAfter ? { alertsP50: quantile(1, 0.5), commitP99Seconds: quantile(2, 0.99) } : null,
    peakQueueDepth: queue ? queue.peak : null,
    drain: drain ? { drained: drain.drained, seconds: round(drain.seconds, 1) } : null,
    gateway: gateway ? (gatewaySummary as Omit<ProcessStats, 'samples'>) : null,
    machineCpuPercent: round(
      ((machineAfter.busy - machineBefore.busy) / Math.max(1, machineAfter.total - machineBefore.total)) * 100,
      1,
    ),
    verification,
    statusCodes,
  };
  if (figures.gateway) {
    figures.gateway.cpuAvgPercent = round(figures.gateway.cpuAvgPercent, 1);
    figures.gateway.cpuPeakPercent = round(figures.gateway.cpuPeakPercent, 1);
    figures.gateway.rssPeakMb = round(figures.gateway.rssPeakMb, 1);
    figures.gateway.rssEndMb = round(figures.gateway.rssEndMb, 1);
    figures.gateway.rssSlopeMbPerMinute = round(figures.gateway.rssSlopeMbPerMinute, 2);
  }
  return { figures, tally };
}

export function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Mean body size of the generator's stream, from a fresh generator with the same options. */
export function meanBodyBytes(make: () => AlertGenerator, sample = 20_000): number {
  const generator = make();
  let bytes = 0;
  for (let i = 0; i < sample; i++) bytes += Buffer.byteLength(generator.next().body);
  return bytes / sample;
}
