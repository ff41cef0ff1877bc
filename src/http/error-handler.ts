import type { FastifyError, FastifyInstance } from 'fastify';
import { ApiError, type ErrorCode } from './errors.js';

/** Maps Fastify's own error codes (parser, limits, validation) onto ours. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
  FST_ERR_CTP_INVALID_TYPE: 'unsupported_media_type',
};

/**
 * The single error handler: every failure leaves as `{ error, message, requestId, details? }`.
 * 5xx are logged with their cause and answered without internals.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | ApiError, request, reply) => {
    const apiError = toApiError(error);
    if (apiError.statusCode >= 500) request.log.error({ err: error }, 'request failed');
    if (apiError.headers) reply.headers(apiError.headers);
    return reply.status(apiError.statusCode).send({
      error: apiError.code,
      message: apiError.message,
      requestId: request.id,
      ...(apiError.details ? { details: apiError.details } : {}),
    });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({
      error: 'not_found',
      message: `no route for ${request.method} ${request.url.split('?')[0]}`,
      requestId: request.id,
    }),
  );
}

function toApiError(error: FastifyError | ApiError): ApiError {
  if (error instanceof ApiError) return error;
  if (error.validation) {
    const first = error.validation[0];
    const path = `${error.validationContext ?? 'request'}${first?.instancePath ?? ''}`;
    return new ApiError('bad_request', `${path} ${first?.message ?? 'is invalid'}`, {
      path,
      problems: error.validation.map((item) => ({ path: item.instancePath, message: item.message })),
    });
  }
  const mapped = error.code ? FASTIFY_CODES[error.code] : undefined;
  if (mapped) return new ApiError(mapped, error.message);
  if (error.statusCode === 429) return new ApiError('rate_limited', error.message);
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500)
    return new ApiError('bad_request', error.message);
  return new ApiError('internal', 'internal error; see server logs for this requestId');
}
