/**
 * The commands that connect to the services: `migrate`, `keys` and the roles (`serve`, `worker`,
 * `archive`). Loaded by main.ts only for them, so the `all` supervisor stays small.
 */
import type { Logger } from 'pino';
import { runKeysCommand, UsageError } from './cli/keys.js';
import { roles, startRole } from './compose/roles.js';
import { openServices } from './compose/services.js';
import { type Config, redactConfig } from './config.js';
import { probeDependencies } from './observe/dependency-probes.js';
import { handleShutdownSignals } from './shutdown.js';
import { assertSchemaCurrent, openDatabase, runMigrations, SchemaOutdatedError } from './store/db.js';
import { ignoreTerminalInterrupt, joinSupervisor, underSupervisor } from './supervisor/child.js';

/** A required dependency was unreachable at start. */
class StartupError extends Error {}

/** Errors of these commands whose message says it all (printed without a stack trace). */
export const EXPECTED_ERRORS = [StartupError, SchemaOutdatedError, UsageError];

export function isRole(command: string): boolean {
  return Object.hasOwn(roles, command);
}

/** `migrate` or `keys …`: one connection, then the exit code. */
export async function runDatabaseCommand(command: 'migrate' | 'keys', argv: string[], config: Config, log: Logger) {
  const database = openDatabase(config.DATABASE_URL, { max: 1, applicationName: `alertgate-${command}` });
  try {
    if (command === 'keys') {
      await assertSchemaCurrent(database.sql);
      return await runKeysCommand(argv.slice(1), database);
    }
    log.info('applying migrations');
    await runMigrations(database);
    log.info('migrations applied');
    return 0;
  } finally {
    await database.close();
  }
}

/**
 * Starts the role `command` and drains it on SIGTERM/SIGINT (under the supervisor: on SIGTERM or
 * its request); returns -1 while it runs, or the exit code of `archive --once`.
 */
export async function runRole(command: string, argv: string[], config: Config, log: Logger): Promise<number> {
  const loadRole = roles[command];
  if (!loadRole) throw new Error(`unknown role ${command}`);
  if (underSupervisor) ignoreTerminalInterrupt();
  const services = openServices(config, command);
  const { dependencies } = await probeDependencies(services.checks, 5000);
  const down = Object.entries(dependencies).filter(([, status]) => status.status === 'down' && status.required);
  if (down.length > 0) {
    await services.close();
    throw new StartupError(down.map(([name, status]) => `${name} unreachable: ${status.error}`).join('; '));
  }
  log.info({ config: redactConfig(config) }, 'starting');
  if (command === 'archive' && argv.includes('--once')) {
    try {
      const { archiveOnce } = await import('./compose/archiver.js');
      return await archiveOnce(services, log);
    } finally {
      await services.close();
    }
  }
  const running = await startRole(await loadRole(), services, log);
  const shutdown = handleShutdownSignals(
    () => running.stop(),
    config.SHUTDOWN_GRACE_MS,
    log,
    underSupervisor ? ['SIGTERM'] : undefined,
  );
  if (underSupervisor) joinSupervisor(shutdown);
  return -1;
}
