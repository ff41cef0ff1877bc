/** What each role command starts: every role also shares its process's stats. */
import type { Logger } from 'pino';
import { type Component, startComponent } from '../component.js';
import { startArchiverRole } from './archiver.js';
import { startGatewayRole } from './gateway.js';
import type { Services } from './services.js';
import { startStatsSharing } from './share-stats.js';
import { startWorkerRole } from './worker.js';

export type Role = (services: Services, log: Logger) => Promise<Component>;

/** Starts `parts` in order in one process; stop stops them in reverse order, every one of them. */
function combine(...parts: Role[]): Role {
  return (services, log) =>
    startComponent(async (scope) => {
      for (const part of parts) scope.own(await part(services, log));
      return {};
    });
}

export const roles: Record<string, Role> = {
  serve: combine(startStatsSharing, startGatewayRole),
  worker: combine(startStatsSharing, (services, log) => startWorkerRole(services, log)),
  archive: combine(startStatsSharing, startArchiverRole),
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
