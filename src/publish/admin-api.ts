import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { App } from '../http/app.js';
import { registerPublishAdminRoutes } from '../http/routes/publish-admin.js';
import { registerTargetRoutes } from '../http/routes/targets.js';
import type { Services } from '../services.js';
import { PublishDeadLetters } from './dead-letters.js';
import { TargetHealth } from './health.js';
import { PublishLog } from './publish-log.js';
import { PublishQueue } from './publish-queue.js';
import { TargetCatalog } from './target-catalog.js';
import { loadTargetsFile } from './target-schema.js';

/**
 * The gateway's side of publishing: validates TARGETS_FILE at start (precise errors), then serves
 * /api/v1/targets and the publish DLQ + log admin routes. `close` releases what it opened.
 */
export async function registerPublishApi(
  app: App,
  services: Services,
  config: Config,
  log: Logger,
  authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>,
): Promise<{ catalog: TargetCatalog; health: TargetHealth; close(): Promise<void> }> {
  const fileTargets = config.TARGETS_FILE ? loadTargetsFile(config.TARGETS_FILE) : [];
  const catalog = new TargetCatalog(services.database.db, fileTargets, config.PUBLISH_TARGETS_REFRESH_MS);
  await catalog.start();
  const queue = new PublishQueue(services.redis, config.QUEUE_PREFIX);
  const health = new TargetHealth(services.redis, config.QUEUE_PREFIX, {
    unhealthyAfter: config.PUBLISH_UNHEALTHY_AFTER,
    probeIntervalMs: config.PUBLISH_HEALTH_PROBE_MS,
  });
  registerTargetRoutes(app, { authenticate, catalog, health });
  registerPublishAdminRoutes(app, {
    authenticate,
    deadLetters: new PublishDeadLetters(services.database.db),
    publishLog: new PublishLog(services.database.sql, log),
    queue,
  });
  return {
    catalog,
    health,
    async close() {
      catalog.stop();
      await queue.close();
    },
  };
}
