import type { DeliveryFailure } from '../failure.js';
import type { RedisClient } from '../redis.js';

/** Whether a failure says the target is broken (not just this payload): transient, or auth/gone answers. */
export function countsAgainstTarget(failure: DeliveryFailure): boolean {
  if (failure.class === 'transient') return true;
  return (
    failure.statusCode === 401 || failure.statusCode === 403 || failure.statusCode === 404 || failure.statusCode === 410
  );
}

export type Admission = 'healthy' | 'probe' | 'unhealthy';

export interface TargetHealthView {
  consecutiveFailures: number;
  healthy: boolean;
}

export interface TargetHealthOptions {
  /** Consecutive failures after which a target is unhealthy. */
  unhealthyAfter: number;
  /** How often an unhealthy target gets one delivery as a probe, in ms. */
  probeIntervalMs: number;
  /** How long a failure count read from Redis is reused, in ms. */
  cacheMs?: number;
}

/**
 * Target health shared by every worker through Redis: a counter of consecutive failures. At
 * `unhealthyAfter` or more the target is unhealthy and the fan-out skips it, except for one
 * delivery per probe interval (claimed with SET NX, so one worker probes); any success heals it.
 */
export class TargetHealth {
  /** Counters read from Redis, reused for `cacheMs` so the fan-out rarely waits on a round trip. */
  private readonly cache = new Map<string, { failures: number; at: number }>();

  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly options: TargetHealthOptions,
  ) {}

  private key(target: string): string {
    return `${this.prefix}:publish:failures:${target}`;
  }

  /**
   * Consecutive failures per target (0 when unknown). Counts younger than `cacheMs` (default
   * 250 ms) come from memory, the rest in one MGET: another worker's failures show up that late.
   */
  async failures(targets: readonly string[]): Promise<Map<string, number>> {
    const now = Date.now();
    const maxAge = this.options.cacheMs ?? 250;
    const stale = targets.filter((target) => now - (this.cache.get(target)?.at ?? 0) >= maxAge);
    if (stale.length > 0) {
      const values = await this.redis.mget(...stale.map((target) => this.key(target)));
      for (const [i, target] of stale.entries()) this.cache.set(target, { failures: Number(values[i] ?? 0), at: now });
    }
    return new Map(targets.map((target) => [target, this.cache.get(target)?.failures ?? 0]));
  }

  /** Healthy, or unhealthy, or unhealthy but this caller won the probe slot. */
  async admit(target: string, failures: number): Promise<Admission> {
    if (failures < this.options.unhealthyAfter) return 'healthy';
    const claimed = await this.redis.set(`${this.key(target)}:probe`, '1', 'PX', this.options.probeIntervalMs, 'NX');
    return claimed === 'OK' ? 'probe' : 'unhealthy';
  }

  async recordSuccess(target: string, knownFailures: number | undefined): Promise<void> {
    const cached = this.cache.get(target);
    if ((knownFailures ?? cached?.failures) === 0) return;
    this.cache.set(target, { failures: 0, at: Date.now() });
    await this.redis.del(this.key(target));
  }

  async recordFailure(target: string): Promise<void> {
    const key = this.key(target);
    const [[, count] = []] = ((await this.redis.multi().incr(key).expire(key, 86_400).exec()) ?? []) as [
      unknown,
      number,
    ][];
    this.cache.set(target, { failures: Number(count ?? 0), at: Date.now() });
  }

  async view(targets: readonly string[]): Promise<Map<string, TargetHealthView>> {
    for (const target of targets) this.cache.delete(target);
    const failures = await this.failures(targets);
    return new Map(
      [...failures].map(([target, count]) => [
        target,
        { consecutiveFailures: count, healthy: count < this.options.unhealthyAfter },
      ]),
    );
  }
}
