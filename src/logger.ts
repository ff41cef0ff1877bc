import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * Paths pino replaces with `[Redacted]`: credentials in request and response headers, and target
 * settings (tokens, routing keys, passwords, secret URLs) wherever a target is logged.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'req.headers["webhook-signature"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers.cookie',
  'headers["webhook-signature"]',
  'settings',
  '*.settings',
];

/** Query parameters carrying credentials (`?api_key=` is how browsers' EventSource authenticates). */
const SECRET_QUERY = /([?&]api_key=)[^&#]*/gi;

/** A URL with the values of credential query parameters replaced. */
export function redactUrl(url: string): string {
  return url.replace(SECRET_QUERY, '$1[Redacted]');
}

interface RequestLike {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  headers?: Record<string, unknown>;
  socket?: { remotePort?: number };
}

/** Fastify's request serializer with the URL's credentials redacted. */
function serializeRequest(request: RequestLike) {
  return {
    method: request.method,
    url: request.url === undefined ? undefined : redactUrl(request.url),
    version: request.headers?.['accept-version'],
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

/** The process logger: JSON lines with secrets redacted; `destination` defaults to stdout. */
export function createLogger(
  options: { level: string; base?: Record<string, unknown> },
  destination?: DestinationStream,
): Logger {
  return pino(
    {
      level: options.level,
      ...(options.base ? { base: options.base } : {}),
      redact: REDACTED_PATHS,
      serializers: { req: serializeRequest },
    },
    destination,
  );
}
