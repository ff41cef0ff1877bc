/**
 * Alertgate roles as real child processes (`node --import tsx src/main.ts <role>`), for fault tests
 * that kill, stop and restart them. Spawned without npx or a shell, so a signal reaches Alertgate itself.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { workerAnnouncementKey } from '../../src/pipeline/shard-ownership.js';
import type { RedisClient } from '../../src/redis.js';
import { waitFor } from './harness.js';
import { parsePrometheus, total } from './prometheus-text.js';

export interface AlertgateProcess {
  role: string;
  pid: number;
  /** Whether the process is still running (it has not exited or been killed). */
  readonly running: boolean;
  /** The exit code once the process has exited (null while running or when killed by a signal). */
  readonly exitCode: number | null;
  /** The last 64 KB the process printed (stdout and stderr), to explain a failed test. */
  output(): string;
  /** Sends `signal` and resolves once the process has exited. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

const OUTPUT_LIMIT = 65_536;
const PROJECT_DIR = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Starts `alertgate <role>` with `env` on top of this process's environment; resolves once `ready`
 * holds for it, or kills it and throws (with its output) when that takes longer than `timeoutMs`.
 */
export async function startAlertgate(
  role: 'serve' | 'worker' | 'all',
  env: Record<string, string>,
  ready: (child: AlertgateProcess) => Promise<boolean>,
  timeoutMs = 30_000,
): Promise<AlertgateProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', role], {
    cwd: PROJECT_DIR,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let printed = '';
  const keep = (chunk: Buffer) => {
    printed = (printed + chunk.toString('utf8')).slice(-OUTPUT_LIMIT);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited = false;
  const exit = once(child, 'exit').then(() => {
    exited = true;
  });
  const handle: AlertgateProcess = {
    role,
    pid: child.pid as number,
    get running() {
      return !exited;
    },
    get exitCode() {
      return child.exitCode;
    },
    output: () => printed,
    async kill(signal) {
      if (!exited) child.kill(signal);
      await exit;
    },
  };
  try {
    await waitFor(async () => {
      if (exited) throw new Error(`alertgate ${role} exited during start-up`);
      return ready(handle);
    }, timeoutMs);
  } catch (error) {
    await handle.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n--- alertgate ${role} output ---\n${printed}`);
  }
  return handle;
}

/** Readiness of `serve`: GET /healthz answers on `port`. */
export function httpReady(port: number): () => Promise<boolean> {
  return async () => {
    try {
      return (await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1000) })).ok;
    } catch {
      return false;
    }
  };
}

/**
 * Readiness of `worker`: the process announces in Redis (under the queue prefix) that it owns at
 * least one shard. Reads the announcements through `redis`, which must reach the same Redis.
 */
export function ownsShards(redis: RedisClient, prefix: string): (child: AlertgateProcess) => Promise<boolean> {
  return async (child) => {
    const keys = await redis.keys(workerAnnouncementKey(prefix, '*'));
    const announcements = keys.length > 0 ? await redis.mget(...keys) : [];
    return announcements.some((text) => {
      const announced = text ? (JSON.parse(text) as { pid: number; shards: number[] }) : null;
      return announced?.pid === child.pid && announced.shards.length > 0;
    });
  };
}

/**
 * Readiness of `all`: the supervisor's /metrics (served by a gateway child) counts `children`
 * children that have started their role.
 */
export function supervising(port: number, children: number): () => Promise<boolean> {
  return async () => {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5000) });
      if (!response.ok) return false;
      return total(parsePrometheus(await response.text()), 'alertgate_supervisor_children') === children;
    } catch {
      return false;
    }
  };
}

/** The live child processes of `pid` with the Alertgate role each runs (`main.ts <role>`), from /proc. */
export async function childProcesses(pid: number): Promise<{ pid: number; role: string }[]> {
  const children: { pid: number; role: string }[] = [];
  for (const entry of (await readdir('/proc')).filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      // Fields after the parenthesised command name: state, then the parent pid.
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent !== pid) continue;
      const args = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).split('\0');
      const main = args.findIndex((arg) => /main\.[jt]s$/.test(arg));
      if (main >= 0) children.push({ pid: Number(entry), role: args[main + 1] ?? '' });
    } catch {
      // The process exited between listing and reading.
    }
  }
  return children;
}
