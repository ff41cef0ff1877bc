/**
 * Request bodies sent with a Content-Encoding (RFC 9110 §8.4): gzip, deflate and br are decoded
 * before parsing, as a stream whose decoded size is held to the route's body limit, so a small
 * compressed body cannot expand into gigabytes (413 as soon as the limit is passed, and the
 * decompressor stops there). A body that does not decode is 400; another coding is 415.
 *
 * Everything after this hook, signature verification included, sees the decoded body: Standard
 * Webhooks senders sign the payload they send, and compressing it is the transport's business.
 */
import { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { ApiError } from './errors.js';

const DECODERS = {
  gzip: createGunzip,
  'x-gzip': createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
} as const;
type Coding = keyof typeof DECODERS;

const SUPPORTED = 'gzip, deflate, br (or identity)';

/** What Fastify reads instead of the raw request: its own limit check compares the encoded length with Content-Length. */
type DecodedBody = Readable & { receivedEncodedLength: number };

export function installContentDecoding(app: FastifyInstance): void {
  app.addHook('preParsing', (request, _reply, payload, done) => {
    const header = request.headers['content-encoding'];
    const bodyless = request.headers['transfer-encoding'] === undefined && !Number(request.headers['content-length']);
    if (header === undefined || bodyless) {
      done(null, payload);
      return;
    }
    let coding: Coding | null;
    try {
      coding = codingOf(header);
    } catch (error) {
      done(error as ApiError);
      return;
    }
    done(null, coding === null ? payload : decoded(payload, coding, request.routeOptions.bodyLimit));
  });
}

/** The one coding `header` names (null: identity), or 415 for anything else. */
function codingOf(header: string): Coding | null {
  const codings = header
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity');
  const [coding] = codings;
  if (coding === undefined) return null;
  if (codings.length > 1 || !Object.hasOwn(DECODERS, coding))
    throw new ApiError('unsupported_media_type', `unsupported Content-Encoding "${header}"; send one of ${SUPPORTED}`, {
      supported: Object.keys(DECODERS),
    });
  return coding as Coding;
}

/**
 * `payload` decoded, failing with 413 past `limit` decoded bytes and 400 when it does not decode.
 * Decoding starts when the body is read, so its errors reach the reader; the raw request is only
 * unpiped, never destroyed, so the error can still be answered.
 */
function decoded(payload: Readable, coding: Coding, limit: number): DecodedBody {
  const body: DecodedBody = Object.assign(Readable.from(decode(), { objectMode: false }), {
    receivedEncodedLength: 0,
  });
  async function* decode(): AsyncGenerator<Buffer> {
    const decoder = DECODERS[coding]();
    payload.on('data', (chunk: Buffer) => {
      body.receivedEncodedLength += chunk.length;
    });
    payload.pipe(decoder);
    let size = 0;
    try {
      for await (const chunk of decoder as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > limit) throw new ApiError('payload_too_large', `the decoded request body exceeds ${limit} bytes`);
        yield chunk;
      }
    } catch (error) {
      if (error instanceof ApiError) throw error;
      throw new ApiError('bad_request', `the request body is not valid ${coding}: ${(error as Error).message}`);
    } finally {
      payload.unpipe(decoder);
      decoder.destroy();
    }
  }
  return body;
}
