/**
 * The scaffold of a fault test: a namespace (queue prefix, tenant, API key) on real services, and
 * `serve`, `worker` and `all` as child processes in it that the test may kill and restart.
 */

import { pingRedis } from '../../src/redis.js';
import { type AlertgateProcess, httpReady, ownsShards, startAlertgate, supervising } from './alertgate-process.js';
import { openTestStack, type TestStack, uniqueTenant } from './harness.js';
import { closedPort } from './search-app.js';

export interface FaultStack {
  /** The test's own connections, on the same services as the children. */
  stack: TestStack;
  tenant: string;
  key: string;
  /** Base URL of the gateway process (the same across restarts). */
  url: string;
  /** Starts `alertgate serve` and waits for /healthz. */
  gateway(env?: Record<string, string>): Promise<AlertgateProcess>;
  /** Starts `alertgate worker` and waits until it owns a shard. */
  worker(env?: Record<string, string>): Promise<AlertgateProcess>;
  /** Starts `alertgate all` and waits until its `children` children have started their roles. */
  supervisor(children: number, env?: Record<string, string>): Promise<AlertgateProcess>;
  /** What every child printed, for a failed test's report. */
  outputs(): string;
  /** Kills every child, then removes the namespace's keys, rows and API keys. */
  close(): Promise<void>;
}

/** `env` configures the test's connections and every child alike (service URLs, shards, timings). */
export async function openFaultStack(env: Record<string, string> = {}): Promise<FaultStack> {
  const stack = openTestStack(env);
  // The test's Redis connection fails commands until connected; readiness checks use it at once.
  await pingRedis(stack.services.redis);
  const tenant = uniqueTenant('faults');
  const key = await stack.createKey(tenant);
  const port = await closedPort();
  const prefix = stack.config.QUEUE_PREFIX;
  const childEnv = {
    ...env,
    QUEUE_PREFIX: prefix,
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'warn',
  };
  const children: AlertgateProcess[] = [];
  const track = (child: AlertgateProcess) => {
    children.push(child);
    return child;
  };
  return {
    stack,
    tenant,
    key,
    url: `http://127.0.0.1:${port}`,
    gateway: async (extra = {}) => track(await startAlertgate('serve', { ...childEnv, ...extra }, httpReady(port))),
    worker: async (extra = {}) =>
      track(await startAlertgate('worker', { ...childEnv, ...extra }, ownsShards(stack.services.redis, prefix))),
    supervisor: async (count, extra = {}) =>
      track(await startAlertgate('all', { ...childEnv, ...extra }, supervising(port, count), 120_000)),
    outputs: () =>
      children.map((child) => `--- alertgate ${child.role} (pid ${child.pid}) ---\n${child.output()}`).join('\n'),
    async close() {
      await Promise.all(children.map((child) => child.kill('SIGKILL')));
      const { sql } = stack.services.database;
      await Promise.allSettled([
        sql`delete from alerts where tenant = ${tenant}`,
        sql`delete from last_alert where tenant = ${tenant}`,
        sql`delete from alert_lifecycle where tenant = ${tenant}`,
        sql`delete from api_keys where tenant = ${tenant}`,
      ]);
      await stack.close();
    },
  };
}
