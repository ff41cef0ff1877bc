/**
 * A Redis server of the test's own (random free port, data in a temp dir, append-only file on), so
 * a fault test can stop, kill and restart it while the shared Redis keeps serving every other test.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { waitFor } from './harness.js';
import { closedPort } from './search-app.js';

export interface PrivateRedis {
  url: string;
  readonly running: boolean;
  /**
   * Ends the server: SIGTERM is Redis's graceful shutdown (it flushes and fsyncs the append-only
   * file), SIGKILL a crash. Resolves once the process is gone.
   */
  stop(signal: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Starts it again on the same port and data directory; resolves when it answers PING. */
  start(): Promise<void>;
  /** Kills it and deletes its data. */
  close(): Promise<void>;
}

/** Starts a private Redis with `appendfsync` as given (everysec: Redis's default; always: fsync per write). */
export async function startPrivateRedis(appendfsync: 'always' | 'everysec'): Promise<PrivateRedis> {
  const port = await closedPort();
  const dir = mkdtempSync(join(tmpdir(), 'alertgate-redis-'));
  let server: ChildProcess | undefined;
  let exited: Promise<unknown> = Promise.resolve();

  const start = async () => {
    const child = spawn(
      'redis-server',
      [
        ...['--bind', '127.0.0.1', '--port', String(port), '--dir', dir],
        ...['--appendonly', 'yes', '--appendfsync', appendfsync, '--save', ''],
        ...['--maxmemory-policy', 'noeviction', '--logfile', join(dir, 'redis.log')],
      ],
      { stdio: 'ignore' },
    );
    server = child;
    exited = once(child, 'exit').then(() => {
      if (server === child) server = undefined;
    });
    await waitFor(() => ping(port), 10_000, 100);
  };
  const stop = async (signal: NodeJS.Signals) => {
    server?.kill(signal);
    await exited;
  };

  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    get running() {
      return server !== undefined;
    },
    stop,
    start,
    async close() {
      await stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function ping(port: number): Promise<boolean> {
  const client = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}
