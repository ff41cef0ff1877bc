import type { Logger } from 'pino';
import { buildGateway } from './gateway.js';
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
  return gateway;
};

const worker: Role = async (services, log) => {
  await assertSchemaCurrent(services.database.sql);
  return startWorker(services, log);
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
  serve,
  worker,
  all: combine(worker, serve),
};
