/** The roles `all` runs as child processes (each is also a command of its own). */
export type SupervisedRole = 'serve' | 'worker' | 'archive';

/** One child process the supervisor keeps running: its role and its number within the role. */
export interface ProcessSlot {
  role: SupervisedRole;
  index: number;
}

/** How many children of each scaled role `all` runs (the `supervisor.processes` config section). */
export interface ProcessCounts {
  /** Gateways sharing the HTTP port (GATEWAY_PROCESSES). */
  gateways: number;
  /** Batch workers (WORKER_PROCESSES). */
  workers: number;
}

/**
 * The children of `all`: the gateways, the batch workers and one archiver, whose runs are one at a
 * time across the cluster anyway.
 */
export function processPlan(counts: ProcessCounts): ProcessSlot[] {
  const slots = (role: SupervisedRole, count: number) => Array.from({ length: count }, (_, index) => ({ role, index }));
  return [...slots('serve', counts.gateways), ...slots('worker', counts.workers), ...slots('archive', 1)];
}
