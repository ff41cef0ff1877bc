#!/usr/bin/env node
/** Composition root: `alertgate [serve|worker|archive|all|migrate|check-config|config-doc|keys]`. */
import type { Logger } from 'pino';
import { runArchiveOnce } from './archive/scheduler.js';
import { runKeysCommand, UsageError } from './cli/keys.js';
import { type Config, ConfigError, configReference, loadConfig, redactConfig } from './config.js';
import { checkConfigFiles } from './config-check.js';
import { ConfigFileError } from './config-file.js';
import { probeDependencies } from './health.js';
import { createLogger } from './logger.js';
import { roles } from './roles.js';
import { openServices } from './services.js';
import { handleShutdownSignals } from './shutdown.js';
import { assertSchemaCurrent, openDatabase, runMigrations, SchemaOutdatedError } from './store/db.js';
import { ignoreTerminalInterrupt, joinSupervisor, underSupervisor } from './supervisor/child.js';
import { processPlan } from './supervisor/process-plan.js';
import { ChildStartupError, Supervisor } from './supervisor/supervisor.js';

const USAGE = `usage: alertgate [command]
  all           supervisor of gateway, worker and archiver processes (default)
  serve         HTTP gateway only
  worker        batch workers only
  archive       archiver loop only (--once: one run, exit 1 if a day failed)
  migrate       apply database migrations
  check-config  validate the environment and config files, exit 1 on any problem
  keys          create, list, rotate and revoke API keys (alertgate keys --help)
  config-doc    print the configuration reference as a Markdown table`;

async function main(argv: string[]): Promise<number> {
  const command = argv[0] ?? 'all';
  if (command === '--help' || command === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (command === 'config-doc') {
    console.log(configReference());
    return 0;
  }
  const config = loadConfig();
  if (command === 'check-config') {
    const problems = checkConfigFiles(config);
    for (const problem of problems) console.error(problem);
    console.log(problems.length === 0 ? 'configuration ok' : `${problems.length} problem(s) found`);
    return problems.length === 0 ? 0 : 1;
  }
  const log = createLogger({ level: config.LOG_LEVEL, base: { role: command, pid: process.pid } });
  if (command === 'all') return supervise(config, log);
  if (command === 'migrate' || command === 'keys') {
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
  const role = roles[command];
  if (!role) {
    console.error(`unknown command "${command}"\n${USAGE}`);
    return 2;
  }
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
      await assertSchemaCurrent(services.database.sql);
      return await runArchiveOnce(services, log);
    } finally {
      await services.close();
    }
  }
  const running = await role(services, log);
  const shutdown = handleShutdownSignals(
    async () => {
      await running.stop();
      await services.close();
    },
    config.SHUTDOWN_GRACE_MS,
    log,
    underSupervisor ? ['SIGTERM'] : undefined,
  );
  if (underSupervisor) joinSupervisor(shutdown);
  return -1;
}

/** Time the supervisor may take beyond SHUTDOWN_GRACE_MS to kill the children that overran it. */
const SUPERVISOR_KILL_MARGIN_MS = 2000;

/** `all`: the role processes under one supervisor, until SIGTERM/SIGINT drains them. */
async function supervise(config: Config, log: Logger): Promise<number> {
  const supervisor = new Supervisor(processPlan(config), { graceMs: config.SHUTDOWN_GRACE_MS }, log);
  handleShutdownSignals(() => supervisor.stop(), config.SHUTDOWN_GRACE_MS + SUPERVISOR_KILL_MARGIN_MS, log);
  try {
    await supervisor.start();
  } catch (error) {
    await supervisor.stop().catch(() => {});
    throw error;
  }
  return -1;
}

class StartupError extends Error {}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    const expected = [
      ConfigError,
      ConfigFileError,
      StartupError,
      SchemaOutdatedError,
      UsageError,
      ChildStartupError,
    ].some((type) => error instanceof type);
    console.error(`alertgate: ${expected ? (error as Error).message : ((error as Error).stack ?? error)}`);
    process.exit(1);
  },
);
