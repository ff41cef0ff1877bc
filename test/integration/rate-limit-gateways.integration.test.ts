import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leaseChunk } from '../../src/ratelimit/quota-leases.js';
import { pingRedis } from '../../src/redis.js';
import { type AlertgateProcess, httpReady, startAlertgate } from '../support/alertgate-process.js';
import { openTestStack, type TestStack, uniqueTenant } from '../support/harness.js';
import { closedPort } from '../support/search-app.js';

const GATEWAYS = 3;
const BUCKET = { capacity: 60, refillPerSecond: 12 };
const CHUNK = leaseChunk(BUCKET);
const HAMMER_MS = 4000;
const CONNECTIONS_PER_GATEWAY = 16;

let stack: TestStack;
let tenant: string;
let key: string;
const gateways: { url: string; process: AlertgateProcess }[] = [];

beforeAll(async () => {
  const limits = join(tmpdir(), `limits-${randomUUID()}.yaml`);
  const { capacity, refillPerSecond } = BUCKET;
  writeFileSync(limits, `providers:\n  keep:\n    capacity: ${capacity}\n    refillPerSecond: ${refillPerSecond}\n`);
  stack = openTestStack({ RATE_LIMITS_FILE: limits });
  await pingRedis(stack.services.redis);
  tenant = uniqueTenant('gateways');
  key = await stack.createKey(tenant);
  const started = await Promise.all(
    Array.from({ length: GATEWAYS }, async () => {
      const port = await closedPort();
      const env = {
        QUEUE_PREFIX: stack.config.QUEUE_PREFIX,
        RATE_LIMITS_FILE: limits,
        HOST: '127.0.0.1',
        PORT: String(port),
        LOG_LEVEL: 'warn',
      };
      return { url: `http://127.0.0.1:${port}`, process: await startAlertgate('serve', env, httpReady(port), 60_000) };
    }),
  );
  gateways.push(...started);
  // Fresh processes compile their hot paths first; warm them on a bucket of another key.
  const warmUpKey = await stack.createKey(tenant);
  const until = Date.now() + 2000;
  await Promise.all(gateways.map((gateway) => hammer(gateway.url, warmUpKey, until)));
}, 120_000);

afterAll(async () => {
  await Promise.all(gateways.map((gateway) => gateway.process.kill('SIGKILL')));
  await stack.services.database.sql`delete from api_keys where tenant = ${tenant}`;
  await stack.close();
});

interface Answer {
  status: number;
  headers: Headers;
  body: { error?: string; details?: Record<string, unknown> };
}

/** One connection's loop: posts a Keep alert until the deadline, keeping every answer. */
async function hammer(url: string, apiKey: string, until: number): Promise<Answer[]> {
  const answers: Answer[] = [];
  while (Date.now() < until) {
    const response = await fetch(`${url}/alerts/event/keep`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
      body: JSON.stringify({ name: `load ${answers.length}` }),
    });
    answers.push({
      status: response.status,
      headers: response.headers,
      body: (await response.json()) as Answer['body'],
    });
  }
  return answers;
}

describe('quota leases across gateway processes', () => {
  it('admit what one shared bucket allows, within the stated bound, and refuse the rest with 429', async () => {
    const started = Date.now();
    const perGateway = await Promise.all(
      gateways.map(async (gateway) =>
        (
          await Promise.all(
            Array.from({ length: CONNECTIONS_PER_GATEWAY }, () => hammer(gateway.url, key, started + HAMMER_MS)),
          )
        ).flat(),
      ),
    );
    const elapsedSeconds = (Date.now() - started) / 1000;
    const answers = perGateway.flat();
    const admitted = answers.filter((answer) => answer.status === 202).length;
    const refused = answers.filter((answer) => answer.status === 429);
    const report = `${admitted} admitted, ${refused.length} refused in ${elapsedSeconds} s, chunk ${CHUNK}`;

    // Every answer is one of the two, and the hammering outran the bucket.
    const fair = BUCKET.capacity + BUCKET.refillPerSecond * elapsedSeconds;
    expect(admitted + refused.length, report).toBe(answers.length);
    expect(answers.length, report).toBeGreaterThan(fair + GATEWAYS * CHUNK);
    // Never more than the bucket plus its refill, plus at most one chunk held ahead per gateway…
    expect(admitted, report).toBeLessThanOrEqual(fair + GATEWAYS * CHUNK);
    // …and no fewer than a single limiter would admit, less those chunks and a second of refill (the
    // tokens refilled at the end while a busy machine's event loops lag).
    expect(admitted, report).toBeGreaterThanOrEqual(fair - GATEWAYS * CHUNK - BUCKET.refillPerSecond);
    // Each gateway gets its share of the one bucket.
    for (const answersOfOne of perGateway) {
      expect(answersOfOne.filter((answer) => answer.status === 202).length, report).toBeGreaterThan(admitted / 10);
    }
    for (const answer of refused.slice(0, 50)) {
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(answer.headers.get('ratelimit-limit')).toBe(String(BUCKET.capacity));
      expect(answer.headers.get('ratelimit-remaining')).toBe('0');
      expect(answer.body).toMatchObject({ error: 'rate_limited', details: { provider: 'keep' } });
    }
  }, 30_000);
});
