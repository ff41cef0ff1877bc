/**
 * A Redis Cluster of the test's own: three masters (no replicas) on free 127.0.0.1 ports, data
 * in a temp dir, no persistence. The shared Redis is a single server, so cluster tests bring this.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from './harness.js';
import { closedPort } from './search-app.js';

const run = promisify(execFile);

export interface LocalRedisCluster {
  /** `host:port` of each master, as REDIS_CLUSTER_NODES takes them. */
  nodes: string[];
  /** Kills every server and deletes their data. */
  close(): Promise<void>;
}

export async function startRedisCluster(masters = 3): Promise<LocalRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'alertgate-redis-cluster-'));
  const ports: number[] = [];
  for (let i = 0; i < masters; i++) ports.push(await closedPort());
  const servers: ChildProcess[] = ports.map((port) =>
    spawn(
      'redis-server',
      [
        ...['--bind', '127.0.0.1', '--port', String(port), '--dir', dir],
        ...['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`],
        ...['--save', '', '--appendonly', 'no', '--logfile', join(dir, `redis-${port}.log`)],
      ],
      { stdio: 'ignore' },
    ),
  );
  const nodes = ports.map((port) => `127.0.0.1:${port}`);
  const cli = async (node: string, ...args: string[]) => {
    const [host, port] = node.split(':') as [string, string];
    return (await run('redis-cli', ['-h', host, '-p', port, ...args])).stdout.trim();
  };
  const close = async () => {
    await Promise.all(
      servers.map((server) => {
        if (server.exitCode !== null || server.signalCode !== null) return undefined;
        server.kill('SIGKILL');
        return once(server, 'exit');
      }),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const node of nodes)
      await waitFor(() =>
        cli(node, 'ping').then(
          (reply) => reply === 'PONG',
          () => false,
        ),
      );
    await run('redis-cli', ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes']);
    // Every node must have learnt the whole slot map before clients are told about it.
    for (const node of nodes)
      await waitFor(async () => (await cli(node, 'cluster', 'info')).includes('cluster_state:ok'));
  } catch (error) {
    await close();
    throw error;
  }
  return { nodes, close };
}
