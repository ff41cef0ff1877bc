import type { Logger } from 'pino';
import { startArchiveScheduler } from './archive/scheduler.js';
import { buildGateway } from './gateway.js';
import { startLifecycleWorker } from './lifecycle/worker-side.js';
import { registry } from './metrics.js';
import { ProcessStatsPublisher } from './observe/process-stats.js';
import { startSelfAlerts } from './observe/self-alerts.js';
import { startPublisher } from './publish/publish-worker.js';
import type { Services } from './services.js';
import { assertSchemaCurrent } from './store/db.js';
import { startWorker } from './worker.js';

/** A started role; `stop` drains in-flight work and is safe to call twice. */
export interface RunningRole {
  stop(): Promise<void>;
}

export type Role = (services: Services, log: Logger) => Promise<RunningRole>;

const serve: Role = async (services, log) => {
  await assertSchemaCurrent(services.database.sql);
  const gateway = await buildGateway(services, log);
  await gateway.app.listen({ host: services.config.HOST, port: services.config.PORT });
  // Every gateway runs the evaluator; a Redis lease lets one at a time evaluate.
  const selfAlerts = startSelfAlerts(services, log, gateway);
  return {
    stop: async () => {
      await selfAlerts.stop();
      await gateway.stop();
    },
  };
};

/** Shares this process's counters through Redis for the admin page and self-alerts (every role). */
const shareStats: Role = async (services, log) => {
  const publisher = new ProcessStatsPublisher(
    services.redis,
    registry,
    {
      prefix: services.config.QUEUE_PREFIX,
      intervalMs: services.config.STATS_SHARE_INTERVAL_MS,
      role: String(log.bindings().role ?? 'alertgate'),
    },
    log,
  );
  await publisher.start();
  return publisher;
};

const worker: Role = async (services, log) => {
  await assertSchemaCurrent(services.database.sql);
  const publisher = await startPublisher(services, log);
  // Streams, publishing behind suppressions and silences, escalation scheduling.
  const lifecycle = await startLifecycleWorker(services, log, publisher);
  const batches = await startWorker(services, log, { outputs: lifecycle.outputs });
  return {
    // Batches first (their last commits still enqueue publish jobs), then escalation (it enqueues
    // deliveries), then the publisher.
    stop: async () => {
      await batches.stop();
      await lifecycle.stop();
      await publisher.stop();
    },
  };
};

/** The archiver loop: moves aged partitions to Elasticsearch every ARCHIVE_INTERVAL_MINUTES. */
const archive: Role = async (services, log) => {
  await assertSchemaCurrent(services.database.sql);
  return startArchiveScheduler(services, log);
};

/** Runs several roles in one process and stops them in reverse order. */
function combine(...parts: Role[]): Role {
  return async (services, log) => {
    const running: RunningRole[] = [];
    for (const part of parts) running.push(await part(services, log));
    let stopped: Promise<void> | undefined;
    return {
      stop: () => {
        stopped ??= (async () => {
          for (const role of running.reverse()) await role.stop();
        })();
        return stopped;
      },
    };
  };
}

export const roles: Record<string, Role> = {
  serve: combine(shareStats, serve),
  worker: combine(shareStats, worker),
  archive: combine(shareStats, archive),
};
