import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ApiError } from '../errors.js';
import { createJsonBodyParser, decodeUtf8, type JsonLimits } from '../json-body.js';

/**
 * The request body as the parsers below accept it, for the OpenAPI document: `payload` says what
 * the route expects. The schemas constrain nothing; the provider's adapter checks the shape (422).
 */
export function ingestRequestBody(payload: string) {
  return {
    content: {
      'application/json': {
        schema: Type.Unknown({ description: `${payload}. Any application/*+json type is read the same way.` }),
      },
      'text/plain': {
        schema: Type.Unknown({
          description: `${payload}, parsed as JSON whatever the declared type (AWS SNS posts JSON as text/plain).`,
        }),
      },
      'application/x-www-form-urlencoded': {
        schema: Type.Record(Type.String(), Type.Union([Type.String(), Type.Array(Type.String())]), {
          description: 'Form fields as an object of strings (a repeated field becomes an array), as Keep reads forms.',
        }),
      },
    },
  };
}

/**
 * Body parsing for webhook routes. Like Keep, JSON is tried whatever the declared type says (SNS
 * posts JSON as text/plain), and form bodies become objects; other media types are refused (415).
 * NUL and lone surrogates are let through and stripped later, as Keep strips them.
 */
export function registerIngestBodyParsers(scope: FastifyInstance, limits: JsonLimits): void {
  const parseJson = createJsonBodyParser(limits, 'flag');
  scope.removeAllContentTypeParsers();
  for (const type of ['application/json', /^application\/[\w.+-]*\+json$/, /^text\/plain/]) {
    scope.addContentTypeParser(type, { parseAs: 'buffer' }, (request, body, done) =>
      parseJson(request, body as Buffer, done),
    );
  }
  scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, (request, body, done) => {
    let text: string;
    try {
      text = decodeUtf8(body as Buffer);
    } catch (error) {
      done(error as ApiError);
      return;
    }
    request.bodyNeedsSanitizing = true;
    const form: Record<string, string | string[]> = Object.create(null);
    let fields = 0;
    for (const [key, value] of new URLSearchParams(text)) {
      // A form becomes an object: JSON_MAX_KEYS bounds its fields as it bounds a JSON body's keys.
      if (++fields > limits.maxKeys) {
        done(new ApiError('payload_too_large', `the form holds more than ${limits.maxKeys} fields`));
        return;
      }
      // The JSON parsers refuse this key too; a form must not be a way around them.
      if (key === '__proto__') {
        done(new ApiError('bad_request', 'form field "__proto__" is not allowed'));
        return;
      }
      const previous = form[key];
      form[key] = previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
    }
    done(null, { ...form });
  });
  scope.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body, done) => {
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
    parseJson(request, body as Buffer, done);
  });
}
