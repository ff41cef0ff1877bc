/** Result file format, the 600 GB/day verdict, the human table, and where results are written. */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { BYTES_PER_SECOND_600GB_DAY, type Figures, round } from './measure.js';

export const RESULTS_DIR = new URL('../results/', import.meta.url).pathname;

/** A target from the issue, checked against this run's figures. */
export interface TargetCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface RunResult {
  scenario: string;
  startedAt: string;
  target: string;
  machine: { cpus: number; node: string };
  options: Record<string, unknown>;
  runs: Figures[];
  /** Headline figures of the scenario, compared with the baseline by `loadtest:compare`. */
  summary: Record<string, number | boolean | null>;
  checks: TargetCheck[];
}

export interface Sustains {
  yes: boolean;
  /** Sustained payload rate over 600 GB/day. */
  factor: number;
  why: string;
}

/**
 * 600 GB/day is sustained when the payload rate reached it with p99 accept latency within bound,
 * the lag did not grow (drained within a few seconds after sending stopped) and nothing was lost.
 */
export function sustains600(figures: Figures, p99BoundMs: number): Sustains {
  const factor = round((figures.sentMBps * 1e6) / BYTES_PER_SECOND_600GB_DAY, 2);
  const reasons: string[] = [];
  if (factor < 0.98) reasons.push(`payload rate ${figures.sentMBps} MB/s < 6.94 MB/s`);
  if (figures.acceptLatencyMs.p99 > p99BoundMs)
    reasons.push(`p99 ${figures.acceptLatencyMs.p99} ms > ${p99BoundMs} ms`);
  if (figures.drain && (!figures.drain.drained || figures.drain.seconds > 5))
    reasons.push(`lag grew (drain took ${figures.drain.seconds} s)`);
  if (figures.verification && !figures.verification.ok) reasons.push('verification failed');
  if (figures.requests.rejected > 0) reasons.push(`${figures.requests.rejected} requests rejected`);
  return { yes: reasons.length === 0, factor, why: reasons.join('; ') };
}

function fmt(value: number | null | undefined, unit = ''): string {
  if (value === null || value === undefined) return 'n/a';
  return `${value.toLocaleString('en-US')}${unit}`;
}

/** Metric/value rows for one run. */
export function runRows(figures: Figures): [string, string][] {
  const v = figures.verification;
  const latency = figures.acceptLatencyMs;
  const rows: [string, string][] = [
    ['duration', `${figures.seconds} s`],
    ['sent', `${fmt(figures.sentMBps)} MB/s, ${fmt(figures.sentAlertsPerSecond)} alerts/s`],
    [
      'requests sent / 202 / 429 / other / no answer',
      `${fmt(figures.requests.sent)} / ${fmt(figures.requests.accepted)} / ${fmt(figures.requests.rejected)} / ${fmt(figures.requests.failed)} / ${fmt(figures.requests.unanswered)}`,
    ],
    [
      'alerts sent / accepted / rejected',
      `${fmt(figures.alerts.sent)} / ${fmt(figures.alerts.accepted)} / ${fmt(figures.alerts.rejected)}`,
    ],
    ['accept latency p50 / p90 / p99 / max', `${latency.p50} / ${latency.p90} / ${latency.p99} / ${latency.max} ms`],
    ['enqueue→commit lag p99', figures.lagP99Seconds === null ? 'n/a' : `≤ ${figures.lagP99Seconds} s`],
    [
      'batches: alerts p50 / commit p99',
      figures.batch ? `≤ ${fmt(figures.batch.alertsP50)} alerts / ≤ ${fmt(figures.batch.commitP99Seconds)} s` : 'n/a',
    ],
    ['committed end-to-end', fmt(figures.committedAlertsPerSecond, ' alerts/s')],
    ['peak queue depth', fmt(figures.peakQueueDepth, ' jobs')],
    [
      'drain after sending',
      figures.drain ? `${figures.drain.seconds} s${figures.drain.drained ? '' : ' (NOT drained)'}` : 'n/a',
    ],
  ];
  if (figures.gateway) {
    const g = figures.gateway;
    rows.push([
      `Alertgate CPU avg / peak (${g.processesPeak} processes)`,
      `${g.cpuAvgPercent} / ${g.cpuPeakPercent} % of one core`,
    ]);
    rows.push([
      'Alertgate RSS peak / end / drift',
      `${g.rssPeakMb} / ${g.rssEndMb} MB / ${g.rssSlopeMbPerMinute} MB/min`,
    ]);
  }
  rows.push(['machine CPU busy (all cores)', `${figures.machineCpuPercent} %`]);
  if (v) {
    const stored = v.tenants.reduce((sum, t) => sum + t.stored, 0);
    const duplicates = v.tenants.reduce((sum, t) => sum + t.duplicates, 0);
    const rejected = v.tenants.reduce((sum, t) => sum + t.rejected, 0);
    rows.push([
      'stored + duplicates + rejected = sent',
      `${fmt(stored)} + ${fmt(duplicates)} + ${fmt(rejected)} = ${fmt(stored + duplicates + rejected)} vs ${fmt(figures.alerts.sent)}${v.unanswered > 0 ? ` (${v.unanswered} requests unanswered when the run was cut)` : ''}: ${v.ok ? 'OK' : `FAILED (${v.problems.join('; ')})`}`,
    ]);
  } else {
    rows.push(['verification', 'skipped (no database access)']);
  }
  return rows;
}

export function printTable(title: string, rows: [string, string][]): void {
  const width = Math.max(...rows.map(([name]) => name.length));
  console.log(`\n${title}`);
  console.log('─'.repeat(Math.min(120, width + 60)));
  for (const [name, value] of rows) console.log(`${name.padEnd(width)}  ${value}`);
}

export function printChecks(checks: TargetCheck[]): void {
  if (checks.length === 0) return;
  printTable(
    'targets',
    checks.map((check) => [check.name, `${check.ok ? 'MET' : 'MISSED'}: ${check.detail}`]),
  );
}

export async function writeResult(result: Omit<RunResult, 'machine'>): Promise<string> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const file = `${RESULTS_DIR}${result.startedAt.replaceAll(':', '-')}-${result.scenario}.json`;
  const full: RunResult = { ...result, machine: { cpus: cpus().length, node: process.version } };
  await writeFile(file, `${JSON.stringify(full, null, 2)}\n`);
  return file;
}

/** Result files, newest first (names start with the ISO start time). */
export async function resultFiles(): Promise<string[]> {
  const names = await readdir(RESULTS_DIR).catch(() => [] as string[]);
  return names
    .filter((name) => name.endsWith('.json'))
    .sort()
    .reverse()
    .map((name) => `${RESULTS_DIR}${name}`);
}
