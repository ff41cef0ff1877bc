import type { Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { AggregatorRegistry } from 'prom-client';
import { registry } from '../metrics.js';
import { isMessage, type RegistrySnapshot, type SupervisorMessage } from './messages.js';

/** How long the supervisor waits for one child's registry; a child that misses it is left out of that scrape. */
export const COLLECT_TIMEOUT_MS = 3000;

/** Registries of several processes merged by each metric's `aggregator` (sum unless stated), as Prometheus text. */
export function mergeSnapshots(snapshots: RegistrySnapshot[]): Promise<string> {
  return AggregatorRegistry.aggregate(snapshots).metrics();
}

/**
 * The supervisor's side of /metrics: a gateway child asks, the collector gathers the registry of
 * every started child and of the supervisor itself over IPC, merges them and answers. The
 * equivalent of prom-client's `clusterMetrics`, except that a child starting, stopping or too busy
 * to answer in time is left out instead of failing the whole scrape.
 */
export class MetricsCollector {
  private nextId = 0;
  private readonly pending = new Map<string, (metrics: RegistrySnapshot) => void>();
  private collecting: Promise<string> | undefined;

  constructor(
    /** The children whose role has started. */
    private readonly children: () => Worker[],
    private readonly log: Logger,
  ) {}

  /** Handles a child's message if it is about metrics. */
  onMessage(child: Worker, message: unknown): void {
    if (isMessage(message, 'alertgate:metrics-snapshot'))
      this.pending.get(pendingKey(child, message.id))?.(message.metrics);
    else if (isMessage(message, 'alertgate:metrics-request')) void this.answer(child, message.id);
  }

  /**
   * Every started child's registry and the supervisor's own, merged. Scrapes arriving while one
   * collection runs share its result, so hammering the public /metrics costs the children one
   * collection at a time.
   */
  collect(): Promise<string> {
    this.collecting ??= this.collectOnce().finally(() => {
      this.collecting = undefined;
    });
    return this.collecting;
  }

  private async collectOnce(): Promise<string> {
    const id = this.nextId++;
    const snapshots = await Promise.all(this.children().map((child) => this.snapshotOf(child, id)));
    const own = await registry.getMetricsAsJSON();
    return mergeSnapshots([own, ...snapshots.filter((snapshot) => snapshot !== undefined)]);
  }

  private async answer(child: Worker, id: number): Promise<void> {
    let reply: SupervisorMessage;
    try {
      reply = { type: 'alertgate:metrics', id, text: await this.collect() };
    } catch (error) {
      reply = { type: 'alertgate:metrics', id, error: (error as Error).message };
    }
    if (child.isConnected()) child.send(reply);
  }

  private snapshotOf(child: Worker, id: number): Promise<RegistrySnapshot | undefined> {
    const key = pendingKey(child, id);
    return new Promise((resolve) => {
      const settle = (metrics: RegistrySnapshot | undefined) => {
        clearTimeout(timer);
        this.pending.delete(key);
        resolve(metrics);
      };
      const timer = setTimeout(() => {
        this.log.warn({ pid: child.process.pid }, 'a child did not send its metrics in time; left out of this scrape');
        settle(undefined);
      }, COLLECT_TIMEOUT_MS);
      this.pending.set(key, settle);
      const request: SupervisorMessage = { type: 'alertgate:metrics-collect', id };
      if (!child.isConnected()) settle(undefined);
      else child.send(request, (error: Error | null) => error && settle(undefined));
    });
  }
}

function pendingKey(child: Worker, id: number): string {
  return `${child.id}:${id}`;
}
