import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { QuotaLeases } from './quota-leases.js';

/**
 * The @fastify/rate-limit store class over quota leases: the plugin keeps its headers and 429
 * answers, without a Redis round trip per request. The plugin's (max, timeWindow) are read as
 * (capacity, ms to refill from empty).
 */
export function leasedStore(leases: QuotaLeases): FastifyRateLimitStoreCtor {
  return class LeasedStore implements FastifyRateLimitStore {
    incr(...[key, callback, timeWindow, max]: Parameters<FastifyRateLimitStore['incr']>): void {
      leases.take(key, { capacity: max, refillPerSecond: (max * 1000) / timeWindow }, (error, quota) => {
        if (error || !quota) callback(error ?? new Error('no quota answer'));
        // The plugin refuses when current > max; RateLimit-Reset and Retry-After come from ttl.
        else callback(null, { current: quota.admitted ? max - quota.remaining : max + 1, ttl: quota.ms });
      });
    }

    child(): FastifyRateLimitStore {
      return this;
    }
  };
}
