/**
 * The local stack's services (scripts/stack.sh) each run in a session of their own, so they outlive
 * the terminal and the process group that started them: Ctrl-C on `npm start`, or killing its
 * group, stops the gateway and leaves the stack up. Reads /proc for the running services, found
 * through their pid files under STACK_DIR (default `.stack`, as in stack.sh); without any of them
 * (services given by URL, e.g. docker compose) there is no local stack to check.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const STACK_DIR = process.env.STACK_DIR ?? fileURLToPath(new URL('../../.stack', import.meta.url));

/** Pid files, relative to STACK_DIR; each holds the service's main pid on its first line. */
const PID_FILES = {
  postgres: 'postgres/postmaster.pid',
  redis: 'redis/redis.pid',
  elasticsearch: 'es.pid',
};

interface ProcessInfo {
  pid: number;
  command: string;
  parent: number;
  group: number;
  session: number;
}

function processInfo(pid: number): ProcessInfo | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command is parenthesised and may hold spaces or ')': the fields after the last ')' are fixed.
  const end = stat.lastIndexOf(')');
  const [, parent, group, session] = stat.slice(end + 2).split(' ');
  return {
    pid,
    command: stat.slice(stat.indexOf('(') + 1, end),
    parent: Number(parent),
    group: Number(group),
    session: Number(session),
  };
}

function runningProcesses(): Map<number, ProcessInfo> {
  const processes = new Map<number, ProcessInfo>();
  for (const name of readdirSync('/proc')) {
    const info = /^\d+$/.test(name) ? processInfo(Number(name)) : null;
    if (info) processes.set(info.pid, info);
  }
  return processes;
}

function descendsFrom(info: ProcessInfo, ancestor: number, processes: Map<number, ProcessInfo>): boolean {
  for (let current: ProcessInfo | undefined = info; current; current = processes.get(current.parent)) {
    if (current.pid === ancestor) return true;
    if (current.parent <= 1) return false;
  }
  return false;
}

const ownProcess = processInfo(process.pid) as ProcessInfo;
const localStack = Object.values(PID_FILES).some((pidFile) => existsSync(`${STACK_DIR}/${pidFile}`));

describe.skipIf(!localStack)(`local stack services (${STACK_DIR})`, () => {
  it.each(Object.entries(PID_FILES))('%s runs in a session of its own', (_service, pidFile) => {
    const pid = Number(readFileSync(`${STACK_DIR}/${pidFile}`, 'utf8').split('\n')[0]);
    const service = processInfo(pid);
    expect(service, `pid ${pid} from ${pidFile} is not running`).not.toBeNull();
    if (!service) return;
    expect(service.session).not.toBe(ownProcess.session);
    expect(service.group).not.toBe(ownProcess.group);
    // Nothing but the service and its children (e.g. PostgreSQL backends) shares its session: no
    // shell, npm or node process whose group or terminal could take the service down with it.
    const processes = runningProcesses();
    const strangers = [...processes.values()]
      .filter((other) => other.session === service.session && !descendsFrom(other, service.pid, processes))
      .map((other) => `${other.pid} (${other.command})`);
    expect(strangers).toEqual([]);
  });
});
