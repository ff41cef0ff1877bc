import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors.js';

/**
 * Body parsing for webhook routes. Like Keep, JSON is tried whatever the declared type says (SNS
 * posts JSON as text/plain), and form bodies become objects; other media types are refused (415).
 */
export function registerIngestBodyParsers(scope: FastifyInstance): void {
  const parseJson = scope.getDefaultJsonParser('error', 'error');
  scope.removeAllContentTypeParsers();
  for (const type of ['application/json', /^application\/[\w.+-]*\+json$/, /^text\/plain/]) {
    scope.addContentTypeParser(type, { parseAs: 'string' }, parseJson);
  }
  scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
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
