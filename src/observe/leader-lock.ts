import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../redis.js';

// Extend or delete the lock only while it still holds our token (another holder may own it by now).
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * A Redis lease held by one process at a time: `hold()` takes it when free or extends it when
 * ours; a holder that stops renewing (crash, partition) loses it after `ttlMs`.
 */
export class LeaderLock {
  private readonly token = randomUUID();
  private held = false;

  constructor(
    private readonly redis: RedisClient,
    private readonly key: string,
    private readonly ttlMs: number,
  ) {}

  get isHeld(): boolean {
    return this.held;
  }

  /** True while this process holds the lease (taken or renewed by this call). */
  async hold(): Promise<boolean> {
    if (this.held) {
      this.held = (await this.redis.eval(RENEW, 1, this.key, this.token, String(this.ttlMs))) === 1;
      if (this.held) return true;
    }
    this.held = (await this.redis.set(this.key, this.token, 'PX', this.ttlMs, 'NX')) === 'OK';
    return this.held;
  }

  async release(): Promise<void> {
    if (!this.held) return;
    this.held = false;
    await this.redis.eval(RELEASE, 1, this.key, this.token);
  }
}
