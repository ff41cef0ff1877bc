import { Type } from 'typebox';
import { SseTransport } from '../../realtime/sse-transport.js';
import type { App } from '../app.js';
import {
  admissionOf,
  admitSubscription,
  STREAM_SECURITY,
  StreamQuery,
  type StreamRouteDeps,
  streamErrors,
} from './stream-common.js';

const DESCRIPTION = `Server-Sent Events of the caller's tenant, filtered like search: \`alert\` events (committed new or
changed alerts, \`{type, change, alert}\`) and \`lifecycle\` events (acknowledge, resolve, suppress, unsuppress), each
with its \`id\`. Reconnecting with \`Last-Event-ID\` (header or \`lastEventId\`) replays what was missed, within the
replay window; a \`gap\` event says when that is not possible. Comments are sent as heartbeats. A client that reads
too slowly is sent a \`dropped\` event and disconnected.`;

/** `GET /api/v1/alerts/stream`: live alerts and lifecycle changes as Server-Sent Events. */
export function registerAlertStreamRoute(app: App, deps: StreamRouteDeps): void {
  app.get(
    '/api/v1/alerts/stream',
    {
      onRequest: deps.authenticate,
      preHandler: admitSubscription(deps.hub),
      schema: {
        tags: ['streams'],
        security: STREAM_SECURITY,
        summary: 'Live alerts and lifecycle changes (Server-Sent Events)',
        description: DESCRIPTION,
        querystring: StreamQuery,
        response: {
          200: {
            description: 'An endless text/event-stream.',
            content: { 'text/event-stream': { schema: Type.String() } },
          },
          ...streamErrors,
        },
      },
    },
    async (request, reply) => {
      const { filters, lastEventId } = admissionOf(request);
      reply.hijack();
      const transport = new SseTransport(reply.raw);
      transport.open(request.id, deps.retryMs);
      const subscriber = deps.hub.add(filters, transport);
      try {
        await subscriber.start(deps.events, lastEventId);
      } catch (error) {
        request.log.warn({ err: error }, 'stream replay failed; closing the stream');
        transport.close();
      }
    },
  );
}
