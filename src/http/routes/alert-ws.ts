import { Type } from 'typebox';
import { WebSocketTransport } from '../../realtime/ws-transport.js';
import type { App } from '../app.js';
import { ApiError } from '../errors.js';
import {
  admissionOf,
  admitSubscription,
  STREAM_SECURITY,
  StreamQuery,
  type StreamRouteDeps,
  streamErrors,
} from './stream-common.js';

const DESCRIPTION = `WebSocket upgrade; the server sends one JSON text message per event, \`{id, type, ...}\` — the
same events as \`/api/v1/alerts/stream\`, filtered the same way, resumable with \`lastEventId\`. Notices use
\`type\` \`gap\` and \`dropped\`. The server pings at every heartbeat and disconnects a client that missed the
previous pong; a client that reads too slowly is closed with code 1008. Messages from the client are ignored.`;

/** `GET /api/v1/alerts/ws`: the alert stream over WebSocket (@fastify/websocket). */
export function registerAlertWebSocketRoute(app: App, deps: StreamRouteDeps): void {
  // The full declaration (handler + wsHandler) keeps the route in the OpenAPI document, which
  // @fastify/websocket hides for `websocket: true` routes; a plain GET gets a 400 that says why.
  app.route({
    method: 'GET',
    url: '/api/v1/alerts/ws',
    onRequest: deps.authenticate,
    preHandler: admitSubscription(deps.hub),
    schema: {
      tags: ['streams'],
      security: STREAM_SECURITY,
      summary: 'Live alerts and lifecycle changes (WebSocket)',
      description: DESCRIPTION,
      querystring: StreamQuery,
      response: { 101: Type.Null({ description: 'Switching Protocols' }), ...streamErrors },
    },
    handler: async () => {
      throw new ApiError('bad_request', 'this endpoint speaks WebSocket: send a GET with Upgrade: websocket');
    },
    wsHandler: (socket, request) => {
      const { filters, lastEventId } = admissionOf(request);
      const transport = new WebSocketTransport(socket);
      const subscriber = deps.hub.add(filters, transport);
      subscriber.start(deps.events, lastEventId).catch((error: unknown) => {
        request.log.warn({ err: error }, 'stream replay failed; closing the WebSocket');
        transport.close();
      });
    },
  });
}
