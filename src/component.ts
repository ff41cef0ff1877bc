/**
 * The one lifecycle every long-running part of Alertgate follows: a builder starts its parts and
 * registers how to undo each; `stop` undoes them all, once, however often it is called.
 */

/** A started long-running component. `stop` waits for in-flight work and is safe to call twice. */
export interface Component {
  stop(): Promise<void>;
}

/** One piece of undoing: close a connection, stop a timer, stop a sub-component. */
export type Cleanup = () => unknown;

/** What a builder registers its cleanups with. */
export interface Scope {
  /** Runs `cleanups` together at stop, after everything registered later has been undone. */
  onStop(...cleanups: Cleanup[]): void;
  /** Stops `component` at stop, after everything registered later; returns it. */
  own<T extends Component>(component: T): T;
}

/** A stop whose cleanups failed; `errors` holds every failure, those of sub-components flattened in. */
export class StopError extends AggregateError {
  constructor(errors: unknown[]) {
    super(errors, `${errors.length} cleanup step(s) failed while stopping`);
    this.name = 'StopError';
  }
}

/**
 * Builds a component. At stop the registered cleanups run in reverse order of registration (what
 * started last stops first), the cleanups of one registration together; every one runs even when an
 * earlier one failed (`Promise.allSettled`), and the stop then rejects with a StopError listing all
 * failures. If `build` throws, what it had started is stopped before the error is rethrown.
 */
export async function startComponent<T extends object>(
  build: (scope: Scope) => Promise<T> | T,
): Promise<Omit<T, 'stop'> & Component> {
  const groups: Cleanup[][] = [];
  const scope: Scope = {
    onStop: (...cleanups) => void groups.push(cleanups),
    own: (component) => {
      groups.push([() => component.stop()]);
      return component;
    },
  };
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= runGroups(groups.reverse());
    return stopped;
  };
  let built: T;
  try {
    built = await build(scope);
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
  return { ...built, stop };
}

/**
 * Runs `cleanups` together, every one even when another fails, then rejects with a StopError
 * listing all failures: the stop of one registration, for resources held outside a component.
 */
export function runCleanups(...cleanups: Cleanup[]): Promise<void> {
  return runGroups([cleanups]);
}

async function runGroups(groups: Cleanup[][]): Promise<void> {
  const errors: unknown[] = [];
  for (const group of groups) {
    const results = await Promise.allSettled(group.map(async (cleanup) => cleanup()));
    for (const result of results) {
      if (result.status === 'fulfilled') continue;
      if (result.reason instanceof StopError) errors.push(...result.reason.errors);
      else errors.push(result.reason);
    }
  }
  if (errors.length > 0) throw new StopError(errors);
}
