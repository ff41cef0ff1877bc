import type { FastifyInstance, FastifyRequest } from 'fastify';
import { hasUnstorableText } from '../alert/sanitize.js';
import { ApiError } from './errors.js';

/**
 * Refuses path and query parameters that are not text a store can hold: percent-escapes that do not
 * decode to UTF-8 (the query parser would pass them on verbatim; the router already refuses them in
 * the path), U+0000 and unpaired surrogates (PostgreSQL cannot compare or store them, so they would
 * fail deep inside a handler or a worker). Runs first (onRequest): a cheap refusal that needs no
 * key, before any route hook reads a parameter (the ingest routes resolve the provider from one).
 */
export function installParameterTextCheck(app: FastifyInstance): void {
  // A callback hook: an async one would cost every request a promise and a tick.
  app.addHook('onRequest', (request, _reply, done) => {
    checkQueryEncoding(request);
    checkParameters('path', request.params);
    checkParameters('query', request.query);
    done();
  });
}

/** Refuses a parameter whose name or value (any value of a repeated one) a store cannot hold. */
function checkParameters(location: 'path' | 'query', parameters: unknown): void {
  if (typeof parameters !== 'object' || parameters === null) return;
  for (const [name, value] of Object.entries(parameters)) {
    if (storable(name) && (Array.isArray(value) ? value.every(storable) : storable(value))) continue;
    throw new ApiError(
      'bad_request',
      `${name}: ${location} parameter holds a NUL character (\\u0000) or an unpaired surrogate`,
      { parameter: name },
    );
  }
}

function storable(text: unknown): boolean {
  return typeof text !== 'string' || !hasUnstorableText(text);
}

function checkQueryEncoding(request: FastifyRequest): void {
  const start = request.url.indexOf('?');
  if (start < 0 || !request.url.includes('%', start)) return;
  for (const component of request.url.slice(start + 1).split(/[&=]/)) {
    try {
      decodeURIComponent(component);
    } catch {
      throw new ApiError('bad_request', `query component "${component}" is not percent-encoded UTF-8`);
    }
  }
}
