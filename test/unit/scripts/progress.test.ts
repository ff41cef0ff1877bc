/**
 * scripts/progress.sh, as stack.sh and start.sh use it: a redrawn line on a terminal (a pty from
 * util-linux `script`), plain lines without carriage returns or escape codes elsewhere.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const PROGRESS = fileURLToPath(new URL('../../../scripts/progress.sh', import.meta.url));
const ESC = '\u001b';
/** What the terminal does before each redraw: back to the line start, clear the line. */
const REDRAW = `\r${ESC}[K`;

/** A step of over 2 s with a detail function, then a failing step. */
const STEPS = `
  source '${PROGRESS}'
  PROGRESS_INTERVAL=1
  detail() { echo '3.0 MB'; }
  run_step 'fetching' detail sleep 2.2
  run_step 'failing' - bash -c 'echo first; echo "the reason" >&2; exit 3' || echo "status $?"
`;

function run(env: Record<string, string>, onTerminal: boolean): { stderr: string; stdout: string } {
  // --norc: bash reads ~/.bashrc when its stdin is a socket (Node's pipes are), taking it for rshd.
  const command = onTerminal
    ? ['script', '-qec', `bash --norc -c ${quote(STEPS)}`, '/dev/null']
    : ['bash', '--norc', '-c', STEPS];
  const result = spawnSync(command[0] as string, command.slice(1), {
    env: { PATH: process.env.PATH, TERM: 'xterm', ...env },
    encoding: 'utf8',
  });
  // Under `script` both streams arrive through the terminal, on stdout.
  return { stderr: result.stderr, stdout: result.stdout };
}

function quote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

const PROGRESS_LINE = /^stack: fetching … [12]s, 3\.0 MB$/;
const DONE_LINE = /^stack: fetching done \([23]s\)$/;

describe('run_step', () => {
  it('prints plain lines with the elapsed seconds and the detail when not on a terminal', () => {
    const { stderr, stdout } = run({}, false);
    expect(stderr).not.toContain('\r');
    expect(stderr).not.toContain(ESC);
    const lines = stderr.trimEnd().split('\n');
    expect(lines[0]).toBe('stack: fetching …');
    expect(lines.filter((line) => PROGRESS_LINE.test(line)).length).toBeGreaterThanOrEqual(1);
    expect(lines.filter((line) => DONE_LINE.test(line))).toHaveLength(1);
    // A failure names the exit status and shows the command's output.
    const [failed, ...output] = lines.slice(-3);
    expect(failed).toMatch(/^stack: failing failed after [01]s \(exit 3\)$/);
    expect(output).toEqual(['  | first', '  | the reason']);
    expect(stdout).toBe('status 3\n');
  });

  it('prints plain lines on a terminal too when CI=true', () => {
    const { stdout } = run({ CI: 'true' }, true);
    expect(stdout).not.toContain(ESC);
    // The terminal itself ends lines with \r\n; no other carriage return may appear.
    const lines = stdout.replaceAll('\r\n', '\n').split('\n');
    expect(lines.join('\n')).not.toContain('\r');
    expect(lines.filter((line) => DONE_LINE.test(line))).toHaveLength(1);
  });

  it('redraws one line per step on a terminal', () => {
    const { stdout } = run({}, true);
    const [beforeFirstRedraw, ...redraws] = stdout.split(REDRAW);
    expect(beforeFirstRedraw).toBe('');
    // Every redraw of the running step shows its elapsed seconds and detail; the last one closes it.
    const done = redraws.findIndex((text) => text.startsWith('stack: fetching done'));
    expect(done).toBeGreaterThanOrEqual(2);
    expect(redraws.slice(0, done).every((text) => /^stack: fetching … \ds, 3\.0 MB$/.test(text))).toBe(true);
    expect(redraws[done]).toMatch(/^stack: fetching done \([23]s\)\r\n$/);
  });
});
