import websocket from '@fastify/websocket';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { App } from '../http/app.js';
import { registerAlertStreamRoute } from '../http/routes/alert-stream.js';
import { registerAlertWebSocketRoute } from '../http/routes/alert-ws.js';
import { createWorkerRedis } from '../redis.js';
import type { Services } from '../services.js';
import { RealtimeEventLog } from './event-log.js';
import { StreamHub } from './hub.js';
import { RealtimeRelay } from './relay.js';

/** Reconnect delay suggested to EventSource clients. */
const SSE_RETRY_MS = 3000;

export interface StreamApi {
  events: RealtimeEventLog;
  hub: StreamHub;
  /** Stops the relay; call after app.close() (which ends the subscriptions). */
  close(): Promise<void>;
}

/**
 * The gateway's side of the streams: the relay (its own Redis subscriber connection) feeding this
 * gateway's hub, and the SSE and WebSocket routes. Subscriptions end with `shutdown` when the app
 * closes, so the HTTP server does not wait on endless responses.
 */
export async function registerStreamApi(
  app: App,
  services: Services,
  config: Config,
  log: Logger,
  authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>,
): Promise<StreamApi> {
  await app.register(websocket, { options: { maxPayload: 4096 } });
  const events = new RealtimeEventLog(services.redis, config.QUEUE_PREFIX, config.REALTIME_REPLAY_EVENTS);
  const hub = new StreamHub({
    bufferBytes: config.REALTIME_CLIENT_BUFFER_BYTES,
    heartbeatMs: config.REALTIME_HEARTBEAT_MS,
    maxClients: config.REALTIME_MAX_CLIENTS,
  });
  const relay = new RealtimeRelay(createWorkerRedis(config, `realtime-relay-${process.pid}`), events, hub, log);
  await relay.start();
  app.addHook('preClose', async () => hub.close());
  const deps = { authenticate, hub, events, retryMs: SSE_RETRY_MS };
  registerAlertStreamRoute(app, deps);
  registerAlertWebSocketRoute(app, deps);
  return { events, hub, close: () => relay.stop() };
}
