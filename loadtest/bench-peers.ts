/**
 * Alertgate next to its peers in one run: the bare Fastify route (parse + 202), Prometheus
 * Alertmanager (Debian's package, in memory, null receiver) and Alertgate `all` (accepted, and stored
 * in PostgreSQL end to end), each alone on 127.0.0.1, driven by the same autocannon driver with the
 * same alerts, 1 and 10 per request.
 * `npm run bench:peers [-- --duration 15 --connections 50 --json]`
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/store/db.js';
import type { RequestStream } from './generator/generator.js';
import { type Figures, measure, type Target } from './lib/measure.js';
import { alertmanagerApiRequests, type PeerRequestOptions, webhookRequests } from './lib/peer-requests.js';
import { QueueDepth, waitForQuietMachine } from './lib/probes.js';
import { printChecks, type TargetCheck } from './lib/report.js';
import {
  ALERTMANAGER_BIN,
  cleanup,
  createTenants,
  type StartedProcess,
  startAlertgate,
  startAlertmanager,
  startBare,
} from './lib/stack.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '15' },
    connections: { type: 'string', default: '50' },
    json: { type: 'boolean', default: false },
  },
});
const duration = Number(values.duration);
const connections = Number(values.connections);
const SHAPES = [1, 10] as const;
const TENANTS = 4;
const KEYS_PER_TENANT = 2;
const WARM_UP_SECONDS = 2;
const DRAIN_TIMEOUT_SECONDS = 180;
/** The issue's targets for Alertgate's stored alerts/s with 1-alert requests. */
const STORED_TARGET = 2500;
const ALERTMANAGER_SHARE_TARGET = 0.5;

type Shape = (typeof SHAPES)[number];
/** One system at one request shape; alerts/s equals req/s at 1 alert/request. */
interface Cell {
  alertsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Requests answered with anything but 2xx (429s included); those still in flight at the end are not counted. */
  failedRequests: number;
  /** Alertgate: alerts committed per second from the first request to the last alert stored. */
  storedAlertsPerSecond: number | null;
  drainSeconds: number | null;
  verified: boolean | null;
  problems: string[];
  /** CPU of the system's processes while sending, % of one core. */
  serverCpuPercent: number | null;
  machineCpuPercent: number;
}
interface SystemResult {
  name: string;
  skipped?: string;
  cells: Partial<Record<Shape, Cell>>;
}

const log = (line: string) => console.error(`[bench:peers] ${line}`);
const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent' });
const database = openDatabase(config.DATABASE_URL, { max: 4, applicationName: 'alertgate-bench-peers' });
const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
const runId = `peers-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const keys = await createTenants(database, runId, TENANTS, KEYS_PER_TENANT);
const depth = new QueueDepth(redis, runId, config.SHARDS);
let running: StartedProcess | undefined;

let tornDown: Promise<void> | undefined;
const teardown = () => {
  tornDown ??= (async () => {
    await running?.stop();
    await depth.close();
    await cleanup(database, redis, keys.tenants, runId);
    await database.close();
    redis.disconnect();
  })();
  return tornDown;
};
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => void teardown().finally(() => process.exit(130)));

/** A warm-up (its alerts drained before measuring), then `duration` seconds at full speed. */
async function measureCell(target: Target, requests: RequestStream, label: string): Promise<Cell> {
  const noDrain = !target.sql;
  const phase = (seconds: number) => [{ seconds, connections }];
  await measure(target, { label: `${label} warm-up`, generator: requests, phases: phase(WARM_UP_SECONDS), noDrain });
  const { figures } = await measure(target, { label, generator: requests, phases: phase(duration), noDrain });
  const cell = toCell(figures);
  log(
    `${label}: ${cellText(cell, 'accepted')}${cell.storedAlertsPerSecond === null ? '' : `; ${cellText(cell, 'stored')}`}`,
  );
  return cell;
}

function toCell(figures: Figures): Cell {
  const { requests, verification, drain } = figures;
  return {
    alertsPerSecond: figures.acceptedAlertsPerSecond,
    p50Ms: figures.acceptLatencyMs.p50,
    p99Ms: figures.acceptLatencyMs.p99,
    failedRequests: requests.rejected + requests.failed,
    storedAlertsPerSecond: figures.committedAlertsPerSecond,
    drainSeconds: drain?.seconds ?? null,
    verified: verification?.ok ?? null,
    problems: verification?.problems ?? [],
    serverCpuPercent: figures.gateway?.cpuAvgPercent ?? null,
    machineCpuPercent: figures.machineCpuPercent,
  };
}

/** Starts a system, measures both request shapes against it, stops it. */
async function runSystem(
  name: string,
  start: () => Promise<StartedProcess>,
  target: (started: StartedProcess) => Omit<Target, 'keys' | 'drainTimeoutSeconds'>,
  requests: (options: PeerRequestOptions) => RequestStream,
): Promise<SystemResult> {
  log(`starting ${name}`);
  running = await start();
  const result: SystemResult = { name, cells: {} };
  try {
    for (const alertsPerRequest of SHAPES) {
      const stream = requests({ alertsPerRequest, tenants: TENANTS, keysPerTenant: KEYS_PER_TENANT });
      result.cells[alertsPerRequest] = await measureCell(
        { ...target(running), keys, drainTimeoutSeconds: DRAIN_TIMEOUT_SECONDS },
        stream,
        `${name}, ${alertsPerRequest} alert${alertsPerRequest > 1 ? 's' : ''}/request`,
      );
    }
  } finally {
    const code = await running.stop();
    if (code !== 0 && code !== null) log(`${name} exited with ${code}:\n${running.output()}`);
    running = undefined;
  }
  return result;
}

async function alertmanagerVersion(url: string): Promise<string> {
  const status = (await (await fetch(`${url}/api/v2/status`)).json()) as { versionInfo?: { version?: string } };
  return status.versionInfo?.version ?? '?';
}

function cellText(cell: Cell | undefined, which: 'accepted' | 'stored'): string {
  if (!cell) return '—';
  const number = (n: number) => n.toLocaleString('en-US');
  if (which === 'stored') {
    const verdict = cell.verified ? '' : `, NOT VERIFIED: ${cell.problems.join('; ')}`;
    return `${number(cell.storedAlertsPerSecond ?? 0)} alerts/s (drain ${cell.drainSeconds} s${verdict})`;
  }
  const failed = cell.failedRequests > 0 ? `, ${number(cell.failedRequests)} requests failed` : '';
  const p99 = cell.p99Ms >= 100 ? Math.round(cell.p99Ms) : cell.p99Ms.toFixed(1);
  return `${number(cell.alertsPerSecond)} alerts/s, p99 ${p99} ms${failed}`;
}

/** The comparison as a Markdown table (alerts/s = req/s at 1 alert/request), padded to read in a terminal too. */
function printComparison(rows: [string, SystemResult, 'accepted' | 'stored'][]): void {
  const lines = [
    ['system', ...SHAPES.map((shape) => `${shape} alert${shape > 1 ? 's' : ''}/request`)],
    ...rows.map(([name, result, which]) => [
      name,
      ...SHAPES.map((shape, i) => {
        if (result.skipped) return i === 0 ? `skipped: ${result.skipped}` : '—';
        return cellText(result.cells[shape], which);
      }),
    ]),
  ];
  const widths = (lines[0] as string[]).map((_, column) => Math.max(...lines.map((line) => line[column]?.length ?? 0)));
  const format = (line: string[]) => `| ${line.map((text, column) => text.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  console.log(`\nbench:peers: the same alerts, ${connections} connections, ${duration} s per cell\n`);
  console.log(format(lines[0] as string[]));
  console.log(format(widths.map((width) => '-'.repeat(width))));
  for (const line of lines.slice(1)) console.log(format(line));
}

function checks(alertgate: SystemResult, alertmanager: SystemResult): TargetCheck[] {
  const stored = alertgate.cells[1]?.storedAlertsPerSecond ?? 0;
  const peer = alertmanager.cells[1]?.alertsPerSecond;
  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
  return [
    {
      name: `Alertgate stored, 1-alert requests ≥ ${STORED_TARGET.toLocaleString('en-US')} alerts/s`,
      ok: stored >= STORED_TARGET,
      detail: `${stored.toLocaleString('en-US')} alerts/s = ${ratio(stored, STORED_TARGET)}`,
    },
    {
      name: `Alertgate stored ≥ ${ALERTMANAGER_SHARE_TARGET}× Alertmanager, 1-alert requests`,
      ok: peer !== undefined && stored >= peer * ALERTMANAGER_SHARE_TARGET,
      detail:
        peer === undefined
          ? `not measured: Alertmanager skipped (${alertmanager.skipped})`
          : `${stored.toLocaleString('en-US')} vs ${peer.toLocaleString('en-US')} alerts/s = ${ratio(stored, peer)}`,
    },
  ];
}

try {
  const startedAt = new Date().toISOString();
  const busyBefore = await waitForQuietMachine(25, 30);
  log(`machine busy before sending: ${busyBefore}% of all cores; ${duration} s per cell, ${connections} connections`);
  const httpOnly = (started: StartedProcess) => ({ url: started.url, pid: started.pid });

  const bare = await runSystem('bare Fastify route (parse + 202)', startBare, httpOnly, webhookRequests);
  let alertmanager: SystemResult = {
    name: 'Prometheus Alertmanager',
    skipped: `${ALERTMANAGER_BIN} not found`,
    cells: {},
  };
  if (existsSync(ALERTMANAGER_BIN)) {
    let version = '?';
    alertmanager = await runSystem(
      'Prometheus Alertmanager',
      async () => {
        const started = await startAlertmanager();
        version = await alertmanagerVersion(started.url);
        return started;
      },
      httpOnly,
      alertmanagerApiRequests,
    );
    alertmanager.name = `Prometheus Alertmanager ${version} (in memory)`;
  } else
    log(
      `skipping Alertmanager: ${alertmanager.skipped} (Debian package prometheus-alertmanager; scripts/stack.sh up installs it)`,
    );
  const alertgate = await runSystem(
    'Alertgate `all`',
    () => startAlertgate({ QUEUE_PREFIX: runId }),
    (started) => ({ url: started.url, pid: started.pid, sql: database.sql, depth }),
    webhookRequests,
  );

  const targets = checks(alertgate, alertmanager);
  if (values.json) {
    const result = {
      benchmark: 'peers',
      startedAt,
      options: { durationSeconds: duration, connections, warmUpSeconds: WARM_UP_SECONDS },
      machine: { cpus: cpus().length, node: process.version, busyBeforePercent: busyBefore },
      systems: [bare, alertmanager, alertgate],
      checks: targets,
    };
    console.log(JSON.stringify(result, null, 2));
  } else {
    printComparison([
      [bare.name, bare, 'accepted'],
      [alertmanager.name, alertmanager, 'accepted'],
      ['Alertgate `all`, accepted', alertgate, 'accepted'],
      ['Alertgate `all`, stored end to end', alertgate, 'stored'],
    ]);
    printChecks(targets);
  }
} finally {
  await teardown();
}
