import type { Alert } from '../alert/alert.js';
import { alertKey } from '../alert/alert-key.js';
import type { RedisClient } from '../redis.js';

/**
 * KEYS[1] the target's storm flag; KEYS[2] the newest state handed to the target per fingerprint
 * (hash: tenant NUL fingerprint → receivedAt in ms). ARGV[1] ms the hash is kept; then pairs of
 * (field, receivedAt ms). Outside a storm (no flag) answers {-1}. In a storm, records each state
 * unless a newer one is recorded already and answers the 0-based positions of those superseded.
 */
const NEWEST_STATES = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1} end
local superseded = {}
for i = 2, #ARGV, 2 do
  local stored = tonumber(redis.call('HGET', KEYS[2], ARGV[i]))
  if stored and stored > tonumber(ARGV[i + 1]) then
    superseded[#superseded + 1] = (i - 2) / 2
  else
    redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
  end
end
redis.call('PEXPIRE', KEYS[2], ARGV[1])
return superseded
`;

type NewestStates = (flag: string, states: string, ...args: (string | number)[]) => Promise<number[]>;

/**
 * Storm mode for targets that ask for it (`stormMode`): once a target's rate limit is exceeded, and
 * until it has not been for `quietMs`, each delivery sends only the newest state of each fingerprint.
 * Throttled deliveries wait as per-batch retries, so "newest" is shared through Redis across batches
 * and workers: a state older than one already handed to the target (sent, or waiting in a newer
 * batch's retry) is dropped and counted as superseded, never sent after its successor.
 */
export class StormMode {
  private readonly newestStates: NewestStates;

  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    /** `memoryMs` must cover the retry window: a retry waiting that long still finds newer states. */
    private readonly options: { quietMs: number; memoryMs: number },
  ) {
    if (!('newestStates' in redis)) redis.defineCommand('newestStates', { numberOfKeys: 2, lua: NEWEST_STATES });
    this.newestStates = (redis as unknown as { newestStates: NewestStates }).newestStates.bind(redis);
  }

  /** The target went over its rate limit: storm mode from now until `quietMs` after the last time. */
  async enter(target: string): Promise<void> {
    await this.redis.set(this.key(target, 'on'), '1', 'PX', this.options.quietMs);
  }

  /**
   * In storm mode, the alerts (one per fingerprint already) whose state is the newest the target has
   * been handed; null outside storm mode, when everything is sent as it is.
   */
  async newest(target: string, alerts: readonly Alert[]): Promise<Alert[] | null> {
    const args = alerts.flatMap((alert) => [alertKey(alert.tenant, alert.fingerprint), Date.parse(alert.receivedAt)]);
    const superseded = await this.newestStates(
      this.key(target, 'on'),
      this.key(target, 'newest'),
      this.options.memoryMs,
      ...args,
    );
    if (superseded[0] === -1) return null;
    const dropped = new Set(superseded);
    return alerts.filter((_, index) => !dropped.has(index));
  }

  private key(target: string, what: 'on' | 'newest'): string {
    return `${this.prefix}:publish:storm:${target}:${what}`;
  }
}
