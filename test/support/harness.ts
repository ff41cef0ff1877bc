import { randomUUID } from 'node:crypto';
import { Cluster } from 'ioredis';
import pino from 'pino';
import type { Alert } from '../../src/alert/alert.js';
import { ApiKeyStore } from '../../src/auth/api-keys.js';
import { buildGateway, type Gateway } from '../../src/compose/gateway.js';
import { openServices, type Services } from '../../src/compose/services.js';
import { type BatchWorker, startBatchWorker } from '../../src/compose/worker.js';
import { type Config, loadConfig } from '../../src/config.js';
import type { CommitOutput, CommittedBatch } from '../../src/pipeline/committed-batch.js';
import type { IngestLog } from '../../src/pipeline/ingest-log.js';
import { LANES } from '../../src/pipeline/ingest-streams.js';
import { sampleLogDepth } from '../../src/pipeline/log-depth.js';
import { readShards, wholePart } from '../../src/pipeline/log-reader.js';
import type { RedisClient } from '../../src/redis.js';

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
  /** A gateway; `overrides` are environment variables on top of the stack's. */
  gateway(overrides?: Record<string, string | number>): Promise<Gateway>;
  worker(options?: { outputs?: CommitOutput[] }): Promise<BatchWorker>;
  close(): Promise<void>;
}

/** Real services plus helpers to start gateways and workers in one namespace; close() stops them all. */
export function openTestStack(overrides: Record<string, string> = {}): TestStack {
  const env = { ...overrides };
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
      const variables = Object.fromEntries(
        Object.entries(gatewayOverrides).map(([key, value]) => [key, String(value)]),
      );
      const gatewayConfig = testConfig({ ...env, QUEUE_PREFIX: config.QUEUE_PREFIX, ...variables });
      const gateway = await buildGateway(services, silentLog, gatewayConfig);
      running.push(gateway);
      return gateway;
    },
    async worker(options = {}) {
      const worker = await startBatchWorker(services, silentLog, { ...options, ownershipIntervalMs: 300 });
      running.push(worker);
      return worker;
    },
    async close() {
      for (const component of running.reverse()) await component.stop();
      await dropNamespace(services.redis, config.QUEUE_PREFIX);
      await services.close();
    },
  };
}

/** Deletes the namespace's keys, its own and its shards' (`{<namespace>:sNN}…`), from every master. */
export async function dropNamespace(redis: RedisClient, prefix: string): Promise<void> {
  const servers = redis instanceof Cluster ? redis.nodes('master') : [redis];
  for (const server of servers) {
    const keys = [...(await server.keys(`${prefix}:*`)), ...(await server.keys(`{${prefix.replace(/[{}]/g, '')}:s*`))];
    // One key per command: a cluster node refuses multi-key commands across slots.
    await Promise.all(keys.map((key) => server.unlink(key)));
  }
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

/** Every alert waiting in the ingest log (not yet committed), in no particular order. */
export async function queuedAlerts(log: IngestLog): Promise<Alert[]> {
  const start = Object.fromEntries(LANES.map((lane) => [lane, '0-0'])) as Record<(typeof LANES)[number], string>;
  const cursors = new Map(Array.from({ length: log.shards }, (_, shard) => [shard, start]));
  const entries = await readShards(log.redis, log.namespace, cursors, 100_000);
  return entries.flatMap((entry) => wholePart(entry).alerts);
}

/** Ingest log entries not yet committed, over every shard and lane. */
export async function pendingEntries(log: IngestLog): Promise<number> {
  const depths = await sampleLogDepth(log.redis, log.namespace, log.shards);
  return depths.reduce((sum, depth) => sum + depth.entries.urgent + depth.entries.normal, 0);
}

/** A committed batch as the batch loop hands it to its outputs: new, firing alerts. */
export function committedBatch(alerts: Alert[]): CommittedBatch {
  return {
    id: randomUUID(),
    shard: 0,
    alerts: alerts.map((alert) => ({
      alert,
      json: JSON.stringify(alert),
      change: 'new',
      state: 'firing',
      episodeStartedAt: alert.receivedAt,
    })),
  };
}

/** Deletes every entry of the stack's ingest log (a test's fresh start without a worker). */
export async function clearIngestLog(stack: TestStack): Promise<void> {
  const streams = await stack.services.redis.keys(`{${stack.config.QUEUE_PREFIX}:s*`);
  if (streams.length > 0) await stack.services.redis.del(...streams);
}
