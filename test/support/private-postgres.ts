/**
 * A PostgreSQL cluster of the test's own (initdb into a temp dir, random free port, migrated with
 * the project's migrations), so a fault test can stop and start it while the shared database keeps
 * serving every other test. PostgreSQL refuses to run as root, so the cluster runs as the stack's
 * system user (STACK_USER, default `alertgate`, created by scripts/stack.sh).
 */
import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { openDatabase, runMigrations } from '../../src/store/db.js';
import { closedPort } from './search-app.js';

const run = promisify(execFile);
const PG_BIN = '/usr/lib/postgresql/15/bin';
const STACK_USER = process.env.STACK_USER ?? 'alertgate';

export interface PrivatePostgres {
  /** URL of the migrated `alertgate` database. */
  url: string;
  /** Fast shutdown (`pg_ctl stop -m fast`): sessions are ended, the port closes. */
  stop(): Promise<void>;
  /** Starts the cluster again on the same port; resolves when it accepts connections. */
  start(): Promise<void>;
  /** Stops it (immediately) and deletes its data. */
  close(): Promise<void>;
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const port = await closedPort();
  const dir = mkdtempSync(join(tmpdir(), 'alertgate-pg-'));
  const data = join(dir, 'data');
  const asUser = (command: string, args: string[]) =>
    process.getuid?.() === 0 ? run('runuser', ['-u', STACK_USER, '--', command, ...args]) : run(command, args);
  if (process.getuid?.() === 0) chownSync(dir, Number((await run('id', ['-u', STACK_USER])).stdout.trim()), -1);
  await asUser(`${PG_BIN}/initdb`, [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth=trust',
    '--encoding=UTF8',
    '--locale=C.UTF-8',
  ]);
  const pgCtl = (...args: string[]) => asUser(`${PG_BIN}/pg_ctl`, ['-D', data, ...args]);
  const start = async () => {
    await pgCtl(
      ...['-l', join(dir, 'postgres.log'), '-w', '-t', '60', 'start'],
      ...['-o', `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=on -c synchronous_commit=on`],
    );
  };
  await start();

  const admin = openDatabase(`postgres://postgres@127.0.0.1:${port}/postgres`, { max: 1 });
  try {
    await admin.sql`create database alertgate`;
  } finally {
    await admin.close();
  }
  const url = `postgres://postgres@127.0.0.1:${port}/alertgate`;
  const database = openDatabase(url, { max: 1 });
  try {
    await runMigrations(database);
  } finally {
    await database.close();
  }

  return {
    url,
    stop: async () => void (await pgCtl('-m', 'fast', '-w', 'stop')),
    start,
    async close() {
      await pgCtl('-m', 'immediate', '-w', 'stop').catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
