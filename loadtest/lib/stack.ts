/** Starts the processes under test (Alertgate, the bare Fastify route, Alertmanager) and the tenants they serve. */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Redis } from 'ioredis';
import { ApiKeyStore } from '../../src/auth/api-keys.js';
import type { Database } from '../../src/store/db.js';
import type { KeyRing } from './load.js';

const ROOT = new URL('../../', import.meta.url).pathname;

export interface StartedProcess {
  pid: number;
  url: string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
  /** Last lines the process wrote to stderr/stdout, for error messages. */
  output(): string;
}

/** A port the OS reports free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** `npm run build`; a failed type-check still leaves runnable JS (tsc emits anyway), which is reported, not fatal. */
export async function buildAlertgate(log: (line: string) => void): Promise<void> {
  try {
    await promisify(execFile)('npm', ['run', 'build'], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    if (!existsSync(`${ROOT}dist/main.js`)) throw error;
    log(`warning: npm run build reported errors; running the emitted dist/ anyway:\n${String(error).slice(0, 2000)}`);
  }
}

function watch(child: ChildProcess, url: string): StartedProcess {
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString().split('\n').filter(Boolean));
    lines.splice(0, Math.max(0, lines.length - 40));
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    pid: child.pid as number,
    url,
    output: () => lines.join('\n'),
    stop: async (graceMs = 20_000) => {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

async function waitReady(started: StartedProcess, child: ChildProcess, path: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`process exited with ${child.exitCode}:\n${started.output()}`);
    const ok = await fetch(`${started.url}${path}`).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await started.stop(1000);
  throw new Error(`not ready after ${timeoutMs} ms:\n${started.output()}`);
}

/** `node [nodeFlags] dist/main.js all` on 127.0.0.1 with the given environment; resolves once /readyz answers 200. */
export async function startAlertgate(env: Record<string, string>, nodeFlags: string[] = []): Promise<StartedProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeFlags, 'dist/main.js', 'all'], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env, HOST: '127.0.0.1', PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const started = watch(child, `http://127.0.0.1:${port}`);
  await waitReady(started, child, '/readyz', 60_000);
  return started;
}

/** The bare Fastify route (parse the body, discard it) in its own process: the ceiling to compare with. */
export async function startBare(): Promise<StartedProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'loadtest/lib/bare-server.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const started = watch(child, `http://127.0.0.1:${port}`);
  await waitReady(started, child, '/healthz', 30_000);
  return started;
}

/** Debian's `prometheus-alertmanager`, the peer `bench:peers` compares with. */
export const ALERTMANAGER_BIN = '/usr/bin/prometheus-alertmanager';

/**
 * Alertmanager with nowhere to send (a null receiver): alerts are only ingested and held in memory.
 * Its configuration and storage live in a temp directory, removed when it stops.
 */
export async function startAlertmanager(): Promise<StartedProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'alertgate-peer-alertmanager-'));
  const configFile = join(dir, 'alertmanager.yml');
  // JSON is YAML.
  writeFileSync(configFile, JSON.stringify({ route: { receiver: 'null' }, receivers: [{ name: 'null' }] }));
  const port = await freePort();
  const child = spawn(
    ALERTMANAGER_BIN,
    [
      `--config.file=${configFile}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // No gossip: it would listen on every interface.
      '--cluster.listen-address=',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const watched = watch(child, `http://127.0.0.1:${port}`);
  const started = {
    ...watched,
    stop: async (graceMs?: number) => {
      const code = await watched.stop(graceMs);
      rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
  await waitReady(started, child, '/-/ready', 30_000);
  return started;
}

/** Creates `tenants` tenants named `<prefix>-<i>` with `keysPerTenant` webhook keys each. */
export async function createTenants(
  database: Database,
  prefix: string,
  tenants: number,
  keysPerTenant: number,
  providers?: (tenant: number, key: number) => string[] | null,
): Promise<KeyRing> {
  const store = new ApiKeyStore(database.db, 10_000);
  const ring: KeyRing = { tenants: [], keys: [] };
  for (let tenant = 0; tenant < tenants; tenant++) {
    const name = `${prefix}-${tenant}`;
    ring.tenants.push(name);
    const keys: string[] = [];
    for (let key = 0; key < keysPerTenant; key++) {
      const created = await store.create({
        tenant: name,
        name: `loadtest-${key}`,
        providers: providers?.(tenant, key) ?? null,
      });
      keys.push(created.key);
    }
    ring.keys.push(keys);
  }
  return ring;
}

/** Removes everything the run stored: its tenants' rows and its queue prefix in Redis. */
export async function cleanup(database: Database, redis: Redis, tenants: string[], queuePrefix: string): Promise<void> {
  const { sql } = database;
  await sql`delete from alerts where tenant = any(${tenants}::text[])`;
  await sql`delete from alert_raw where tenant = any(${tenants}::text[])`;
  await sql`delete from last_alert where tenant = any(${tenants}::text[])`;
  await sql`delete from api_keys where tenant = any(${tenants}::text[])`;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${queuePrefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
}
