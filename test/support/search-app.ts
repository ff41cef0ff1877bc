/**
 * A Fastify app serving only the search routes over real services, with a watermark the test sets
 * and stores it may point elsewhere (a closed port, a server that never answers).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import type { Client } from '@elastic/elasticsearch';
import pino from 'pino';
import type { Alert } from '../../src/alert/alert.js';
import { createElasticsearch } from '../../src/archive/es-client.js';
import { ApiKeyStore } from '../../src/auth/api-keys.js';
import { type Config, loadConfig } from '../../src/config.js';
import { type App, createApp } from '../../src/http/app.js';
import { createAuthenticate } from '../../src/http/authenticate.js';
import { registerSearchRoutes } from '../../src/http/routes/search.js';
import { createSearch } from '../../src/search/create-search.js';
import { type Database, openDatabase } from '../../src/store/db.js';
import { deleteArchive, deleteHotAlerts } from './search-fixtures.js';

/** Any answer of the search routes: a page, an alert, or an error body. */
export interface Answer {
  status: number;
  body: Partial<Alert> & {
    items: Alert[];
    nextCursor: string | null;
    total: { value: number; relation: string };
    sources: Record<'postgres' | 'elasticsearch', { took_ms: number; hits: number; status: string }>;
    partial: boolean;
    errors?: { source: string; error: string; message: string }[];
    error?: string;
    message?: string;
    details?: { parameter?: string; errors?: { source: string; error: string }[] };
  };
}

export interface SearchTestApp {
  app: App;
  config: Config;
  database: Database;
  elasticsearch: Client;
  /** A fresh index prefix for this app's archive. */
  prefix: string;
  /** The watermark the planner sees; change it between requests to simulate the archiver. */
  watermark: Date | null;
  keyFor(tenant: string): Promise<string>;
  /** GET with the tenant's key; `query` values may repeat. */
  get(tenant: string, url: string, query?: Record<string, string | string[]>): Promise<Answer>;
  post(tenant: string, url: string, body: unknown): Promise<Answer>;
  close(): Promise<void>;
}

export interface SearchAppOptions {
  /** Override the database (e.g. a closed port); default: the configured one. */
  databaseUrl?: string;
  elasticsearchUrl?: string;
  /** Reuse another app's archive prefix (and its data, which that app cleans up). */
  prefix?: string;
  env?: Record<string, string>;
}

/** Opens the app; `close()` removes its API keys, its tenants' hot rows and its archive indices. */
export async function openSearchApp(options: SearchAppOptions = {}): Promise<SearchTestApp> {
  const prefix = options.prefix ?? `test-search-${randomUUID().slice(0, 8)}`;
  const config = loadConfig({
    ...process.env,
    QUEUE_PREFIX: `test-${randomUUID()}`,
    LOG_LEVEL: 'silent',
    ARCHIVE_INDEX_PREFIX: prefix,
    ...options.env,
  });
  const database = openDatabase(options.databaseUrl ?? config.DATABASE_URL, { max: 6 });
  const admin = options.databaseUrl ? openDatabase(config.DATABASE_URL, { max: 1 }) : database;
  const elasticsearch = createElasticsearch(options.elasticsearchUrl ?? config.ELASTICSEARCH_URL);
  const archive = createElasticsearch(config.ELASTICSEARCH_URL);
  const keys = new ApiKeyStore(admin.db, 0);
  const log = pino({ level: 'silent' });
  const tenants = new Map<string, string>();
  const keyIds: string[] = [];
  const app = await createApp(config.http.app, log);
  const state: SearchTestApp = {
    app,
    config,
    database,
    elasticsearch,
    prefix,
    watermark: null,
    async keyFor(tenant) {
      const existing = tenants.get(tenant);
      if (existing) return existing;
      const { id, key } = await keys.create({ tenant, name: 'search-test' });
      tenants.set(tenant, key);
      keyIds.push(id);
      return key;
    },
    async get(tenant, url, query = {}) {
      const search = new URLSearchParams();
      for (const [name, value] of Object.entries(query))
        for (const item of Array.isArray(value) ? value : [value]) search.append(name, item);
      const qs = search.toString();
      const response = await app.inject({
        method: 'GET',
        url: qs ? `${url}?${qs}` : url,
        headers: { 'x-api-key': await state.keyFor(tenant) },
      });
      return { status: response.statusCode, body: response.json() };
    },
    async post(tenant, url, body) {
      const response = await app.inject({
        method: 'POST',
        url,
        headers: { 'x-api-key': await state.keyFor(tenant) },
        payload: body as Record<string, unknown>,
      });
      return { status: response.statusCode, body: response.json() };
    },
    async close() {
      await app.close();
      await admin.sql`delete from api_keys where id = any(${keyIds}::uuid[])`;
      // An app borrowing another's prefix borrows its data too; the owner cleans it up.
      if (!options.prefix) {
        await deleteHotAlerts(admin.sql, [...tenants.keys()]);
        await deleteArchive(archive, prefix);
      }
      await Promise.allSettled([database.close(), admin.close(), elasticsearch.close(), archive.close()]);
    },
  };
  registerSearchRoutes(app, {
    authenticate: createAuthenticate(keys, { admin: false }),
    search: createSearch({ database, elasticsearch }, config.search, log, async () => state.watermark),
  });
  await app.ready();
  return state;
}

/** A 127.0.0.1 port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A TCP server that accepts connections and never answers: a store that hangs. */
export async function silentServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<import('node:net').Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
