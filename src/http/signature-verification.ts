import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest, RequestPayload } from 'fastify';
import { checkSignatureHeaders, signatureMatches } from '../auth/standard-webhooks.js';
import type { RedisClient } from '../redis.js';
import { principalOf } from './authenticate.js';
import { ApiError, dependencyUnavailable } from './errors.js';

export interface SignatureVerificationOptions {
  redis: RedisClient;
  /** Redis key prefix (QUEUE_PREFIX). */
  prefix: string;
  /** Largest accepted distance between `webhook-timestamp` and now, in seconds, either way. */
  toleranceSeconds: number;
  /** Clock in epoch milliseconds; injectable for tests. */
  now?: () => number;
}

/** The replay claim a request holds, released again when the request is not accepted. */
const claims = new WeakMap<FastifyRequest, string>();

/**
 * Makes the ingest routes of `scope` verify Standard Webhooks signatures for API keys that have a
 * signing secret (other keys are untouched). Headers are checked before the body is read; the HMAC
 * covers the body as decoded from its Content-Encoding (content-encoding.ts), byte for byte; a `webhook-id` is accepted once per tenant while its
 * timestamp can still pass (twice the tolerance), claimed in Redis with SET NX PX.
 *
 * Why the claim is released on a non-2xx answer: senders retry a refused message (429, 503) with
 * the same `webhook-id`, as the spec requires; keeping the claim would refuse the retry and lose it.
 */
export function installSignatureVerification(scope: FastifyInstance, options: SignatureVerificationOptions): void {
  const now = options.now ?? Date.now;
  const release = async (request: FastifyRequest) => {
    const claim = claims.get(request);
    if (claim === undefined) return;
    claims.delete(request);
    await options.redis.del(claim).catch((error: unknown) => {
      request.log.warn({ err: error }, 'could not release a webhook-id claim; a retry of it will be refused');
    });
  };

  const verify = async (request: FastifyRequest, secret: string, payload: RequestPayload) => {
    const header = (name: string) => {
      const value = request.headers[name];
      return typeof value === 'string' ? value : undefined;
    };
    const headers = checkSignatureHeaders(
      { id: header('webhook-id'), timestamp: header('webhook-timestamp'), signature: header('webhook-signature') },
      Math.floor(now() / 1000),
      options.toleranceSeconds,
    );
    if (!headers.ok) throw new ApiError(headers.code, headers.message);
    const limit = request.routeOptions.bodyLimit;
    if (Number(request.headers['content-length']) > limit)
      throw new ApiError('payload_too_large', `the request body exceeds ${limit} bytes`);
    const body = await readBody(payload, limit);
    if (!signatureMatches(secret, headers, body))
      throw new ApiError('signature_invalid', 'no webhook-signature matches this webhook-id, timestamp and body');

    const claim = `${options.prefix}:webhook-id:${createHash('sha256')
      .update(`${principalOf(request).tenant}\u0000${headers.id}`)
      .digest('hex')}`;
    let fresh: string | null;
    try {
      fresh = await options.redis.set(claim, String(now()), 'PX', options.toleranceSeconds * 2000, 'NX');
    } catch (error) {
      request.log.error({ err: error }, 'webhook-id replay check failed');
      throw dependencyUnavailable('the replay check is unavailable; nothing was accepted, retry later');
    }
    if (fresh === null) {
      throw new ApiError(
        'signature_replayed',
        `webhook-id "${headers.id}" was already accepted; a message is accepted once`,
      );
    }
    claims.set(request, claim);
    // Fastify compares Content-Length with the bytes received, which differ from the body's when it was compressed.
    return Object.assign(Readable.from([body]), {
      receivedEncodedLength: payload.receivedEncodedLength ?? body.length,
    });
  };

  // Callback hooks: requests of keys without a secret, nearly all, pass without a promise.
  scope.addHook('preParsing', (request, _reply, payload, done) => {
    const secret = principalOf(request).signingSecret;
    if (!secret) return done(null, payload);
    verify(request, secret, payload).then((verified) => done(null, verified), done);
  });

  scope.addHook('onSend', (request, reply, payload, done) => {
    if (!claims.has(request) || (reply.statusCode >= 200 && reply.statusCode < 300)) return done(null, payload);
    release(request).then(() => done(null, payload));
  });
  // A client gone before the answer may retry the same message; a duplicate is dropped by dedup, a loss is not.
  scope.addHook('onRequestAbort', release);
}

/** The whole body, refusing more than `limit` bytes (Fastify applies its limit after preParsing). */
async function readBody(payload: AsyncIterable<Buffer | string>, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of payload) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += bytes.length;
    if (size > limit) throw new ApiError('payload_too_large', `the request body exceeds ${limit} bytes`);
    chunks.push(bytes);
  }
  return Buffer.concat(chunks, size);
}
