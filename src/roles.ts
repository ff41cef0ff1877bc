import type { Logger } from 'pino';
import { createApp } from './http/app.js';
import { registerHealthRoutes } from './http/routes/health.js';
import type { Services } from './services.js';
import { assertSchemaCurrent } from './store/db.js';

/** A started role; `stop` drains in-flight work and is safe to call twice. */
export interface RunningRole {
  stop(): Promise<void>;
}

export type Role = (services: Services, log: Logger) => Promise<RunningRole>;

const serve: Role = async (services, log) => {
  await assertSchemaCurrent(services.database.sql);
  const { config } = services;
  const app = await createApp(config, log);
  registerHealthRoutes(app, services.checks);
  await app.listen({ host: config.HOST, port: config.PORT });
  return { stop: () => app.close() };
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
  all: combine(serve),
};
