/**
 * Every gateway route, registered in one place from the components the gateway composition built.
 * Each route group names the key it needs: none (probes, metrics, provider list), a tenant key, or
 * an admin key.
 */
import websocket from '@fastify/websocket';
import type { ApiKeyStore } from '../../auth/api-keys.js';
import type { DependencyCheck } from '../../observe/dependency-probes.js';
import type { ProviderRegistry } from '../../providers/registry.js';
import type { App } from '../app.js';
import { createAuthenticate } from '../authenticate.js';
import { type AdminDeps, registerAdminRoutes } from './admin.js';
import { type ArchiveLogDeps, registerArchiveLogRoute } from './admin-archive.js';
import { type AdminPageDeps, registerAdminPage } from './admin-page.js';
import { registerAlertStreamRoute } from './alert-stream.js';
import { registerAlertWebSocketRoute } from './alert-ws.js';
import { type EscalationPolicyRouteDeps, registerEscalationPolicyRoutes } from './escalation-policies.js';
import { registerHealthRoutes } from './health.js';
import { type IngestDeps, registerIngestRoutes } from './ingest.js';
import { type LifecycleRouteDeps, registerLifecycleRoutes } from './lifecycle.js';
import { registerMetricsRoute } from './metrics.js';
import { registerProviderRoutes } from './providers.js';
import { type PublishAdminDeps, registerPublishAdminRoutes } from './publish-admin.js';
import { type QueueHealthDeps, registerQueueHealthRoute } from './queue-health.js';
import { registerSearchRoutes, type SearchRouteDeps } from './search.js';
import { registerSilenceRoutes, type SilenceRouteDeps } from './silences.js';
import type { StreamRouteDeps } from './stream-common.js';
import { registerTargetRoutes, type TargetRouteDeps } from './targets.js';

/** A route group's dependencies without its key check, which the registry supplies. */
type Unauthenticated<T> = Omit<T, 'authenticate'>;

export interface GatewayRoutes {
  keys: ApiKeyStore;
  checks: readonly DependencyCheck[];
  providers: ProviderRegistry;
  ingest: Unauthenticated<IngestDeps>;
  search: Unauthenticated<SearchRouteDeps>;
  lifecycle: Unauthenticated<LifecycleRouteDeps>;
  streams: Unauthenticated<StreamRouteDeps>;
  admin: Unauthenticated<AdminDeps>;
  archiveLog: Unauthenticated<ArchiveLogDeps>;
  targets: Unauthenticated<TargetRouteDeps>;
  publishAdmin: Unauthenticated<PublishAdminDeps>;
  silences: Unauthenticated<SilenceRouteDeps>;
  escalationPolicies: Unauthenticated<EscalationPolicyRouteDeps>;
  queueHealth: Unauthenticated<QueueHealthDeps>;
  adminPage: Unauthenticated<AdminPageDeps>;
}

/** WebSocket frames from clients are control messages only. */
const WEBSOCKET_MAX_PAYLOAD_BYTES = 4096;

/** Registers every route of the gateway on `app`. */
export async function registerGatewayRoutes(app: App, routes: GatewayRoutes): Promise<void> {
  const tenant = createAuthenticate(routes.keys, { admin: false });
  const admin = createAuthenticate(routes.keys, { admin: true });

  registerHealthRoutes(app, routes.checks);
  registerMetricsRoute(app);
  registerProviderRoutes(app, routes.providers);

  await registerIngestRoutes(app, { ...routes.ingest, authenticate: tenant });
  registerSearchRoutes(app, { ...routes.search, authenticate: tenant });
  registerLifecycleRoutes(app, { ...routes.lifecycle, authenticate: tenant });
  await app.register(websocket, { options: { maxPayload: WEBSOCKET_MAX_PAYLOAD_BYTES } });
  // Subscriptions end before the server closes, so it does not wait on endless responses.
  app.addHook('preClose', async () => routes.streams.hub.close());
  registerAlertStreamRoute(app, { ...routes.streams, authenticate: tenant });
  registerAlertWebSocketRoute(app, { ...routes.streams, authenticate: tenant });

  registerAdminRoutes(app, { ...routes.admin, authenticate: admin });
  registerArchiveLogRoute(app, { ...routes.archiveLog, authenticate: admin });
  registerTargetRoutes(app, { ...routes.targets, authenticate: admin });
  registerPublishAdminRoutes(app, { ...routes.publishAdmin, authenticate: admin });
  registerSilenceRoutes(app, { ...routes.silences, authenticate: admin });
  registerEscalationPolicyRoutes(app, { ...routes.escalationPolicies, authenticate: admin });
  registerQueueHealthRoute(app, { ...routes.queueHealth, authenticate: admin });
  await registerAdminPage(app, { ...routes.adminPage, authenticate: admin });
}
