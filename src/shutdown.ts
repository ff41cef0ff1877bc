import type { FastifyBaseLogger } from 'fastify';

/**
 * Runs `stop` once on SIGTERM/SIGINT and exits 0 when it finishes, or 1 when it overruns the
 * grace period. A second signal during shutdown exits immediately.
 */
export function handleShutdownSignals(stop: () => Promise<void>, graceMs: number, log: FastifyBaseLogger): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal during shutdown; exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal, graceMs }, 'shutting down: draining requests and jobs');
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
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}
