import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhenResult,
  IsolatedCircuitError,
} from 'cockatiel';
import * as metrics from '../metrics.js';

export type CircuitStateName = 'closed' | 'half_open' | 'open';

const GAUGE: Record<CircuitState, number> = {
  [CircuitState.Closed]: 0,
  [CircuitState.HalfOpen]: 1,
  [CircuitState.Open]: 2,
  [CircuitState.Isolated]: 2,
};
const NAMES: Record<CircuitState, CircuitStateName> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.HalfOpen]: 'half_open',
  [CircuitState.Open]: 'open',
  [CircuitState.Isolated]: 'open',
};

/** True when the breaker refused to run the call (open, or half-open with its one trial in flight). */
export function isCircuitRejection(error: unknown): boolean {
  return error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError;
}

/**
 * One cockatiel circuit breaker per target in this process: opens after `threshold` consecutive
 * failed deliveries (as judged by `isFailure` on the returned outcome), half-opens after the cool-down
 * and lets one trial through.
 */
export class Breakers<T> {
  private readonly breakers = new Map<string, CircuitBreakerPolicy>();

  constructor(
    private readonly options: { threshold: number; halfOpenAfterMs: number; isFailure: (result: T) => boolean },
  ) {}

  /** Runs `fn` through the target's breaker; rejects with BrokenCircuitError when open. */
  execute(target: string, fn: () => Promise<T>): Promise<T> {
    return this.breaker(target).execute(fn);
  }

  state(target: string): CircuitStateName {
    const breaker = this.breakers.get(target);
    return breaker ? NAMES[breaker.state] : 'closed';
  }

  get halfOpenAfterMs(): number {
    return this.options.halfOpenAfterMs;
  }

  private breaker(target: string): CircuitBreakerPolicy {
    let breaker = this.breakers.get(target);
    if (!breaker) {
      breaker = circuitBreaker(
        handleWhenResult((result) => this.options.isFailure(result as T)),
        {
          halfOpenAfter: this.options.halfOpenAfterMs,
          breaker: new ConsecutiveBreaker(this.options.threshold),
        },
      );
      breaker.onStateChange((state) => metrics.publishCircuitState.set({ target }, GAUGE[state]));
      metrics.publishCircuitState.set({ target }, 0);
      this.breakers.set(target, breaker);
    }
    return breaker;
  }
}
