/**
 * `npm run loadtest -- --scenario steady --duration 60 [--rate 3x] [--target http://host:port --keys-file f]`
 * Starts Alertgate (built dist/, own queue prefix and tenants) unless --target is given, runs the
 * scenario, verifies the outcome in PostgreSQL, prints a table and writes loadtest/results/*.json.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/store/db.js';
import type { KeyRing } from './lib/load.js';
import type { Target } from './lib/measure.js';
import { QueueDepth, waitForQuietMachine } from './lib/probes.js';
import { printChecks, printTable, RESULTS_DIR, runRows, writeResult } from './lib/report.js';
import { buildAlertgate, cleanup, createTenants, type StartedProcess, startAlertgate, startBare } from './lib/stack.js';
import { SCENARIOS } from './scenarios/index.js';
import type { ScenarioOptions } from './scenarios/scenario.js';

const USAGE = `usage: npm run loadtest -- --scenario <${Object.keys(SCENARIOS).join('|')}> [options]
  --duration <s>          seconds of load (steady 60, soak 120, spike 120, ratelimit 60)
  --rate <N|Nx>           multiple of 600 GB/day (6.94 MB/s of payload), default 1
  --connections <n>       concurrent connections, default 50
  --seed <n>              generator seed, default 1
  --p99-bound <ms>        p99 accept latency bound, default 50
  --step-seconds <s>      max: seconds per rate step, default 10
  --probe-seconds <s>     max: seconds of each bare-route probe, default 10
  --hot-provider <type>   ratelimit: provider pushed over its bucket, default datadog
  --hot-capacity <n> --hot-refill <n> --hot-overload <x>   its bucket (default 50, 50/s) and overload (5×)
  --timeout <s>           hard limit for the whole run
  --wait-idle <s>         wait up to this long for the machine to be < 25% busy before sending, default 120
  --no-build              use the existing dist/ instead of running npm run build first
  --keep-data             leave the run's tenants, rows and queue keys in place
  --profile               run the gateway with --cpu-prof (profiles under loadtest/results/<run>/profiles)
  --gateway-import <file> preload a module into the gateway (what-if experiments, e.g. loadtest/experiments/*.mjs)
remote deployment (nothing is started; see README "Load tests"):
  --target <url>          base URL of the deployment
  --keys-file <path>      JSON {"tenants":[{"tenant":"t","keys":["ag_…"]}]}
  --database-url <url>    enables drain detection and the stored = sent verification
  --redis-url <url> --queue-prefix <p> --shards <n>   enable the queue-depth probe
  --pid <pid>             gateway process on this machine, for CPU and RSS`;

const DEFAULT_DURATION: Record<string, number> = { steady: 60, soak: 120, spike: 120, ratelimit: 60, max: 0 };

function multiple(value: string): number {
  const parsed = Number(value.replace(/x$/i, ''));
  if (!(parsed > 0)) throw new Error(`--rate expects a positive multiple like 3x, got "${value}"`);
  return parsed;
}

async function readKeysFile(path: string): Promise<KeyRing> {
  const parsed = JSON.parse(await readFile(path, 'utf8')) as { tenants?: { tenant: string; keys: string[] }[] };
  const tenants = parsed.tenants ?? [];
  if (tenants.length === 0 || tenants.some((t) => !t.tenant || !Array.isArray(t.keys) || t.keys.length === 0))
    throw new Error(`${path}: expected {"tenants":[{"tenant":"name","keys":["key", …]}, …]}`);
  return { tenants: tenants.map((t) => t.tenant), keys: tenants.map((t) => t.keys) };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      scenario: { type: 'string' },
      duration: { type: 'string' },
      rate: { type: 'string', default: '1' },
      connections: { type: 'string', default: '50' },
      seed: { type: 'string', default: '1' },
      'p99-bound': { type: 'string', default: '50' },
      'step-seconds': { type: 'string', default: '10' },
      'probe-seconds': { type: 'string', default: '10' },
      'hot-provider': { type: 'string', default: 'datadog' },
      'hot-capacity': { type: 'string', default: '50' },
      'hot-refill': { type: 'string', default: '50' },
      'hot-overload': { type: 'string', default: '5' },
      tenants: { type: 'string', default: '4' },
      'keys-per-tenant': { type: 'string', default: '2' },
      timeout: { type: 'string' },
      'wait-idle': { type: 'string', default: '120' },
      'no-build': { type: 'boolean', default: false },
      'keep-data': { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      'gateway-import': { type: 'string' },
      target: { type: 'string' },
      'keys-file': { type: 'string' },
      'database-url': { type: 'string' },
      'redis-url': { type: 'string' },
      'queue-prefix': { type: 'string', default: 'alertgate' },
      shards: { type: 'string', default: '16' },
      pid: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  const scenario = SCENARIOS[values.scenario ?? ''];
  if (values.help || !scenario) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const options: ScenarioOptions = {
    duration: Number(values.duration ?? DEFAULT_DURATION[scenario.name]),
    rate: multiple(values.rate),
    connections: Number(values.connections),
    seed: Number(values.seed),
    tenants: Number(values.tenants),
    keysPerTenant: Number(values['keys-per-tenant']),
    p99BoundMs: Number(values['p99-bound']),
    stepSeconds: Number(values['step-seconds']),
    probeSeconds: Number(values['probe-seconds']),
    hotProvider: values['hot-provider'],
    hotBucket: { capacity: Number(values['hot-capacity']), refillPerSecond: Number(values['hot-refill']) },
    hotOverload: Number(values['hot-overload']),
  };
  const log = (line: string) => console.error(`[loadtest] ${line}`);
  const startedAt = new Date().toISOString();
  const runId = `lt-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const workDir = `${RESULTS_DIR}${runId}`;
  await mkdir(workDir, { recursive: true });

  const remote = values.target !== undefined;
  const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent' });
  const databaseUrl = remote ? values['database-url'] : config.DATABASE_URL;
  const redisUrl = remote ? values['redis-url'] : config.REDIS_URL;
  const database = databaseUrl
    ? openDatabase(databaseUrl, { max: 4, applicationName: 'alertgate-loadtest' })
    : undefined;
  const redis = redisUrl ? new Redis(redisUrl, { maxRetriesPerRequest: null }) : undefined;
  const queuePrefix = remote ? values['queue-prefix'] : runId;
  const depth = redis ? new QueueDepth(redis, queuePrefix, remote ? Number(values.shards) : config.SHARDS) : undefined;
  let gateway: StartedProcess | undefined;
  let keys: KeyRing | undefined;

  let tornDown: Promise<void> | undefined;
  /** Stops the gateway and removes the run's data; runs once, from `finally` or on a signal. */
  const teardown = () => {
    tornDown ??= (async () => {
      if (gateway) {
        const code = await gateway.stop();
        if (code !== 0) log(`gateway exited with ${code}:\n${gateway.output()}`);
        if (values.profile) log(`CPU profile in ${workDir}/profiles (npm run loadtest:profile -- ${workDir}/profiles)`);
      }
      await depth?.close();
      if (!remote && keys && database && redis && !values['keep-data'])
        await cleanup(database, redis, keys.tenants, runId);
      await database?.close();
      redis?.disconnect();
    })();
    return tornDown;
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping the gateway and cleaning up`);
      void teardown().finally(() => process.exit(130));
    });
  }

  const budget = Number(values.timeout ?? (scenario.name === 'max' ? 1800 : options.duration * 4 + 300));
  const hardStop = setTimeout(() => {
    log(`hard timeout of ${budget} s reached; stopping`);
    void (gateway?.stop(2000) ?? Promise.resolve()).finally(() => process.exit(3));
  }, budget * 1000);
  hardStop.unref();

  try {
    let target: Target;
    if (remote) {
      if (!values['keys-file']) throw new Error('--target needs --keys-file');
      keys = await readKeysFile(values['keys-file']);
      options.tenants = Math.min(options.tenants, keys.tenants.length);
      options.keysPerTenant = Math.min(options.keysPerTenant, ...keys.keys.map((k) => k.length));
      target = {
        url: (values.target as string).replace(/\/$/, ''),
        keys,
        sql: database?.sql,
        depth,
        pid: values.pid ? Number(values.pid) : undefined,
        drainTimeoutSeconds: 300,
      };
    } else {
      if (!database) throw new Error('no database');
      if (values['no-build']) log('using the existing dist/');
      else {
        log('building (npm run build)…');
        await buildAlertgate(log);
      }
      keys = await createTenants(database, runId, options.tenants, options.keysPerTenant);
      const env = { QUEUE_PREFIX: runId, ...(await scenario.gatewayEnv?.(options, workDir)) };
      const nodeFlags = [
        ...(values.profile ? ['--cpu-prof', `--cpu-prof-dir=${workDir}/profiles`] : []),
        ...(values['gateway-import'] ? ['--import', resolve(values['gateway-import'])] : []),
      ];
      gateway = await startAlertgate(env, nodeFlags);
      log(`alertgate pid ${gateway.pid} on ${gateway.url}, queue prefix ${runId}, tenants ${keys.tenants.join(', ')}`);
      target = { url: gateway.url, keys, sql: database.sql, depth, pid: gateway.pid, drainTimeoutSeconds: 180 };
    }

    const background = await waitForQuietMachine(25, Number(values['wait-idle']));
    log(
      `machine busy before sending: ${background}% of all cores${background > 25 ? ' (figures are disturbed by other work)' : ''}`,
    );
    const outcome = await scenario.run({ target, options, startBare: remote ? undefined : startBare, log });
    if (scenario.name !== 'max')
      for (const run of outcome.runs) printTable(`${scenario.name}: ${run.label}`, runRows(run));
    printChecks(outcome.checks);
    const file = await writeResult({
      scenario: scenario.name,
      startedAt,
      target: remote ? (values.target as string) : 'local',
      options: { ...options, machineBusyBeforePercent: background, gatewayImport: values['gateway-import'] ?? null },
      runs: outcome.runs,
      summary: outcome.summary,
      checks: outcome.checks,
    });
    console.log(`\nresults: ${file}`);
    return outcome.checks.every((check) => check.ok) ? 0 : 1;
  } finally {
    await teardown();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`loadtest: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(2);
  },
);
