/** What each role command starts: every role also shares its process's stats. */
import type { Logger } from 'pino';
import { type Component, startComponent } from '../component.js';
import type { Services } from './services.js';
import { startStatsSharing } from './share-stats.js';

export type Role = (services: Services, log: Logger) => Promise<Component>;

/** Starts `parts` in order in one process; stop stops them in reverse order, every one of them. */
function combine(...parts: Role[]): Role {
  return (services, log) =>
    startComponent(async (scope) => {
      for (const part of parts) scope.own(await part(services, log));
      return {};
    });
}

/**
 * The role commands. Each loads its own modules when started, so a process holds only the code
 * of its role: an archiver does not carry the HTTP stack, a gateway not the batch pipeline's.
 */
export const roles: Record<string, () => Promise<Role>> = {
  serve: async () => combine(startStatsSharing, (await import('./gateway.js')).startGatewayRole),
  worker: async () => {
    const { startWorkerRole } = await import('./worker.js');
    return combine(startStatsSharing, (services, log) => startWorkerRole(services, log));
  },
  archive: async () => combine(startStatsSharing, (await import('./archiver.js')).startArchiverRole),
};

/**
 * Runs `role` over `services` as one process does: stop stops the role, then closes the
 * connections, even when part of the role's stop failed.
 */
export function startRole(role: Role, services: Services, log: Logger): Promise<Component> {
  return startComponent(async (scope) => {
    scope.onStop(() => services.close());
    scope.own(await role(services, log));
    return {};
  });
}
