import { type ChildProcess, spawn } from 'node:child_process';

export interface ServerProcess {
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts a server in its own process (so it gets its own core, like production) and resolves with
 * the port it prints as `listening <port>` or, for Alertgate, its pino "Server listening" line.
 */
export function spawnServer(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = 30_000,
): Promise<ServerProcess> {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
  // A benchmark stopped midway (Ctrl-C, timeout) must not leave servers behind.
  const killChild = () => child.kill('SIGKILL');
  process.once('exit', killChild);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`server ${args.join(' ')} did not start in ${timeoutMs} ms`)),
      timeoutMs,
    );
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening (\d+)|listening at http:\/\/127\.0\.0\.1:(\d+)/i.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.stdout?.removeAllListeners('data');
      child.stdout?.resume();
      resolve({
        port: Number(match[1] ?? match[2]),
        child,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
    child.once('exit', (code) => reject(new Error(`server ${args.join(' ')} exited with ${code}`)));
  });
}
