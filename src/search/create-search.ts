/** Wires the federated search to the process's services and configuration. */
import type { Logger } from 'pino';
import { archiveWatermark } from '../archive/watermark.js';
import { type Config, DEV_SEARCH_CURSOR_SECRET } from '../config.js';
import type { Services } from '../services.js';
import { createCursorCodec } from './cursor.js';
import { createElasticsearchExecutor } from './elasticsearch-executor.js';
import { createFederatedSearch, type FederatedSearch } from './federated-search.js';
import type { WatermarkSource } from './planner.js';
import { createPostgresExecutor } from './postgres-executor.js';

/** The production search: both stores from `services`, the archive_log watermark, config timeouts. */
export function createSearch(
  services: Pick<Services, 'database' | 'elasticsearch'>,
  config: Pick<
    Config,
    | 'SEARCH_CURSOR_SECRET'
    | 'SEARCH_POSTGRES_TIMEOUT_MS'
    | 'SEARCH_ELASTICSEARCH_TIMEOUT_MS'
    | 'SEARCH_TOTAL_LIMIT'
    | 'ARCHIVE_INDEX_PREFIX'
  >,
  log: Logger,
  watermark: WatermarkSource = () => archiveWatermark(services.database.sql),
): FederatedSearch {
  if (config.SEARCH_CURSOR_SECRET === DEV_SEARCH_CURSOR_SECRET) {
    log.warn('SEARCH_CURSOR_SECRET is the development default; set a random value shared by all instances');
  }
  return createFederatedSearch({
    postgres: createPostgresExecutor(
      services.database.db,
      config.SEARCH_POSTGRES_TIMEOUT_MS,
      config.SEARCH_TOTAL_LIMIT,
    ),
    elasticsearch: createElasticsearchExecutor(services.elasticsearch, {
      prefix: config.ARCHIVE_INDEX_PREFIX,
      timeoutMs: config.SEARCH_ELASTICSEARCH_TIMEOUT_MS,
      countCap: config.SEARCH_TOTAL_LIMIT,
    }),
    watermark,
    cursors: createCursorCodec(config.SEARCH_CURSOR_SECRET),
    timeouts: { postgres: config.SEARCH_POSTGRES_TIMEOUT_MS, elasticsearch: config.SEARCH_ELASTICSEARCH_TIMEOUT_MS },
    log,
  });
}
