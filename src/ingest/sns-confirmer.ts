import type { FastifyBaseLogger } from 'fastify';
import type { RedisClient } from '../redis.js';

/** SubscribeURLs we will visit: AWS SNS endpoints only, never an arbitrary host. */
const SNS_SUBSCRIBE_URL = /^https:\/\/sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/\?Action=ConfirmSubscription&/;

export function isAllowedSubscribeUrl(url: string): boolean {
  return SNS_SUBSCRIBE_URL.test(url);
}

/** How many refused confirmations are kept for operators. */
const UNCONFIRMED_KEPT = 1000;

/**
 * Handles AWS SNS SubscriptionConfirmation messages: visits the SubscribeURL when it is an SNS
 * endpoint, otherwise records the request in Redis (`<prefix>:sns:unconfirmed`) for an operator.
 */
export class SnsConfirmer {
  constructor(
    private readonly redis: RedisClient,
    private readonly keyPrefix: string,
    private readonly log: FastifyBaseLogger,
    private readonly visit: (url: string) => Promise<number> = async (url) =>
      (await fetch(url, { signal: AbortSignal.timeout(5000), redirect: 'error' })).status,
  ) {}

  /** Returns a one-line outcome for the response's `skipped` list. */
  async handle(tenant: string, subscribeUrl: string, topicArn: string): Promise<string> {
    if (isAllowedSubscribeUrl(subscribeUrl)) {
      const status = await this.visit(subscribeUrl).catch((error: Error) => error.message);
      if (status === 200) return `sns subscription to ${topicArn} confirmed`;
      this.log.warn({ topicArn, status }, 'SNS subscription confirmation failed');
    }
    const record = JSON.stringify({ tenant, topicArn, subscribeUrl, at: new Date().toISOString() });
    const key = `${this.keyPrefix}:sns:unconfirmed`;
    await this.redis
      .multi()
      .lpush(key, record)
      .ltrim(key, 0, UNCONFIRMED_KEPT - 1)
      .exec();
    this.log.warn({ tenant, topicArn }, 'SNS subscription not confirmed automatically; recorded for an operator');
    return `sns subscription to ${topicArn} recorded for manual confirmation`;
  }
}
