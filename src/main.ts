#!/usr/bin/env node
/** Entry point: `alertgate [serve|worker|archive|all|migrate|check-config|config-doc|keys]`; roles are composed in src/compose. */
import { supervise } from './compose/supervisor.js';
import { ConfigError, configReference, loadConfig } from './config.js';
import { ConfigFileError } from './config-file.js';
import { createLogger } from './logger.js';
import { ChildStartupError } from './supervisor/supervisor.js';

const USAGE = `usage: alertgate [command]
  all           supervisor of gateway, worker and archiver processes (default)
  serve         HTTP gateway only
  worker        batch workers only
  archive       archiver loop only (--once: one run, exit 1 if a day failed)
  migrate       apply database migrations
  check-config  validate the environment and config files, exit 1 on any problem
  keys          create, list, rotate and revoke API keys (alertgate keys --help)
  config-doc    print the configuration reference as a Markdown table`;

/** Errors whose message says it all (printed without a stack trace); commands add their own. */
const expectedErrors: (abstract new (...args: never[]) => Error)[] = [ConfigError, ConfigFileError, ChildStartupError];

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
    const { checkConfigFiles } = await import('./config-check.js');
    const problems = checkConfigFiles(config);
    for (const problem of problems) console.error(problem);
    console.log(problems.length === 0 ? 'configuration ok' : `${problems.length} problem(s) found`);
    return problems.length === 0 ? 0 : 1;
  }
  const log = createLogger({ level: config.LOG_LEVEL, base: { role: command, pid: process.pid } });
  if (command === 'all') return supervise(config, log);
  // The other commands connect to the services: their modules are loaded for them only.
  const commands = await import('./commands.js');
  expectedErrors.push(...commands.EXPECTED_ERRORS);
  if (command === 'migrate' || command === 'keys') return commands.runDatabaseCommand(command, argv, config, log);
  if (!commands.isRole(command)) {
    console.error(`unknown command "${command}"\n${USAGE}`);
    return 2;
  }
  return commands.runRole(command, argv, config, log);
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    const expected = expectedErrors.some((type) => error instanceof type);
    console.error(`alertgate: ${expected ? (error as Error).message : ((error as Error).stack ?? error)}`);
    process.exit(1);
  },
);
