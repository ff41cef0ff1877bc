import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url));

export type Sql = postgres.Sql;
export type Db = PostgresJsDatabase;

export interface Database {
  sql: Sql;
  db: Db;
  close(): Promise<void>;
}

/** Opens a pooled postgres.js client and its drizzle wrapper. */
export function openDatabase(url: string, options: { max?: number; applicationName?: string } = {}): Database {
  const sql = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    connection: { application_name: options.applicationName ?? 'alertgate' },
  });
  return { sql, db: drizzle(sql), close: () => sql.end({ timeout: 5 }) };
}

/** Applies every pending migration in migrations/ (drizzle journal order). */
export async function runMigrations(database: Database): Promise<void> {
  await migrate(database.db, { migrationsFolder: MIGRATIONS_DIR });
}

/** Thrown when the database lacks migrations this build expects. */
export class SchemaOutdatedError extends Error {
  constructor(applied: number, expected: number) {
    super(
      `database schema is at migration ${applied} of ${expected}; run \`npm run migrate\` (alertgate migrate) first`,
    );
    this.name = 'SchemaOutdatedError';
  }
}

/** Refuses to run against a database that has not been migrated to this build's schema. */
export async function assertSchemaCurrent(sql: Sql): Promise<void> {
  const journal = JSON.parse(readFileSync(`${MIGRATIONS_DIR}/meta/_journal.json`, 'utf8')) as {
    entries: { when: number }[];
  };
  const expected = journal.entries.length;
  const [table] = await sql<
    { exists: boolean }[]
  >`select to_regclass('drizzle.__drizzle_migrations') is not null as exists`;
  if (!table?.exists) throw new SchemaOutdatedError(0, expected);
  const [row] = await sql<{ count: number }[]>`select count(*)::int as count from drizzle.__drizzle_migrations`;
  const applied = row?.count ?? 0;
  if (applied < expected) throw new SchemaOutdatedError(applied, expected);
}
