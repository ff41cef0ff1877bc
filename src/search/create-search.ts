/** The federated search over both stores. */
import type { Client } from '@elastic/elasticsearch';
import type { Logger } from 'pino';
import { archiveWatermark } from '../archive/watermark.js';
import { DEV_SEARCH_CURSOR_SECRET } from '../config-schema.js';
import type { Database } from '../store/db.js';
import { createCursorCodec } from './cursor.js';
import { createElasticsearchExecutor } from './elasticsearch-executor.js';
import { createFederatedSearch, type FederatedSearch } from './federated-search.js';
import type { WatermarkSource } from './planner.js';
import { createPostgresExecutor } from './postgres-executor.js';

/** The search settings (the `search` config section). */
export interface SearchOptions {
  /** HMAC key signing cursors, shared by every instance. */
  cursorSecret: string;
  /** Deadlines of each store's part of a search, in ms; past one the answer is partial. */
  postgresTimeoutMs: number;
  elasticsearchTimeoutMs: number;
  /** Each store stops counting matches here. */
  totalLimit: number;
  /** Prefix of the archive's daily indices. */
  archiveIndexPrefix: string;
}

/** The production search: both stores, the archive_log watermark, the configured deadlines. */
export function createSearch(
  stores: { database: Database; elasticsearch: Client },
  options: SearchOptions,
  log: Logger,
  watermark: WatermarkSource = () => archiveWatermark(stores.database.sql),
): FederatedSearch {
  if (options.cursorSecret === DEV_SEARCH_CURSOR_SECRET) {
    log.warn('SEARCH_CURSOR_SECRET is the development default; set a random value shared by all instances');
  }
  return createFederatedSearch({
    postgres: createPostgresExecutor(stores.database.db, options.postgresTimeoutMs, options.totalLimit),
    elasticsearch: createElasticsearchExecutor(stores.elasticsearch, {
      prefix: options.archiveIndexPrefix,
      timeoutMs: options.elasticsearchTimeoutMs,
      countCap: options.totalLimit,
    }),
    watermark,
    cursors: createCursorCodec(options.cursorSecret),
    timeouts: { postgres: options.postgresTimeoutMs, elasticsearch: options.elasticsearchTimeoutMs },
    log,
  });
}
