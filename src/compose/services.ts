import type { Client } from '@elastic/elasticsearch';
import { createElasticsearch, elasticsearchHealthy } from '../archive/es-client.js';
import { runCleanups } from '../component.js';
import type { Config } from '../config.js';
import type { DependencyCheck } from '../observe/dependency-probes.js';
import type { RedisClient } from '../redis.js';
import { closeRedis, createRedis, pingRedis } from '../redis.js';
import { type Database, openDatabase } from '../store/db.js';

/** Connections to the three backing services, shared by every role in one process. */
export interface Services {
  config: Config;
  database: Database;
  redis: RedisClient;
  elasticsearch: Client;
  checks: DependencyCheck[];
  /** Closes every connection, even when one fails to; then rejects with a StopError. Safe to call twice. */
  close(): Promise<void>;
}

export function openServices(config: Config, role: string): Services {
  const database = openDatabase(config.DATABASE_URL, {
    max: config.DATABASE_POOL_SIZE,
    applicationName: `alertgate-${role}`,
  });
  const redis = createRedis(config, role);
  const elasticsearch = createElasticsearch(config.ELASTICSEARCH_URL);
  const checks: DependencyCheck[] = [
    { name: 'postgres', required: true, check: async () => void (await database.sql`select 1`) },
    { name: 'redis', required: true, check: () => pingRedis(redis) },
    {
      name: 'elasticsearch',
      required: config.ELASTICSEARCH_REQUIRED,
      check: () => elasticsearchHealthy(elasticsearch),
    },
  ];
  let closed: Promise<void> | undefined;
  return {
    config,
    database,
    redis,
    elasticsearch,
    checks,
    close() {
      closed ??= runCleanups(
        () => database.close(),
        () => closeRedis(redis),
        () => elasticsearch.close(),
      );
      return closed;
    },
  };
}
