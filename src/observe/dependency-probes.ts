/** Dependency probes behind /readyz. */

export interface DependencyCheck {
  name: string;
  /** A required dependency that is down makes the process not ready. */
  required: boolean;
  check(): Promise<void>;
}

export interface DependencyStatus {
  status: 'up' | 'down';
  required: boolean;
  latencyMs: number;
  error?: string;
}

/** Runs every check in parallel, each bounded by `timeoutMs`. */
export async function probeDependencies(
  checks: readonly DependencyCheck[],
  timeoutMs: number,
): Promise<{ ready: boolean; dependencies: Record<string, DependencyStatus> }> {
  const results = await Promise.all(checks.map((check) => probe(check, timeoutMs)));
  const dependencies = Object.fromEntries(checks.map((check, i) => [check.name, results[i] as DependencyStatus]));
  const ready = results.every((result) => result.status === 'up' || !result.required);
  return { ready, dependencies };
}

async function probe(dependency: DependencyCheck, timeoutMs: number): Promise<DependencyStatus> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([dependency.check(), timeout]);
    return { status: 'up', required: dependency.required, latencyMs: elapsed(started) };
  } catch (error) {
    return {
      status: 'down',
      required: dependency.required,
      latencyMs: elapsed(started),
      error: String((error as Error).message ?? error),
    };
  } finally {
    clearTimeout(timer);
  }
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}
