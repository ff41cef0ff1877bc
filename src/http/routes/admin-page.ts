import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AdminSnapshot } from '../../observe/admin-snapshot-types.js';
import type { App } from '../app.js';
import { ApiError } from '../errors.js';
import { ErrorBody } from '../schemas.js';
import { SnapshotBroadcaster } from '../snapshot-broadcaster.js';

/** Where `npm run build` puts the page: dist/admin of this installation (from src/ or dist/ alike). */
export const DEFAULT_ADMIN_UI_DIR = fileURLToPath(new URL('../../../dist/admin/', import.meta.url));

export interface AdminPageDeps {
  authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  snapshot: () => Promise<AdminSnapshot>;
  /** Built page directory; a missing build answers 503 with how to build it. */
  uiDir: string;
  intervalMs?: number;
}

const security = [{ apiKey: [] as string[] }];

/**
 * The admin page: static assets at /admin/ (no credentials in them), and two admin-key routes
 * with its data — /admin/snapshot once, /admin/events as server-sent events every second. The
 * browser's EventSource cannot send headers, so it authenticates with `?api_key=`.
 */
export async function registerAdminPage(app: App, deps: AdminPageDeps): Promise<void> {
  const broadcaster = new SnapshotBroadcaster(deps.snapshot, deps.intervalMs ?? 1000, app.log);
  // Open streams would keep the server from closing.
  app.addHook('preClose', async () => broadcaster.close());

  if (existsSync(join(deps.uiDir, 'index.html'))) {
    await app.register(fastifyStatic, {
      root: deps.uiDir,
      prefix: '/admin/',
      decorateReply: false,
      cacheControl: true,
      maxAge: 0,
    });
    // The page's asset URLs are relative to /admin/.
    app.get('/admin', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/admin/', 308));
  } else {
    app.log.warn({ dir: deps.uiDir }, 'admin page not built (npm run build); /admin answers 503');
    const notBuilt = async () => {
      throw new ApiError('service_unavailable', `the admin page is not built in ${deps.uiDir}: run npm run build`);
    };
    app.get('/admin', { schema: { hide: true } }, notBuilt);
    app.get('/admin/*', { schema: { hide: true } }, notBuilt);
  }

  app.get(
    '/admin/snapshot',
    {
      onRequest: deps.authenticate,
      schema: {
        tags: ['admin'],
        security,
        summary: "The admin page's data once (rates, queues, workers, providers, targets, dead letters, archive)",
        response: {
          200: Type.Unknown({ description: 'AdminSnapshot (src/stats/admin-snapshot-types.ts)' }),
          401: ErrorBody,
          403: ErrorBody,
        },
      },
    },
    async (_request, reply) => reply.header('cache-control', 'no-store').send(await deps.snapshot()),
  );

  app.get(
    '/admin/events',
    {
      onRequest: deps.authenticate,
      schema: {
        tags: ['admin'],
        security,
        summary: 'Server-sent events: one `snapshot` event per second (AdminSnapshot JSON)',
        querystring: Type.Object({ api_key: Type.Optional(Type.String()) }),
        response: { 200: Type.String({ description: 'text/event-stream' }), 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (_request, reply) => {
      reply.hijack();
      reply.raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        // Proxies such as nginx would otherwise buffer the stream.
        'x-accel-buffering': 'no',
      });
      reply.raw.write('retry: 2000\n\n');
      broadcaster.add(reply.raw);
    },
  );
}
