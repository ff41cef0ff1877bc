/** What the load test watches while it runs: process CPU and RSS, queue depth, and /metrics. */
import { readdir, readFile } from 'node:fs/promises';
import type { Redis } from 'ioredis';
import { sampleLogDepth } from '../../src/pipeline/log-depth.js';

/** Linux clock ticks per second for /proc/<pid>/stat (USER_HZ, 100 on every mainstream kernel). */
const CLOCK_TICKS = 100;

export interface ProcessSample {
  /** Seconds since sampling started. */
  at: number;
  /** CPU used since the previous sample, in % of one core. */
  cpuPercent: number;
  rssMb: number;
  /** Processes sampled: the one started and its children (`all` supervises one per role). */
  processes: number;
}

export interface ProcessStats {
  samples: ProcessSample[];
  cpuAvgPercent: number;
  cpuPeakPercent: number;
  rssPeakMb: number;
  rssEndMb: number;
  /** Most processes in one sample. */
  processesPeak: number;
  /** Least-squares slope of RSS over the second half of the run, MB per minute (drift when clearly positive). */
  rssSlopeMbPerMinute: number;
}

/** Fields of /proc/<pid>/stat after the parenthesised command name (field 3 onwards). */
async function statFields(pid: number | string): Promise<string[]> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** User plus system CPU a local process has used so far, in seconds. */
export async function cpuSeconds(pid: number): Promise<number> {
  // utime and stime are fields 14 and 15.
  const fields = await statFields(pid);
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/**
 * CPU used so far by every local process named `command` (e.g. `postgres`), in seconds, including
 * its exited children (cutime, cstime: fields 16 and 17), so short-lived PostgreSQL backends and
 * Redis rewrite forks still count. Differences between two readings are what the service spent.
 */
export async function serviceCpuSeconds(command: string): Promise<number> {
  let ticks = 0;
  for (const pid of (await readdir('/proc')).filter((entry) => /^\d+$/.test(entry))) {
    try {
      if ((await readFile(`/proc/${pid}/comm`, 'utf8')).trim() !== command) continue;
      const fields = await statFields(pid);
      ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    } catch {
      // The process exited between listing and reading.
    }
  }
  return ticks / CLOCK_TICKS;
}

/**
 * CPU the Redis server behind `redis` has used so far, in seconds (INFO cpu): that server alone,
 * not every redis-server on the machine.
 */
export async function redisCpuSeconds(redis: Pick<Redis, 'info'>): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return field('used_cpu_user') + field('used_cpu_sys');
}

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) / 1024 : 0;
}

/** `pid` and every live process below it (children, their children, …), from the parent pids in /proc. */
async function processTree(pid: number): Promise<number[]> {
  const children = new Map<number, number[]>();
  for (const entry of (await readdir('/proc')).filter((name) => /^\d+$/.test(name))) {
    try {
      const parent = Number((await statFields(entry))[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    } catch {
      // The process exited between listing and reading.
    }
  }
  const tree = [pid];
  for (let index = 0; index < tree.length; index++) tree.push(...(children.get(tree[index] as number) ?? []));
  return tree;
}

/**
 * CPU seconds and RSS of a process tree: each live member's own CPU plus that of its exited
 * children (cutime, cstime), so a child that crashed and was restarted still counts.
 */
async function treeUsage(pid: number): Promise<{ cpu: number; rss: number; processes: number }> {
  let ticks = 0;
  let rss = 0;
  let processes = 0;
  for (const member of await processTree(pid)) {
    try {
      const fields = await statFields(member);
      ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
      rss += await rssMb(member);
      processes++;
    } catch {
      // Exited since the tree was read.
    }
  }
  return { cpu: ticks / CLOCK_TICKS, rss, processes };
}

/** Samples the CPU and RSS of a local process and its children once a second through /proc. */
export class ProcessSampler {
  private readonly samples: ProcessSample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private last: { cpu: number; at: number } | undefined;
  private readonly started = performance.now();

  constructor(readonly pid: number) {}

  start(): void {
    const tick = async () => {
      const at = (performance.now() - this.started) / 1000;
      const { cpu, rss, processes } = await treeUsage(this.pid);
      if (this.last) {
        const cpuPercent = ((cpu - this.last.cpu) / (at - this.last.at)) * 100;
        this.samples.push({ at, cpuPercent, rssMb: rss, processes });
      }
      this.last = { cpu, at };
    };
    this.timer = setInterval(() => void tick().catch(() => {}), 1000);
    void tick().catch(() => {});
  }

  /** Stops sampling and summarises every sample taken. */
  stop(): ProcessStats {
    clearInterval(this.timer);
    return summarizeProcess(this.samples);
  }
}

export function summarizeProcess(samples: readonly ProcessSample[]): ProcessStats {
  const cpu = samples.map((sample) => sample.cpuPercent);
  const rss = samples.map((sample) => sample.rssMb);
  const half = samples.slice(Math.floor(samples.length / 2));
  return {
    samples: [...samples],
    cpuAvgPercent: cpu.length ? cpu.reduce((sum, value) => sum + value, 0) / cpu.length : 0,
    cpuPeakPercent: Math.max(0, ...cpu),
    rssPeakMb: Math.max(0, ...rss),
    rssEndMb: rss.at(-1) ?? 0,
    processesPeak: Math.max(0, ...samples.map((sample) => sample.processes)),
    rssSlopeMbPerMinute: slope(half.map((sample) => [sample.at, sample.rssMb])) * 60,
  };
}

/** Least-squares slope of y over x. */
export function slope(points: readonly (readonly [number, number])[]): number {
  if (points.length < 2) return 0;
  const n = points.length;
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / n;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - meanX) * (y - meanY);
    den += (x - meanX) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** Ingest log entries not yet committed, all shards and lanes. */
export class QueueDepth {
  constructor(
    private readonly connection: Redis,
    private readonly prefix: string,
    private readonly shards: number,
  ) {}

  async read(): Promise<number> {
    const depths = await sampleLogDepth(this.connection, this.prefix, this.shards);
    return depths.reduce((sum, depth) => sum + depth.entries.urgent + depth.entries.normal, 0);
  }

  async close(): Promise<void> {}
}

/** Tracks the peak and the timeline of the queue depth, sampled once a second. */
export class QueueSampler {
  readonly timeline: { at: number; depth: number }[] = [];
  peak = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly started = performance.now();

  constructor(private readonly depth: QueueDepth) {}

  start(): void {
    const tick = async () => {
      const depth = await this.depth.read();
      this.peak = Math.max(this.peak, depth);
      this.timeline.push({ at: Math.round((performance.now() - this.started) / 100) / 10, depth });
    };
    this.timer = setInterval(() => void tick().catch(() => {}), 1000);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** Cumulative buckets of one Prometheus histogram: upper bound → count. */
export type HistogramBuckets = Map<number, number>;

/** Reads one histogram (summed over label sets) from GET /metrics. */
export async function scrapeHistogram(baseUrl: string, name: string): Promise<HistogramBuckets> {
  const response = await fetch(`${baseUrl}/metrics`);
  if (!response.ok) throw new Error(`GET /metrics answered ${response.status}`);
  return parseHistogram(await response.text(), name);
}

/** Cumulative buckets of histogram `name` in Prometheus text format, summed over its label sets. */
export function parseHistogram(text: string, name: string): HistogramBuckets {
  const buckets: HistogramBuckets = new Map();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}_bucket{`)) continue;
    const match = /[{,]le="([^"]+)"[^}]*\}\s+(\S+)$/.exec(line);
    if (!match) continue;
    const le = match[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(match[1]);
    buckets.set(le, (buckets.get(le) ?? 0) + Number(match[2]));
  }
  return buckets;
}

/** Upper bound of the bucket holding quantile `q` of the observations made between two scrapes. */
export function histogramQuantile(before: HistogramBuckets, after: HistogramBuckets, q: number): number | null {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const delta = bounds.map((le) => (after.get(le) ?? 0) - (before.get(le) ?? 0));
  const total = delta.at(-1) ?? 0;
  if (total <= 0) return null;
  const index = delta.findIndex((count) => count >= q * total);
  return bounds[index] ?? null;
}

/** Busy and total jiffies of the whole machine, from the first line of /proc/stat. */
export async function machineTicks(): Promise<{ busy: number; total: number }> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0] ?? '';
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const total = values.reduce((sum, value) => sum + value, 0);
  // idle + iowait are not busy.
  return { busy: total - (values[3] ?? 0) - (values[4] ?? 0), total };
}

/** Share of all cores busy over `ms` milliseconds, in %. */
export async function machineBusy(ms: number): Promise<number> {
  const before = await machineTicks();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = await machineTicks();
  return ((after.busy - before.busy) / Math.max(1, after.total - before.total)) * 100;
}

/**
 * Waits (up to `maxSeconds`) for other work on this machine to calm down below `thresholdPercent`,
 * because a shared box makes every figure noise; returns the last reading so the report can say so.
 */
export async function waitForQuietMachine(thresholdPercent: number, maxSeconds: number): Promise<number> {
  const deadline = Date.now() + maxSeconds * 1000;
  let busy = await machineBusy(2000);
  while (busy > thresholdPercent && Date.now() < deadline) busy = await machineBusy(2000);
  return Math.round(busy);
}
