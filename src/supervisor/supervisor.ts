import cluster, { type Worker } from 'node:cluster';
import { once } from 'node:events';
import type { Logger } from 'pino';
import { supervisedChildren, supervisedRestarts } from '../metrics.js';
import { isMessage, type SupervisorMessage } from './messages.js';
import { MetricsCollector } from './metrics-collector.js';
import type { ProcessSlot, SupervisedRole } from './process-plan.js';
import { nextFailureCount, restartDelayMs } from './restart-backoff.js';

interface Slot extends ProcessSlot {
  child?: Worker;
  /** Whether the current child has started its role. */
  ready: boolean;
  /** Whether any child of this slot ever started its role; a failure before that stops everything. */
  everReady: boolean;
  forkedAt: number;
  /** Unasked exits in a row (reset by a child that stayed up a while). */
  failures: number;
  restarts: number;
  restartTimer?: NodeJS.Timeout;
}

/** How the supervisor stops (the `supervisor.drain` config section). */
export interface SupervisorOptions {
  /** Time each child gets to drain on stop before it is killed, in ms (SHUTDOWN_GRACE_MS). */
  graceMs: number;
}

/** A child exited before its role started, on its first start: the configuration or a dependency is wrong. */
export class ChildStartupError extends Error {}

/**
 * Runs each slot of the plan as a node:cluster worker (`alertgate <role>` in a child process;
 * gateways share the HTTP port through the cluster), restarts a child that exits unasked after a
 * growing delay, merges every child's metrics for /metrics, and drains them all on `stop`.
 */
export class Supervisor {
  private readonly slots: Slot[];
  private readonly metrics: MetricsCollector;
  private stopping: Promise<void> | undefined;
  private started?: { resolve: () => void; reject: (error: Error) => void };

  constructor(
    plan: ProcessSlot[],
    private readonly options: SupervisorOptions,
    private readonly log: Logger,
  ) {
    this.slots = plan.map((slot) => ({
      ...slot,
      ready: false,
      everReady: false,
      forkedAt: 0,
      failures: 0,
      restarts: 0,
    }));
    this.metrics = new MetricsCollector(
      () => this.slots.flatMap((slot) => (slot.ready && slot.child ? [slot.child] : [])),
      log,
    );
  }

  /** Forks every child; resolves once each has started its role, rejects when one exits before it did. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.started = { resolve, reject };
      for (const slot of this.slots) this.fork(slot);
    });
  }

  /**
   * Asks every child to drain (a child still starting gets SIGTERM), kills those still running
   * after `graceMs`, and resolves once all have exited; rejects when one had to be killed or
   * exited with an error. Safe to call twice.
   */
  stop(): Promise<void> {
    this.stopping ??= this.drain();
    return this.stopping;
  }

  private fork(slot: Slot): void {
    cluster.setupPrimary({ args: [slot.role] });
    const child = cluster.fork();
    Object.assign(slot, { child, ready: false, forkedAt: Date.now(), restartTimer: undefined });
    child.on('message', (message: unknown) => {
      if (isMessage(message, 'alertgate:ready')) this.onReady(slot, child);
      else this.metrics.onMessage(child, message);
    });
    child.on('exit', (code: number | null, signal: NodeJS.Signals | null) => this.onExit(slot, child, code, signal));
  }

  private onReady(slot: Slot, child: Worker): void {
    if (slot.child !== child || this.stopping) return;
    slot.ready = true;
    slot.everReady = true;
    this.countChildren();
    if (slot.restarts > 0) this.log.info(describe(slot, child), 'restarted child is running');
    if (this.started && this.slots.every((each) => each.ready)) {
      this.log.info({ processes: this.pidsByRole() }, `supervising ${this.summary()}`);
      this.started.resolve();
      this.started = undefined;
    }
  }

  private onExit(slot: Slot, child: Worker, code: number | null, signal: NodeJS.Signals | null): void {
    if (slot.child !== child) return;
    slot.child = undefined;
    slot.ready = false;
    this.countChildren();
    const exit = { ...describe(slot, child), code, signal };
    if (this.stopping) {
      this.log.info(exit, 'child exited');
      return;
    }
    if (!slot.everReady) {
      this.log.error(exit, 'child exited before its role started; stopping');
      this.started?.reject(
        new ChildStartupError(`alertgate ${slot.role} exited during start-up (code ${code}, signal ${signal})`),
      );
      this.started = undefined;
      return;
    }
    slot.failures = nextFailureCount(slot.failures, Date.now() - slot.forkedAt);
    slot.restarts += 1;
    const delayMs = restartDelayMs(slot.failures);
    supervisedRestarts.inc({ role: slot.role });
    this.log.error({ ...exit, restarts: slot.restarts, delayMs }, 'child exited unexpectedly; restarting');
    slot.restartTimer = setTimeout(() => this.fork(slot), delayMs);
  }

  private async drain(): Promise<void> {
    const running: { slot: Slot; child: Worker }[] = [];
    for (const slot of this.slots) {
      clearTimeout(slot.restartTimer);
      if (slot.child) running.push({ slot, child: slot.child });
    }
    const exits = running.map(({ child }) => once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>);
    const shutdown: SupervisorMessage = { type: 'alertgate:shutdown' };
    for (const { slot, child } of running) {
      // A child still starting has not joined yet and would miss the message; it has nothing to drain.
      if (slot.ready && child.isConnected()) child.send(shutdown);
      else child.process.kill('SIGTERM');
    }
    const killed: string[] = [];
    const deadline = setTimeout(() => {
      for (const { slot, child } of running) {
        if (child.isDead()) continue;
        killed.push(`${slot.role} ${child.process.pid}`);
        child.process.kill('SIGKILL');
      }
      if (killed.length > 0)
        this.log.error({ killed, graceMs: this.options.graceMs }, 'children overran the grace period; killed');
    }, this.options.graceMs);
    const results = await Promise.all(exits);
    clearTimeout(deadline);
    if (killed.length > 0) throw new Error(`killed after the grace period: ${killed.join(', ')}`);
    // A signal exit here is the SIGTERM sent to a child still starting.
    const failed = results.filter(([code, signal]) => code !== 0 && signal !== 'SIGTERM');
    if (failed.length > 0) throw new Error(`${failed.length} child(ren) failed to drain`);
  }

  private countChildren(): void {
    for (const role of ROLES) {
      supervisedChildren.set({ role }, this.slots.filter((slot) => slot.role === role && slot.ready).length);
    }
  }

  private pidsByRole(): Record<SupervisedRole, number[]> {
    const pids: Record<SupervisedRole, number[]> = { serve: [], worker: [], archive: [] };
    for (const slot of this.slots) if (slot.child?.process.pid) pids[slot.role].push(slot.child.process.pid);
    return pids;
  }

  private summary(): string {
    const count = (role: SupervisedRole) => this.slots.filter((slot) => slot.role === role).length;
    return `${count('serve')} gateway, ${count('worker')} worker and ${count('archive')} archiver process(es)`;
  }
}

const ROLES: readonly SupervisedRole[] = ['serve', 'worker', 'archive'];

/** Log fields naming a child (`child`, since `role` and `pid` name the supervisor itself). */
function describe(slot: Slot, child: Worker): { child: { role: SupervisedRole; index: number; pid?: number } } {
  return { child: { role: slot.role, index: slot.index, pid: child.process.pid } };
}
