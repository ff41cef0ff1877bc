import { createHash, randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateSigningSecret, signStandardWebhook } from '../../src/auth/standard-webhooks.js';
import { runKeysCommand, UsageError } from '../../src/cli/keys.js';
import type { Gateway } from '../../src/compose/gateway.js';
import { createApp } from '../../src/http/app.js';
import { installSignatureVerification } from '../../src/http/signature-verification.js';
import { createRedis } from '../../src/redis.js';
import { openTestStack, queuedAlerts, silentLog, type TestStack, uniqueTenant } from '../support/harness.js';
import { closedPort } from '../support/search-app.js';

let stack: TestStack;
let gateway: Gateway;
const tenants: string[] = [];

beforeAll(async () => {
  stack = openTestStack();
  gateway = await stack.gateway();
});
afterAll(async () => {
  await stack.services.database.sql`delete from api_keys where tenant in ${stack.services.database.sql(tenants)}`;
  await stack.close();
});

/** A tenant with a key that must sign with a fresh secret. */
async function signingKey() {
  const tenant = uniqueTenant('signed');
  tenants.push(tenant);
  const secret = generateSigningSecret();
  const created = await stack.keys.create({ tenant, name: 'signed', signingSecret: secret });
  return { tenant, secret, ...created };
}

interface SendOptions {
  id?: string;
  /** Unix seconds; default now. */
  timestamp?: number;
  /** Replaces the computed signature header; null sends none. */
  signature?: string | null;
  /** The secret to sign with (default: the key's). */
  signWith?: string;
  url?: string;
  contentType?: string;
  app?: Gateway['app'];
  /** Sends the body gzip-compressed, with Content-Encoding: gzip (the signature stays `signature` or the body's). */
  gzip?: boolean;
}

/** Posts `body` (bytes as given) signed per Standard Webhooks. */
function send(key: { key: string; secret: string }, body: string | Buffer, options: SendOptions = {}) {
  const id = options.id ?? `msg_${randomUUID()}`;
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const signature =
    options.signature === undefined
      ? signStandardWebhook(options.signWith ?? key.secret, id, timestamp, body)
      : options.signature;
  return (options.app ?? gateway.app).inject({
    method: 'POST',
    url: options.url ?? '/alerts/event',
    headers: {
      'x-api-key': key.key,
      'content-type': options.contentType ?? 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      ...(signature === null ? {} : { 'webhook-signature': signature }),
      ...(options.gzip ? { 'content-encoding': 'gzip' } : {}),
    },
    payload: options.gzip ? gzipSync(body) : body,
  });
}

async function queuedFor(tenant: string) {
  return (await queuedAlerts(gateway.ingestLog)).filter((alert) => alert.tenant === tenant);
}

describe('signed ingestion (Standard Webhooks)', () => {
  it('with a compressed body, verifies the signature over the decoded body', async () => {
    const key = await signingKey();
    const body = '{"name":"signed and compressed"}';
    const decodedSigned = await send(key, body, { gzip: true });
    expect(decodedSigned.statusCode, decodedSigned.body).toBe(202);
    expect((await queuedFor(key.tenant)).map((alert) => alert.name)).toEqual(['signed and compressed']);

    const id = `msg_${randomUUID()}`;
    const timestamp = Math.floor(Date.now() / 1000);
    const compressedSigned = await send(key, body, {
      id,
      timestamp,
      gzip: true,
      signature: signStandardWebhook(key.secret, id, timestamp, gzipSync(body)),
    });
    expect(compressedSigned.statusCode).toBe(401);
    expect(compressedSigned.json()).toMatchObject({ error: 'signature_invalid' });
  });

  it('accepts a correctly signed request and refuses missing headers with signature_missing', async () => {
    const key = await signingKey();
    const ok = await send(key, '{"name":"signed ok"}');
    expect(ok.statusCode, ok.body).toBe(202);

    const unsigned = await gateway.app.inject({
      method: 'POST',
      url: '/alerts/event',
      headers: { 'x-api-key': key.key, 'content-type': 'application/json' },
      payload: '{"name":"unsigned"}',
    });
    const noSignature = await send(key, '{"name":"unsigned"}', { signature: null });
    expect(unsigned.statusCode).toBe(401);
    expect(unsigned.json()).toMatchObject({ error: 'signature_missing' });
    expect(unsigned.json().message).toContain('webhook-id, webhook-timestamp, webhook-signature');
    expect(noSignature.json()).toMatchObject({
      error: 'signature_missing',
      message: expect.stringMatching(/missing webhook-signature$/),
    });
    expect((await queuedFor(key.tenant)).map((alert) => alert.name)).toEqual(['signed ok']);
  });

  it('verifies the exact bytes received: other secret, changed byte or re-encoded JSON fail with signature_invalid', async () => {
    const key = await signingKey();
    const raw = '{ "name" : "café",  "labels": {"z": "1", "a": "2"} }';
    const id = `msg_${randomUUID()}`;
    const timestamp = Math.floor(Date.now() / 1000);
    const attempts = {
      'another secret': await send(key, raw, { signWith: generateSigningSecret() }),
      'a changed byte': await send(key, raw.replace('1', '3'), {
        id,
        timestamp,
        signature: signStandardWebhook(key.secret, id, timestamp, raw),
      }),
      // Same JSON value, other bytes: what a verifier re-serializing the parsed body would accept.
      're-encoded': await send(key, JSON.stringify(JSON.parse(raw)), {
        id,
        timestamp,
        signature: signStandardWebhook(key.secret, id, timestamp, raw),
      }),
      'escaped instead of UTF-8': await send(key, raw.replace('é', '\\u00e9'), {
        id,
        timestamp,
        signature: signStandardWebhook(key.secret, id, timestamp, raw),
      }),
      'no v1 signature': await send(key, raw, { signature: 'v1a,c2lnbmF0dXJl' }),
    };
    for (const [name, answer] of Object.entries(attempts)) {
      expect(answer.statusCode, name).toBe(401);
      expect(answer.json().error, name).toBe('signature_invalid');
    }
    expect(await queuedFor(key.tenant)).toEqual([]);
    // The original bytes, whitespace and all, verify; so does a form body.
    expect((await send(key, raw)).statusCode).toBe(202);
    const form = await send(key, 'name=form%20alert&severity=critical', {
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(form.statusCode, form.body).toBe(202);
    expect((await queuedFor(key.tenant)).map((alert) => alert.name).sort()).toEqual(['café', 'form alert']);
  });

  it('accepts one matching signature among several (secret rotation on the sender side)', async () => {
    const key = await signingKey();
    const id = `msg_${randomUUID()}`;
    const timestamp = Math.floor(Date.now() / 1000);
    const body = '{"name":"two signatures"}';
    const signatures = [
      signStandardWebhook(generateSigningSecret(), id, timestamp, body),
      signStandardWebhook(key.secret, id, timestamp, body),
    ].join(' ');
    expect((await send(key, body, { id, timestamp, signature: signatures })).statusCode).toBe(202);
  });

  it('refuses timestamps outside the tolerance (default 5 min, configurable) with signature_expired', async () => {
    const key = await signingKey();
    const now = Math.floor(Date.now() / 1000);
    for (const timestamp of [now - 310, now + 310]) {
      const answer = await send(key, '{"name":"stale"}', { timestamp });
      expect(answer.statusCode).toBe(401);
      expect(answer.json()).toMatchObject({ error: 'signature_expired' });
    }
    expect((await send(key, '{"name":"late but within"}', { timestamp: now - 240 })).statusCode).toBe(202);

    const strict = await stack.gateway({ WEBHOOK_SIGNATURE_TOLERANCE_SECONDS: 60 });
    expect((await send(key, '{"name":"x"}', { timestamp: now - 90, app: strict.app })).json().error).toBe(
      'signature_expired',
    );
    expect((await send(key, '{"name":"x"}', { timestamp: now - 30, app: strict.app })).statusCode).toBe(202);
  });

  it('accepts a webhook-id once per tenant while it could pass the tolerance, and refuses replays', async () => {
    const key = await signingKey();
    const id = `msg_${randomUUID()}`;
    const timestamp = Math.floor(Date.now() / 1000);
    const body = '{"name":"once"}';
    expect((await send(key, body, { id, timestamp })).statusCode).toBe(202);
    const replay = await send(key, body, { id, timestamp });
    expect(replay.statusCode).toBe(401);
    expect(replay.json()).toMatchObject({ error: 'signature_replayed' });
    expect(replay.json().message).toContain(id);
    expect((await queuedFor(key.tenant)).map((alert) => alert.name)).toEqual(['once']);

    // Remembered for twice the tolerance: a timestamp accepted at its earliest stays refusable until its latest.
    const claim = `${stack.config.QUEUE_PREFIX}:webhook-id:${createHash('sha256').update(`${key.tenant}\u0000${id}`).digest('hex')}`;
    const ttl = await stack.services.redis.pttl(claim);
    expect(ttl).toBeGreaterThan(590_000);
    expect(ttl).toBeLessThanOrEqual(600_000);

    // The rotated key of the same tenant shares the secret and the replay memory.
    const rotated = await stack.keys.rotate(key.id);
    const viaRotated = await send({ key: rotated.key, secret: key.secret }, body, { id, timestamp });
    expect(viaRotated.json()).toMatchObject({ error: 'signature_replayed' });
    // Ids are the sender's: another tenant may use the same one.
    const other = await signingKey();
    expect((await send(other, body, { id, timestamp })).statusCode).toBe(202);
  });

  it('forgets the id of a message it did not accept, so the sender can retry it', async () => {
    const key = await signingKey();
    const id = `msg_${randomUUID()}`;
    const timestamp = Math.floor(Date.now() / 1000);
    const refused = await send(key, '{"name":"x"}', { id, timestamp, url: '/alerts/event/prometheus' });
    expect(refused.statusCode).toBe(422);
    const retried = await send(key, '{"name":"x"}', { id, timestamp, url: '/alerts/event/prometheus' });
    expect(retried.statusCode).toBe(422);
    const fixed = await send(key, '{"alerts":[{"labels":{"alertname":"Fixed"}}]}', {
      id,
      timestamp,
      url: '/alerts/event/prometheus',
    });
    expect(fixed.statusCode, fixed.body).toBe(202);
  });

  it('keeps the body limit while reading a signed body, and leaves keys without a secret unsigned', async () => {
    const key = await signingKey();
    const small = await stack.gateway({ BODY_LIMIT_BYTES: 2048 });
    const large = await send(key, JSON.stringify({ name: 'x'.repeat(4000) }), { app: small.app });
    expect(large.statusCode).toBe(413);
    expect(large.json().error).toBe('payload_too_large');

    const plain = await stack.createKey(key.tenant);
    const unsigned = await gateway.app.inject({
      method: 'POST',
      url: '/alerts/event',
      headers: { 'x-api-key': plain, 'content-type': 'application/json' },
      payload: '{"name":"plain key"}',
    });
    expect(unsigned.statusCode).toBe(202);
  });

  it('keys create --signing-secret new prints a secret the key then requires; a malformed secret is refused', async () => {
    const tenant = uniqueTenant('signed-cli');
    tenants.push(tenant);
    const printed: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((line: unknown) => void printed.push(String(line)));
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      await runKeysCommand(['create', '--tenant', tenant, '--signing-secret', 'new'], stack.services.database);
      await expect(
        runKeysCommand(['create', '--tenant', tenant, '--signing-secret', 'whsec_short'], stack.services.database),
      ).rejects.toThrow(UsageError);
      await runKeysCommand(['list', '--tenant', tenant], stack.services.database);
    } finally {
      log.mockRestore();
      error.mockRestore();
    }
    const [secret, key, listed] = printed as [string, string, string];
    expect(secret).toMatch(/^whsec_/);
    expect(listed).toMatch(/ signed {2}active$/);
    expect(listed).not.toContain(secret);
    expect((await send({ key, secret }, '{"name":"cli"}', { signature: null })).json().error).toBe('signature_missing');
    expect((await send({ key, secret }, '{"name":"cli"}')).statusCode).toBe(202);
  });

  it('answers 503 with Retry-After, accepting nothing, when the replay check cannot reach Redis', async () => {
    const key = await signingKey();
    const principal = await stack.keys.verify(key.key);
    const redis = createRedis(
      { REDIS_URL: `redis://127.0.0.1:${await closedPort()}`, REDIS_CLUSTER_NODES: '' },
      'test-replay',
    );
    const app = await createApp(stack.config.http.app, silentLog);
    let handled = 0;
    await app.register(async (scope) => {
      scope.addHook('onRequest', async (request) => {
        request.principal = principal ?? undefined;
      });
      installSignatureVerification(scope, { redis, prefix: stack.config.QUEUE_PREFIX, toleranceSeconds: 300 });
      scope.post('/signed', { schema: { response: { 202: { type: 'null' } } } }, async (_request, reply) => {
        handled += 1;
        return reply.status(202).send(null);
      });
    });
    try {
      const answer = await send(key, '{"name":"x"}', { url: '/signed', app });
      expect(answer.statusCode).toBe(503);
      expect(answer.headers['retry-after']).toBe('5');
      expect(answer.json().error).toBe('service_unavailable');
      expect(handled).toBe(0);
    } finally {
      await app.close();
      redis.disconnect();
    }
  });
});
