/**
 * `alertgate all` as real processes: the supervisor runs gateway, worker and archiver children,
 * merges their metrics, restarts a killed child and drains them all on SIGTERM; a child failing its
 * first start stops the supervisor instead.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { type AlertgateProcess, childProcesses, startAlertgate } from '../support/alertgate-process.js';
import { type FaultStack, openFaultStack } from '../support/fault-stack.js';
import { waitFor } from '../support/harness.js';
import { parsePrometheus, total } from '../support/prometheus-text.js';
import { closedPort } from '../support/search-app.js';
import { storedCounts } from '../support/stored-alerts.js';

const GATEWAYS = 2;
const WORKERS = 1;
const CHILDREN = GATEWAYS + WORKERS + 1;

let faults: FaultStack;
let supervisor: AlertgateProcess;

beforeAll(async () => {
  faults = await openFaultStack({ SHARDS: '4' });
  supervisor = await faults.supervisor(CHILDREN, {
    GATEWAY_PROCESSES: String(GATEWAYS),
    WORKER_PROCESSES: String(WORKERS),
    LOG_LEVEL: 'info',
  });
}, 150_000);

afterAll(async () => {
  await faults?.close();
});

async function sendAlert(name: string): Promise<number> {
  const response = await fetch(`${faults.url}/alerts/event`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': faults.key },
    body: JSON.stringify({ name, severity: 'warning' }),
  });
  return response.status;
}

async function waitStored(name: string): Promise<void> {
  await waitFor(
    async () => (await storedCounts(faults.stack.services.database.sql, faults.tenant)).get(name) === 1,
    60_000,
    200,
  );
}

async function scrape() {
  const response = await fetch(`${faults.url}/metrics`);
  expect(response.status).toBe(200);
  return parsePrometheus(await response.text());
}

describe('alertgate all', () => {
  it('runs each gateway, worker and the archiver in a child process of its own', async () => {
    onTestFailed(() => console.error(faults.outputs()));
    const roles = (await childProcesses(supervisor.pid)).map((child) => child.role).sort();
    expect(roles).toEqual(['archive', 'serve', 'serve', 'worker']);
    expect(supervisor.output()).toContain('supervising 2 gateway, 1 worker and 1 archiver process(es)');
  });

  it('stores an accepted alert, and every gateway serves the counters of all processes on /metrics', async () => {
    onTestFailed(() => console.error(faults.outputs()));
    expect(await sendAlert('supervised-first')).toBe(202);
    await waitStored('supervised-first');
    // Two gateways share the port and one of them accepted the alert: every scrape, whichever
    // gateway answers it, counts the alert once (gateway counter) and its commit (worker counters).
    for (let scrapeNumber = 0; scrapeNumber < 4; scrapeNumber++) {
      const samples = await scrape();
      expect(total(samples, 'alertgate_ingest_alerts_accepted_total', { provider: 'keep' })).toBe(1);
      expect(total(samples, 'alertgate_dedup_alerts_total', { outcome: 'new' })).toBeGreaterThanOrEqual(1);
      expect(total(samples, 'alertgate_batch_commit_seconds_count')).toBeGreaterThanOrEqual(1);
      expect(total(samples, 'alertgate_supervisor_children', { role: 'serve' })).toBe(GATEWAYS);
      expect(total(samples, 'alertgate_supervisor_children', { role: 'worker' })).toBe(WORKERS);
      // A level every gateway samples cluster-wide is merged by max, not added up per gateway.
      expect(total(samples, 'alertgate_live_workers')).toBe(WORKERS);
    }
  });

  it('restarts a child killed with SIGKILL, later ones more slowly, and keeps accepting and storing', async () => {
    onTestFailed(() => console.error(faults.outputs()));
    const killAndAwaitRestart = async (restarts: number, delayMs: number) => {
      const killed = (await childProcesses(supervisor.pid)).find((child) => child.role === 'worker');
      if (!killed) throw new Error('no worker child');
      process.kill(killed.pid, 'SIGKILL');
      const restarted = await waitFor(
        async () =>
          (await childProcesses(supervisor.pid)).find((child) => child.role === 'worker' && child.pid !== killed.pid),
        60_000,
        200,
      );
      expect(supervisor.output()).toContain(
        `"child":{"role":"worker","index":0,"pid":${killed.pid}},"code":null,"signal":"SIGKILL","restarts":${restarts},"delayMs":${delayMs},"msg":"child exited unexpectedly; restarting"`,
      );
      return restarted;
    };
    await killAndAwaitRestart(1, 1000);
    // Killed again soon after: the delay doubles instead of restarting at once.
    const restarted = await killAndAwaitRestart(2, 2000);
    // The restarted worker takes the shards over and logs under its own pid.
    expect(await sendAlert('supervised-after-restart')).toBe(202);
    await waitStored('supervised-after-restart');
    expect(supervisor.output()).toContain(`"role":"worker","pid":${restarted.pid}`);
    const samples = await scrape();
    expect(total(samples, 'alertgate_supervisor_restarts_total', { role: 'worker' })).toBe(2);
  }, 150_000);

  it('drains every child on SIGTERM and exits 0', async () => {
    onTestFailed(() => console.error(faults.outputs()));
    const children = await childProcesses(supervisor.pid);
    expect(children).toHaveLength(CHILDREN);
    await supervisor.kill('SIGTERM');
    expect(supervisor.exitCode).toBe(0);
    for (const child of children) {
      expect(supervisor.output()).toContain(`"pid":${child.pid},"msg":"shutdown complete"`);
      expect(() => process.kill(child.pid, 0)).toThrow(/ESRCH/);
    }
  }, 60_000);
});

it('exits 1 without restarting anything when a child fails its first start', async () => {
  const failing = await startAlertgate(
    'all',
    {
      QUEUE_PREFIX: faults.stack.config.QUEUE_PREFIX,
      HOST: '127.0.0.1',
      PORT: String(await closedPort()),
      LOG_LEVEL: 'warn',
      TARGETS_FILE: '/nonexistent/targets.yaml',
    },
    async () => true,
  );
  try {
    await waitFor(() => !failing.running, 120_000, 200);
    expect(failing.exitCode, failing.output()).toBe(1);
    expect(failing.output()).toMatch(
      /alertgate: alertgate (serve|worker) exited during start-up \(code 1, signal null\)/,
    );
    expect(failing.output()).not.toContain('restarting');
  } finally {
    await failing.kill('SIGKILL');
  }
}, 150_000);
