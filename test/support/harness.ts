import { randomUUID } from 'node:crypto';
import pino from 'pino';
import type { Alert } from '../../src/alert/alert.js';
import { ApiKeyStore } from '../../src/auth/api-keys.js';
import { type Config, loadConfig } from '../../src/config.js';
import { buildGateway, type Gateway } from '../../src/gateway.js';
import type { IngestQueues, ShardJob } from '../../src/queue/ingest-queues.js';
import { openServices, type Services } from '../../src/services.js';
import { type BatchWorker, type CommitListener, startWorker } from '../../src/worker.js';

export const silentLog = pino({ level: 'silent' });

/** Config in a namespace of its own: a random queue prefix, so tests never see each other's jobs. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ ...process.env, QUEUE_PREFIX: `t-${randomUUID()}`, LOG_LEVEL: 'silent', ...overrides });
}

export function uniqueTenant(label = 'tenant'): string {
  return `${label}-${randomUUID()}`;
}

export interface TestStack {
  config: Config;
  services: Services;
  keys: ApiKeyStore;
  createKey(tenant: string, options?: { providers?: string[]; isAdmin?: boolean }): Promise<string>;
  gateway(overrides?: Partial<Config>): Promise<Gateway>;
  worker(options?: { listeners?: CommitListener[] }): Promise<BatchWorker>;
  close(): Promise<void>;
}

/** Real services plus helpers to start gateways and workers in one namespace; close() stops them all. */
export function openTestStack(overrides: Record<string, string> = {}): TestStack {
  const config = testConfig(overrides);
  const services = openServices(config, 'test');
  const keys = new ApiKeyStore(services.database.db, 0);
  const running: { stop(): Promise<void> }[] = [];
  return {
    config,
    services,
    keys,
    async createKey(tenant, options = {}) {
      return (await keys.create({ tenant, name: 'test', ...options })).key;
    },
    async gateway(gatewayOverrides = {}) {
      const gateway = await buildGateway(services, silentLog, { ...config, ...gatewayOverrides });
      running.push(gateway);
      return gateway;
    },
    async worker(options = {}) {
      const worker = await startWorker(services, silentLog, { ...options, ownershipIntervalMs: 300 });
      running.push(worker);
      return worker;
    },
    async close() {
      for (const component of running.reverse()) await component.stop();
      const keysToDrop = await services.redis.keys(`${config.QUEUE_PREFIX}:*`);
      if (keysToDrop.length > 0) await services.redis.del(...keysToDrop);
      await services.close();
    },
  };
}

/** Polls until `check` returns a truthy value or the time runs out. */
export async function waitFor<T>(
  check: () => Promise<T> | T,
  timeoutMs = 15_000,
  intervalMs = 50,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Every alert waiting in the shard queues, in no particular order. */
export async function queuedAlerts(queues: IngestQueues): Promise<Alert[]> {
  const jobs = await Promise.all(queues.queues.map((queue) => queue.getJobs(['waiting', 'prioritized'])));
  return jobs.flat().flatMap((job) => (job.data as ShardJob).parts.flatMap((part) => part.alerts));
}
