/** The `all` command: every role as a child process under one supervisor. */
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { handleShutdownSignals } from '../shutdown.js';
import { processPlan } from '../supervisor/process-plan.js';
import { Supervisor } from '../supervisor/supervisor.js';

/** Time the supervisor may take beyond the children's grace time to kill those that overran it. */
const SUPERVISOR_KILL_MARGIN_MS = 2000;

/** Starts the children of `processPlan` and drains them on SIGTERM/SIGINT; returns -1 while they run. */
export async function supervise(config: Config, log: Logger): Promise<number> {
  const { processes, drain } = config.supervisor;
  const supervisor = new Supervisor(processPlan(processes), drain, log);
  handleShutdownSignals(() => supervisor.stop(), drain.graceMs + SUPERVISOR_KILL_MARGIN_MS, log);
  try {
    await supervisor.start();
  } catch (error) {
    await supervisor.stop().catch(() => {});
    throw error;
  }
  return -1;
}
