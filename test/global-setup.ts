import { execFileSync } from 'node:child_process';
import { loadConfig } from '../src/config.js';
import { openDatabase, runMigrations } from '../src/store/db.js';

/**
 * Brings the real local stack up when no external service URLs are configured, then migrates
 * the test database once for every test file.
 */
export default async function setup(): Promise<void> {
  const external = process.env.DATABASE_URL || process.env.REDIS_URL || process.env.ELASTICSEARCH_URL;
  if (!external) execFileSync('bash', ['scripts/stack.sh', 'up'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const database = openDatabase(loadConfig().DATABASE_URL, { max: 1 });
  try {
    await runMigrations(database);
  } finally {
    await database.close();
  }
}
