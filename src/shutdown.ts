import type { FastifyBaseLogger } from 'fastify';

/**
 * Runs `stop` once on any of `signals` (or when the returned function is called) and exits 0 when
 * it finishes, or 1 when it overruns the grace period. A second signal during shutdown exits
 * immediately; a second call of the returned function is ignored.
 */
export function handleShutdownSignals(
  stop: () => Promise<void>,
  graceMs: number,
  log: FastifyBaseLogger,
  signals: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'],
): (reason: string) => void {
  let stopping = false;
  const begin = (reason: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ reason, graceMs }, 'shutting down: draining requests and jobs');
    const deadline = setTimeout(() => {
      log.error({ graceMs }, 'shutdown overran its grace period; exiting');
      process.exit(1);
    }, graceMs);
    deadline.unref();
    stop().then(
      () => {
        log.info('shutdown complete');
        process.exit(0);
      },
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal during shutdown; exiting now');
      process.exit(1);
    }
    begin(signal);
  };
  for (const signal of signals) process.on(signal, onSignal);
  return begin;
}
