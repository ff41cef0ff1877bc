import type { Config } from '../config.js';

/** The roles `all` runs as child processes (each is also a command of its own). */
export type SupervisedRole = 'serve' | 'worker' | 'archive';

/** One child process the supervisor keeps running: its role and its number within the role. */
export interface ProcessSlot {
  role: SupervisedRole;
  index: number;
}

/**
 * The children of `all`: GATEWAY_PROCESSES gateways (sharing the HTTP port), WORKER_PROCESSES batch
 * workers and one archiver, whose runs are one at a time across the cluster anyway.
 */
export function processPlan(config: Pick<Config, 'GATEWAY_PROCESSES' | 'WORKER_PROCESSES'>): ProcessSlot[] {
  const slots = (role: SupervisedRole, count: number) => Array.from({ length: count }, (_, index) => ({ role, index }));
  return [
    ...slots('serve', config.GATEWAY_PROCESSES),
    ...slots('worker', config.WORKER_PROCESSES),
    ...slots('archive', 1),
  ];
}
