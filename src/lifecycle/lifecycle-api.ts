import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { App } from '../http/app.js';
import { registerEscalationPolicyRoutes } from '../http/routes/escalation-policies.js';
import { registerLifecycleRoutes } from '../http/routes/lifecycle.js';
import { registerSilenceRoutes } from '../http/routes/silences.js';
import * as metrics from '../metrics.js';
import { registerStreamApi } from '../realtime/stream-api.js';
import { EscalationCatalog } from '../rules/escalation-catalog.js';
import { loadEscalationFile } from '../rules/escalation-policy.js';
import type { Services } from '../services.js';
import { LifecycleStore } from './lifecycle-store.js';
import { SilenceStore } from './silence-store.js';

type Authenticate = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

/**
 * The gateway's lifecycle surface: alert streams (SSE, WebSocket), lifecycle actions and history,
 * silences and escalation policies. ESCALATION_FILE is validated here at start. `close` releases
 * the relay and the policy refresh; call it after app.close().
 */
export async function registerLifecycleApi(
  app: App,
  services: Services,
  config: Config,
  log: Logger,
  auth: { tenant: Authenticate; admin: Authenticate },
): Promise<{ close(): Promise<void> }> {
  const streams = await registerStreamApi(app, services, config, log, auth.tenant);
  const store = new LifecycleStore(services.database.sql);
  registerLifecycleRoutes(app, {
    authenticate: auth.tenant,
    store,
    announce: async (change) => {
      try {
        await streams.events.append([
          {
            type: 'lifecycle',
            tenant: change.tenant,
            fingerprint: change.fingerprint,
            action: change.action,
            from: change.from,
            to: change.to,
            actor: change.actor,
            note: change.note,
            at: change.at,
            alert: await store.alertOf(change),
          },
        ]);
      } catch (error) {
        metrics.streamPublishFailures.inc();
        log.warn({ err: error, fingerprint: change.fingerprint }, 'could not stream a lifecycle change');
      }
    },
  });
  registerSilenceRoutes(app, { authenticate: auth.admin, silences: new SilenceStore(services.database.db) });
  const files = config.ESCALATION_FILE ? loadEscalationFile(config.ESCALATION_FILE) : [];
  const policies = new EscalationCatalog(services.database.db, files, config.ESCALATION_REFRESH_MS);
  await policies.start();
  registerEscalationPolicyRoutes(app, { authenticate: auth.admin, catalog: policies });
  return {
    async close() {
      policies.stop();
      await streams.close();
    },
  };
}
