/**
 * Each role stops every part even when one part's stop fails: the failing part is a real component
 * whose stop does its work and then rejects; the connections are real.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DedupRuleCache } from '../../src/alert/dedup-rules.js';
import { StopError } from '../../src/component.js';
import { startGatewayRole } from '../../src/compose/gateway.js';
import { roles, startRole } from '../../src/compose/roles.js';
import { openServices, type Services } from '../../src/compose/services.js';
import { startWorkerRole, type WorkerRole } from '../../src/compose/worker.js';
import { ProcessStatsPublisher, processRegistryKey } from '../../src/observe/process-stats.js';
import { SelfAlerts } from '../../src/observe/self-alerts.js';
import { BatchLoop } from '../../src/pipeline/batch-loop.js';
import { ShardOwnership } from '../../src/pipeline/shard-ownership.js';
import { RealtimeRelay } from '../../src/realtime/relay.js';
import { pingRedis } from '../../src/redis.js';
import { dropNamespace, silentLog, testConfig } from '../support/harness.js';

/** Makes `method` of every instance do its work, then reject. */
function failAfter<T extends object>(type: { prototype: T }, method: keyof T & string): Error {
  const failure = new Error(`${method} failed`);
  const original = type.prototype[method] as (...args: unknown[]) => Promise<unknown>;
  vi.spyOn(type.prototype, method as never).mockImplementation(async function (this: T, ...args: unknown[]) {
    await original.apply(this, args);
    throw failure;
  } as never);
  return failure;
}

async function stopFailure(stop: () => Promise<void>): Promise<StopError> {
  const error = await stop().then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(StopError);
  return error as StopError;
}

/** Connections in a namespace of their own, ready as `runRole` has them after probing. */
async function openRoleServices(): Promise<Services> {
  const services = openServices(testConfig({ HOST: '127.0.0.1', PORT: '0' }), 'test');
  await pingRedis(services.redis);
  return services;
}

/** Cleans up the namespace over a fresh connection (the role closed its own). */
async function dropKeys(services: Services): Promise<void> {
  const cleanup = openServices(services.config, 'test-cleanup');
  await pingRedis(cleanup.redis);
  await dropNamespace(cleanup.redis, services.config.QUEUE_PREFIX);
  await cleanup.close();
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('stopping a role with one failing part', () => {
  it('gateway: the server, the relay and the caches are closed after the self-alert evaluator fails to stop', async () => {
    const services = await openRoleServices();
    const relayStops = vi.spyOn(RealtimeRelay.prototype, 'stop');
    const ruleCacheStops = vi.spyOn(DedupRuleCache.prototype, 'stop');
    const failure = failAfter(SelfAlerts, 'stop');
    const role = await startGatewayRole(services, silentLog);
    expect(role.gateway.app.server.listening).toBe(true);

    const error = await stopFailure(() => role.stop());

    expect(error.errors).toEqual([failure]);
    expect(role.gateway.app.server.listening).toBe(false);
    expect(relayStops).toHaveBeenCalledTimes(1);
    expect(ruleCacheStops).toHaveBeenCalledTimes(1);
    await services.close();
    await dropKeys(services);
  });

  it('worker: the batch loop, escalation and the publisher close after shard ownership fails to stop', async () => {
    const services = await openRoleServices();
    const loopStops = vi.spyOn(BatchLoop.prototype, 'stop');
    const failure = failAfter(ShardOwnership, 'stop');
    const role: WorkerRole = await startWorkerRole(services, silentLog, { ownershipIntervalMs: 300 });

    const error = await stopFailure(() => role.stop());

    expect(error.errors).toEqual([failure]);
    expect(loopStops).toHaveBeenCalledTimes(1);
    expect(role.escalationQueue.queue.closing).toBeDefined();
    expect(role.publisher.queue.queue.closing).toBeDefined();
    await services.close();
    await dropKeys(services);
  });

  it('archive: the connections close after stats sharing fails to stop', async () => {
    const services = await openRoleServices();
    const failure = failAfter(ProcessStatsPublisher, 'stop');
    const archive = roles.archive;
    if (!archive) throw new Error('no archive role');
    const running = await startRole(await archive(), services, silentLog);
    const registry = processRegistryKey(services.config.QUEUE_PREFIX);
    expect(await services.redis.zcard(registry)).toBe(1);

    const error = await stopFailure(() => running.stop());

    expect(error.errors).toEqual([failure]);
    await expect(services.redis.ping()).rejects.toThrow();
    await expect(services.database.sql`select 1`).rejects.toThrow();
    const check = openServices(services.config, 'test-check');
    await pingRedis(check.redis);
    expect(await check.redis.zcard(registry)).toBe(0);
    await check.close();
    await dropKeys(services);
  });
});
