import { randomUUID } from 'node:crypto';
import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorCodeOf, isDataException } from '../failure.js';
import { ApiError, ERROR_STATUS, type ErrorCode } from './errors.js';

/** Maps Fastify's own error codes (parser, limits, validation) onto ours. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
  FST_ERR_CTP_INVALID_TYPE: 'unsupported_media_type',
};

/**
 * The single error handler: every failure leaves as `{ error, message, requestId, details? }`.
 * 5xx are logged with their cause and answered without internals.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | ApiError, request, reply) => {
    const apiError = toApiError(error, request);
    if (apiError.statusCode >= 500) request.log.error({ err: error }, 'request failed');
    return sendError(apiError, request, reply);
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({
      error: 'not_found',
      message: `no route for ${request.method} ${request.url.split('?')[0]}`,
      requestId: request.id,
    }),
  );
}

/**
 * Fastify's `frameworkErrors`: what the router refuses before routing (a path whose percent-escapes
 * do not decode) leaves in the shared shape too.
 */
export function answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  // No hook runs for a request refused before routing, so the onSend hook cannot add this header.
  reply.header('x-request-id', request.id);
  sendError(new ApiError('bad_request', `the URL is not valid: ${error.message}`), request, reply);
}

function sendError(apiError: ApiError, request: FastifyRequest, reply: FastifyReply) {
  if (apiError.headers) reply.headers(apiError.headers);
  return reply.status(apiError.statusCode).send({
    error: apiError.code,
    message: apiError.message,
    requestId: request.id,
    ...(apiError.details ? { details: apiError.details } : {}),
  });
}

function toApiError(error: FastifyError | ApiError, request: FastifyRequest): ApiError {
  if (error instanceof ApiError) return error;
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return new ApiError(
      'unsupported_media_type',
      `unsupported Content-Type "${request.headers['content-type'] ?? ''}"; send application/json`,
    );
  }
  if (error.validation) {
    const first = error.validation[0];
    const path = `${error.validationContext ?? 'request'}${first?.instancePath ?? ''}`;
    return new ApiError('bad_request', `${path} ${first?.message ?? 'is invalid'}`, {
      path,
      problems: error.validation.map((item) => ({ path: item.instancePath, message: item.message })),
    });
  }
  if (isDataException(error)) {
    return new ApiError(
      'bad_request',
      `a value of the request is outside what the database accepts (SQLSTATE ${errorCodeOf(error)})`,
    );
  }
  const mapped = error.code ? FASTIFY_CODES[error.code] : undefined;
  if (mapped) return new ApiError(mapped, error.message);
  if (error.statusCode === 429) return new ApiError('rate_limited', error.message);
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500)
    return new ApiError('bad_request', error.message);
  return new ApiError('internal', 'internal error; see server logs for this requestId');
}

/** Node's parser errors that are the client's doing, by Node error code. */
const CLIENT_ERRORS: Record<string, [ErrorCode, string]> = {
  ERR_HTTP_REQUEST_TIMEOUT: ['request_timeout', 'the request did not arrive in time; the connection is closed'],
  HPE_HEADER_OVERFLOW: ['headers_too_large', 'the request line and headers exceed the size limit'],
};

/**
 * Fastify's `clientErrorHandler`: what Node refuses before a request exists (timeouts, oversized
 * headers, malformed HTTP) is answered in the shared error shape, then the connection is closed.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [code, message] = CLIENT_ERRORS[error.code ?? ''] ?? ['bad_request', 'malformed HTTP request'];
  const { headers, body } = closingAnswer(code, message);
  if (socket.writable) {
    const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
    socket.write(`HTTP/1.1 ${ERROR_STATUS[code]} ${STATUS_CODES[ERROR_STATUS[code]]}\r\n${head.join('')}\r\n${body}`);
  }
  socket.destroy(error);
}

/**
 * Node's `checkExpectation`: a request whose `Expect` is not `100-continue` (which Node answers
 * itself) is refused with 417 in the shared shape, instead of Node's empty answer.
 */
export function answerUnmetExpectation(request: IncomingMessage, response: ServerResponse): void {
  const { headers, body } = closingAnswer(
    'expectation_failed',
    `Expect: ${request.headers.expect} cannot be met; only 100-continue is supported`,
  );
  response.writeHead(ERROR_STATUS.expectation_failed, headers);
  response.end(body);
}

/**
 * Node refuses an HTTP/1.1 request without Host with an empty 400 (`requireHostHeader`); the app
 * turns that check off and makes it here, so the answer has the shared shape (RFC 9112 §3.2).
 */
export function requireHostHeader(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) {
      reply.header('connection', 'close');
      done(new ApiError('bad_request', 'an HTTP/1.1 request needs a Host header'));
      return;
    }
    done();
  });
}

/** An error answer sent outside Fastify, on a connection closed after it. */
function closingAnswer(code: ErrorCode, message: string) {
  const requestId = randomUUID();
  const body = JSON.stringify({ error: code, message, requestId });
  const headers = {
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(body)),
    'x-request-id': requestId,
    Connection: 'close',
  };
  return { headers, body };
}
