/**
 * No secret reaches the log: API keys (header, Bearer, Basic, `?api_key=`), admin keys, cookies,
 * Standard Webhooks signatures and target secrets, with request logging on at debug level, through
 * the gateway and through a publisher delivering to a target that fails and echoes what it got.
 */
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { arrayOverlaps, inArray } from 'drizzle-orm';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningSecret, signStandardWebhook } from '../../src/auth/standard-webhooks.js';
import { buildGateway, type Gateway } from '../../src/compose/gateway.js';
import { type Publisher, startPublisher } from '../../src/compose/worker.js';
import { createLogger } from '../../src/logger.js';
import { publishDeadLetters, publishLog, publishTargets } from '../../src/store/schema.js';
import { committedBatch, openTestStack, type TestStack, uniqueTenant, waitFor } from '../support/harness.js';
import { makeAlert } from '../support/publish.js';
import { HttpReceiver } from '../support/receivers/http-receiver.js';
import { webhookContract } from '../support/receivers/webhook.js';

const lines: string[] = [];
const capture = new Writable({
  write(chunk, _encoding, done) {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    done();
  },
});
const log = createLogger({ level: 'debug' }, capture);

const tenant = uniqueTenant('redact');
const adminTenant = uniqueTenant('redact-admin');
const target = `redact-${randomUUID().slice(0, 8)}`;
const TARGET_HEADER = `header-secret-${randomUUID()}`;
const TARGET_SECRET = generateSigningSecret();
const SIGNING_SECRET = generateSigningSecret();
const COOKIE = `cookie-secret-${randomUUID()}`;

let stack: TestStack;
let gateway: Gateway;
let publisher: Publisher;
let receiver: HttpReceiver;
let key: string;
let signedKey: string;
let adminKey: string;

beforeAll(async () => {
  stack = openTestStack({ PUBLISH_TARGETS_REFRESH_MS: '200', PUBLISH_MAX_ATTEMPTS: '1', LOG_REQUESTS: 'true' });
  gateway = await buildGateway(stack.services, log);
  publisher = await startPublisher(stack.services, log, { config: stack.config });
  receiver = await new HttpReceiver(webhookContract()).start();
  key = await stack.createKey(tenant);
  signedKey = (await stack.keys.create({ tenant, name: 'signed', signingSecret: SIGNING_SECRET })).key;
  adminKey = await stack.createKey(adminTenant, { isAdmin: true });
});
afterAll(async () => {
  await gateway.stop();
  await publisher.stop();
  await receiver.close();
  const { db, sql } = stack.services.database;
  await db.delete(publishTargets).where(inArray(publishTargets.name, [target]));
  await db.delete(publishDeadLetters).where(inArray(publishDeadLetters.target, [target]));
  await db.delete(publishLog).where(arrayOverlaps(publishLog.tenants, [tenant]));
  await sql`delete from api_keys where tenant in ${sql([tenant, adminTenant])}`;
  await stack.close();
});

describe('log redaction', () => {
  it('keeps every credential and target secret out of the log', async () => {
    const inject = (options: InjectOptions) => gateway.app.inject(options);
    const body = '{"name":"redaction probe"}';
    const id = `msg_${randomUUID()}`;
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = signStandardWebhook(SIGNING_SECRET, id, timestamp, body);
    const answers = [
      await inject({ method: 'GET', url: `/api/v1/alerts/search?api_key=${key}&limit=1` }),
      await inject({ method: 'GET', url: `/api/v1/alerts/fingerprint/fp/history?api_key=${key}` }),
      await inject({ method: 'GET', url: `/no/such/route?x=1&api_key=${key}` }),
      await inject({
        method: 'POST',
        url: '/alerts/event',
        headers: { authorization: `Bearer ${key}` },
        payload: body,
      }),
      await inject({
        method: 'POST',
        url: '/alerts/event',
        headers: { authorization: `Basic ${Buffer.from(`user:${key}`).toString('base64')}`, cookie: `s=${COOKIE}` },
        payload: body,
      }),
      await inject({
        method: 'POST',
        url: `/alerts/event?api_key=${signedKey}`,
        headers: {
          'content-type': 'application/json',
          'webhook-id': id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signature,
        },
        payload: body,
      }),
      await inject({
        method: 'POST',
        url: '/api/v1/targets',
        headers: { 'x-api-key': adminKey },
        payload: {
          name: target,
          type: 'webhook',
          routes: [{ tenants: [tenant] }],
          settings: { url: `${receiver.url}/hook`, secret: TARGET_SECRET, headers: { authorization: TARGET_HEADER } },
        },
      }),
      await inject({ method: 'GET', url: `/api/v1/targets/${target}`, headers: { 'x-api-key': adminKey } }),
    ];
    expect(answers.map((answer) => answer.statusCode)).toEqual([200, 200, 404, 202, 202, 202, 201, 200]);

    // The publisher delivers to the target, which refuses for good and echoes the secret header.
    receiver.behave({ kind: 'status', status: 400, body: `bad request; you sent ${TARGET_HEADER}` });
    await waitFor(() => publisher.pipeline.catalog.get(target));
    await publisher.output.run(committedBatch([makeAlert(tenant)]));
    await waitFor(() => lines.some((line) => line.includes('delivery dead-lettered')));
    expect(receiver.received.length).toBeGreaterThan(0);

    const output = lines.join('\n');
    for (const [name, secret] of Object.entries({
      key,
      signedKey,
      adminKey,
      SIGNING_SECRET,
      signature,
      COOKIE,
      TARGET_SECRET,
      TARGET_HEADER,
    }))
      expect(output.includes(secret), `${name} appears in the log`).toBe(false);
    // The requests were logged, with their URLs redacted rather than dropped.
    const urls = lines
      .map((line) => JSON.parse(line) as { req?: { url?: string } })
      .flatMap((entry) => entry.req?.url ?? []);
    expect(urls).toContain('/api/v1/alerts/search?api_key=[Redacted]&limit=1');
    expect(urls).toContain('/no/such/route?x=1&api_key=[Redacted]');
    expect(urls).toContain('/alerts/event?api_key=[Redacted]');
    expect(lines.filter((line) => line.includes('request completed')).length).toBeGreaterThanOrEqual(8);
  });
});
