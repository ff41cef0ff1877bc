/** The contract every scenario follows, and the options they share. */
import { AlertGenerator, type GeneratorOptions } from '../generator/generator.js';
import type { Figures, Target } from '../lib/measure.js';
import type { TargetCheck } from '../lib/report.js';
import type { StartedProcess } from '../lib/stack.js';

export interface ScenarioOptions {
  /** Seconds of load (per phase set; see each scenario). */
  duration: number;
  /** Multiple of the 600 GB/day payload rate (`--rate 3x`). */
  rate: number;
  connections: number;
  seed: number;
  tenants: number;
  keysPerTenant: number;
  /** p99 accept latency bound, ms. */
  p99BoundMs: number;
  /** `max`: seconds per rate step. */
  stepSeconds: number;
  /** `max`: seconds of each unrated bare-route probe. */
  probeSeconds: number;
  /** `ratelimit`: the provider pushed over its bucket, the bucket, and how far over. */
  hotProvider: string;
  hotBucket: { capacity: number; refillPerSecond: number };
  hotOverload: number;
}

export interface ScenarioContext {
  target: Target;
  options: ScenarioOptions;
  /** Starts the bare Fastify route for comparison (local runs), or undefined when unavailable. */
  startBare?: () => Promise<StartedProcess>;
  log: (line: string) => void;
}

export interface ScenarioOutcome {
  runs: Figures[];
  summary: Record<string, number | boolean | null>;
  checks: TargetCheck[];
}

export interface Scenario {
  name: string;
  describe: string;
  /** Environment for a gateway this runner starts itself (e.g. a rate-limits file). */
  gatewayEnv?: (options: ScenarioOptions, workDir: string) => Promise<Record<string, string>>;
  run(context: ScenarioContext): Promise<ScenarioOutcome>;
}

/** A generator over the run's tenants and keys with the given overrides. */
export function generatorFor(options: ScenarioOptions, overrides: Partial<GeneratorOptions> = {}): AlertGenerator {
  return new AlertGenerator({
    seed: options.seed,
    tenants: options.tenants,
    keysPerTenant: options.keysPerTenant,
    ...overrides,
  });
}
