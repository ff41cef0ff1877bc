import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from '../errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Whether the parsed body may hold text PostgreSQL cannot store (NUL, lone surrogates). */
    bodyNeedsSanitizing?: boolean;
  }
}

/** JSON escapes that decode to U+0000 or to a UTF-16 surrogate half; raw text cannot carry either. */
const UNSTORABLE_ESCAPE = /\\u(0000|d[89a-f])/i;

/**
 * Body parsing for webhook routes. Like Keep, JSON is tried whatever the declared type says (SNS
 * posts JSON as text/plain), and form bodies become objects; other media types are refused (415).
 */
export function registerIngestBodyParsers(scope: FastifyInstance): void {
  const defaultJson = scope.getDefaultJsonParser('error', 'error');
  const parseJson = (request: FastifyRequest, body: string, done: (error: Error | null, body?: unknown) => void) => {
    // Sanitizing deep-copies the payload; most bodies cannot need it, and the raw text tells.
    request.bodyNeedsSanitizing = UNSTORABLE_ESCAPE.test(body);
    defaultJson(request, body, done);
  };
  scope.removeAllContentTypeParsers();
  for (const type of ['application/json', /^application\/[\w.+-]*\+json$/, /^text\/plain/]) {
    scope.addContentTypeParser(type, { parseAs: 'string' }, (request, body, done) =>
      parseJson(request, body as string, done),
    );
  }
  scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (request, body, done) => {
    request.bodyNeedsSanitizing = true;
    const form: Record<string, string | string[]> = Object.create(null);
    for (const [key, value] of new URLSearchParams(body.toString())) {
      const previous = form[key];
      form[key] = previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
    }
    done(null, { ...form });
  });
  scope.addContentTypeParser('*', { parseAs: 'string' }, (request, body, done) => {
    const type = request.headers['content-type'];
    if (type) {
      done(
        new ApiError(
          'unsupported_media_type',
          `unsupported Content-Type "${type}"; send JSON (any JSON type or text/plain) or a form`,
        ),
      );
      return;
    }
    parseJson(request, body as string, done);
  });
}
