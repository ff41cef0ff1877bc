import { randomUUID } from 'node:crypto';
import { and } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alert/alert.js';
import { alertId } from '../../src/alert/identity.js';
import { loadConfig } from '../../src/config.js';
import { findStoredAlert } from '../../src/lifecycle/latest-alert.js';
import { postgresConditions } from '../../src/search/postgres-executor.js';
import { type AlertRow, insertAlertRows } from '../../src/store/alert-rows.js';
import { type Database, openDatabase } from '../../src/store/db.js';
import { alerts } from '../../src/store/partitioned-schema.js';
import {
  ensurePartitions,
  isMissingPartitionError,
  maintainPartitions,
  PARTITIONED_TABLES,
  partitionName,
  SEALED_INDEXES,
  sealFinishedPartitions,
  unsealedDays,
} from '../../src/store/partitions.js';
import { uniqueTenant, waitFor } from '../support/harness.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
// Days of their own before 1975 (the archive tests use 1975–1999): sealing at a `now` just after them
// touches no other test's partitions.
const day = new Date(Date.UTC(1971, 0, 2) + Math.floor(Math.random() * 1000) * DAY_MS);
const nextDay = new Date(day.getTime() + DAY_MS);
const tenant = uniqueTenant('partition-indexes');
let database: Database;

function row(at: Date, index: number, requestId: string, name = `Disk full on db-${index}`): AlertRow {
  const receivedAt = at.toISOString();
  const alert: Alert = {
    id: alertId(tenant, requestId, index, receivedAt),
    eventId: null,
    name,
    status: 'firing',
    severity: 'critical',
    fingerprint: `fp-${index}`,
    lastReceived: receivedAt,
    description: 'tab\there, new\nline, back\\slash and "quotes"',
    message: null,
    source: ['prometheus', 'with "quote" and \\ backslash'],
    service: 'db',
    environment: null,
    url: null,
    labels: { team: 'storage', host: `db-${index}` },
    extra: { nested: { value: index } },
    tenant,
    providerType: 'prometheus',
    providerId: null,
    receivedAt,
  };
  return { alert, contentHash: `hash-${index}`, startedAt: receivedAt };
}

/** Index names of a day's alerts partition, without the partition prefix, and whether all are valid. */
async function indexesOf(on: Date): Promise<{ names: string[]; valid: boolean }> {
  const table = partitionName('alerts', on);
  const rows = await database.sql<{ name: string; valid: boolean }[]>`
    select c.relname as name, x.indisvalid as valid from pg_index x join pg_class c on c.oid = x.indexrelid
    where x.indrelid = ${table}::regclass order by 1`;
  return { names: rows.map((r) => r.name.replace(`${table}_`, '')), valid: rows.every((r) => r.valid) };
}

beforeAll(() => {
  database = openDatabase(loadConfig().DATABASE_URL, { max: 2 });
});

afterAll(async () => {
  for (const table of PARTITIONED_TABLES)
    for (const on of [day, nextDay]) await database.sql`drop table if exists ${database.sql(partitionName(table, on))}`;
  await database.close();
});

describe('index set per partition age', () => {
  const sealedNames = Object.keys(SEALED_INDEXES);

  it('gives a new partition the lean set only, and seals it with the full search set once its day is over', async () => {
    await ensurePartitions(database.sql, day, nextDay);
    const open = await indexesOf(day);
    expect(open.names).toHaveLength(4);
    expect(open.names.filter((name) => sealedNames.includes(name))).toEqual([]);
    // Three matches for the text search below among many rows that do not match.
    const requestId = randomUUID();
    const at = (i: number) => new Date(day.getTime() + HOUR_MS + i * 1000);
    await insertAlertRows(database.sql, [
      ...Array.from({ length: 3 }, (_, i) => row(at(i), i, requestId)),
      ...Array.from({ length: 3000 }, (_, i) => row(at(3 + i), 3 + i, requestId, `CPU high on web-${i}`)),
    ]);

    // Within the hour after midnight the day stays open for alerts still queued.
    expect(await unsealedDays(database.sql, new Date(nextDay.getTime() + 30 * 60_000))).not.toContainEqual(day);
    const afterMidnight = new Date(nextDay.getTime() + 2 * HOUR_MS);
    expect(await unsealedDays(database.sql, afterMidnight)).toContainEqual(day);
    await maintainPartitions(database.sql, 0, afterMidnight);
    // A worker started by another test file seals every finished day too; when it got there first,
    // this call skipped the day (its lock was taken): wait for that transaction to commit.
    const stillOpen = async () => (await unsealedDays(database.sql, afterMidnight)).some((d) => +d === +day);
    await waitFor(async () => !(await stillOpen()), 30_000);

    const sealed = await indexesOf(day);
    expect(sealed.valid).toBe(true);
    expect(sealed.names).toEqual(expect.arrayContaining([...open.names, ...sealedNames]));
    expect(sealed.names).toHaveLength(open.names.length + sealedNames.length);
    expect((await indexesOf(nextDay)).names).toEqual(open.names);
    expect(await sealFinishedPartitions(database.sql, afterMidnight)).toEqual([]);
  });

  it("serves search's text condition from the sealed trigram index", async () => {
    const filters = {
      tenant,
      providers: [],
      severities: [],
      statuses: [],
      fingerprints: [],
      services: [],
      environments: [],
      labels: [],
      terms: ['disk'],
    };
    const window = { from: day.getTime(), to: nextDay.getTime() - 1 };
    const query = database.db
      .select({ id: alerts.id })
      .from(alerts)
      .where(and(...postgresConditions(filters, window)))
      .toSQL();
    await database.sql`analyze ${database.sql(partitionName('alerts', day))}`;
    // A table this small would be read whole; without that option the planner picks among the indexes.
    const plan = await database.sql.begin(async (tx) => {
      await tx`set local enable_seqscan = off`;
      return tx.unsafe(`explain ${query.sql}`, query.params as string[]);
    });
    expect(plan.map((line) => Object.values(line)[0]).join('\n')).toContain(
      `${partitionName('alerts', day)}_text_trgm`,
    );
    const found = await database.db
      .select({ id: alerts.id })
      .from(alerts)
      .where(and(...postgresConditions(filters, window)));
    expect(found).toHaveLength(3);
  });
});

describe('insertAlertRows', () => {
  it('stores every field through COPY, escapes included, and finds a time-ordered id in its partition', async () => {
    const stored = row(new Date(day.getTime() + 5 * HOUR_MS + 123), 7, randomUUID());
    await insertAlertRows(database.sql, [stored]);
    const found = await findStoredAlert(database.sql, tenant, stored.alert.id);
    expect(found).toEqual(stored.alert);
  });

  it('skips the rows of a replayed batch inside the caller’s transaction and stores the new ones', async () => {
    const requestId = randomUUID();
    const batch = Array.from({ length: 4 }, (_, i) => row(new Date(nextDay.getTime() + i * 1000), 10 + i, requestId));
    await database.sql.begin((tx) => insertAlertRows(tx, batch.slice(0, 2)));
    await database.sql.begin(async (tx) => {
      await insertAlertRows(tx, batch);
      await insertAlertRows(tx, batch);
      // The caller's transaction goes on after the refused COPY.
      expect(await tx`select 1 as ok`).toEqual([{ ok: 1 }]);
    });
    const rows = await database.sql<{ id: string }[]>`
      select id from alerts where tenant = ${tenant} and received_at >= ${nextDay.toISOString()} order by id`;
    expect(rows.map((r) => r.id)).toEqual(batch.map((r) => r.alert.id).sort());
  });

  it('refuses a row no partition accepts with the error the batch writer creates partitions on', async () => {
    const homeless = row(new Date(Date.UTC(1970, 0, 1, 12)), 0, randomUUID());
    const refused = await insertAlertRows(database.sql, [homeless]).catch((error: unknown) => error);
    expect(isMissingPartitionError(refused)).toBe(true);
  });
});
