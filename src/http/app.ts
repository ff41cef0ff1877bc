import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  LogController,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import { installContentDecoding } from './content-encoding.js';
import {
  answerClientError,
  answerFrameworkError,
  answerUnmetExpectation,
  installErrorHandler,
  requireHostHeader,
} from './error-handler.js';
import { createJsonBodyParser, type JsonLimits } from './json-body.js';
import { installParameterTextCheck } from './parameter-text.js';
import { installRequestMetrics } from './request-metrics.js';

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** Where the OpenAPI document is served (README, Swagger UI at /docs). */
export const OPENAPI_DOCUMENT_PATH = '/docs/openapi.json';

/** Routes registered without a response schema would be missing from the OpenAPI document. */
function requireDocumentedRoutes(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    if (route.schema?.hide || route.url.startsWith('/docs')) return;
    if (!route.schema?.response) throw new Error(`route ${route.method} ${route.url} has no response schema`);
  });
}

/** The HTTP server's limits (the `http.app` config section). */
export interface AppOptions {
  /** Largest request body, in bytes (413 above). */
  bodyLimitBytes: number;
  json: JsonLimits;
  /** Time to receive a whole request, body included, in ms (408 after). */
  requestTimeoutMs: number;
  /** Time to receive a request's headers, in ms (408 after). */
  headersTimeoutMs: number;
  /** A connection silent in both directions this long is closed, in ms. */
  connectionIdleTimeoutMs: number;
  /** How long an idle keep-alive connection waits for its next request, in ms. */
  keepAliveTimeoutMs: number;
  /** Open connections accepted; more are closed on accept. */
  maxConnections: number;
  /** Whether every request is logged. */
  logRequests: boolean;
}

/** Creates the Fastify instance with the project's conventions, logging to `logger`; routes are added by the caller. */
export async function createApp(options: AppOptions, logger: FastifyBaseLogger): Promise<App> {
  // Node answers a stalled body's socket timeout by closing without a word; the request deadline must
  // come first, so that the client gets its 408. Node checks that deadline every `sweep` ms.
  const sweep = Math.min(1000, options.requestTimeoutMs / 4, options.headersTimeoutMs / 4);
  const app = Fastify({
    loggerInstance: logger,
    logController: new LogController({ disableRequestLogging: !options.logRequests }),
    bodyLimit: options.bodyLimitBytes,
    requestTimeout: options.requestTimeoutMs,
    connectionTimeout: Math.max(options.connectionIdleTimeoutMs, options.requestTimeoutMs + 2 * sweep),
    keepAliveTimeout: options.keepAliveTimeoutMs,
    http: {
      headersTimeout: options.headersTimeoutMs,
      // Node enforces the two deadlines above only when it sweeps its connections (every 30 s by
      // default); sweeping more often keeps a slow client's cut-off close to the configured time.
      connectionsCheckingInterval: sweep,
      requireHostHeader: false,
    },
    return503OnClosing: true,
    clientErrorHandler: answerClientError,
    frameworkErrors: answerFrameworkError,
    genReqId: () => crypto.randomUUID(),
    requestIdHeader: false,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Past the cap Node closes new connections on accept, before they cost a parser or a request.
  app.server.maxConnections = options.maxConnections;
  app.server.on('checkExpectation', answerUnmetExpectation);
  const parseJson = createJsonBodyParser(options.json, 'reject');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) =>
    parseJson(request, body as Buffer, done),
  );
  installErrorHandler(app);
  requireHostHeader(app);
  installContentDecoding(app);
  installParameterTextCheck(app);
  installRequestMetrics(app);
  requireDocumentedRoutes(app);
  await app.register(swagger, {
    openapi: {
      info: { title: 'Alertgate', version: '0.1.0', description: 'Keep-compatible alert ingestion gateway' },
      components: {
        securitySchemes: {
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-KEY' },
          bearer: { type: 'http', scheme: 'bearer' },
          basic: { type: 'http', scheme: 'basic' },
        },
      },
    },
  });
  // The UI reads the document from its documented address (`/docs/json` stays as the plugin's alias).
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: { urls: [{ url: OPENAPI_DOCUMENT_PATH, name: 'Alertgate' }] },
  });
  app.get(OPENAPI_DOCUMENT_PATH, { schema: { hide: true } }, async () => app.swagger());
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id);
    done(null, payload);
  });
  return app as unknown as App;
}
