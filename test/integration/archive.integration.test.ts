import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import type { Client } from '@elastic/elasticsearch';
import pino from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Archiver } from '../../src/archive/archiver.js';
import { ArchiveBootstrap } from '../../src/archive/bootstrap.js';
import { createElasticsearch } from '../../src/archive/es-client.js';
import { archiveIndexName, nextDay, rawArchiveIndexName } from '../../src/archive/index-names.js';
import { archiveWatermark } from '../../src/archive/watermark.js';
import { openServices } from '../../src/compose/services.js';
import { loadConfig } from '../../src/config.js';
import { countRows, partitionState } from '../../src/store/partition-detach.js';
import { partitionName } from '../../src/store/partitions.js';
import { claimFarPastDay, cleanUpArchive, fillDay } from '../support/archive-fixtures.js';
import { openTestStack } from '../support/harness.js';

const services = openServices(loadConfig({ ...process.env, LOG_LEVEL: 'silent' }), 'test-archive');
const { sql } = services.database;
const es = services.elasticsearch;
const silent = pino({ level: 'silent' });

/** What each test made, removed after it whatever happened. */
const made: { prefix: string; days: Date[] }[] = [];
afterEach(async () => {
  for (const { prefix, days } of made.splice(0)) await cleanUpArchive(sql, es, prefix, days);
});
afterAll(() => services.close());

/**
 * A namespace of its own: random index prefix, far-past days nobody else uses. The delete age is a
 * century by default, or the retention would delete the far-past days' indices right after the copy.
 */
async function namespace(env: Record<string, string> = {}) {
  const prefix = `t-arch-${randomUUID().slice(0, 8)}`;
  const entry = { prefix, days: [] as Date[] };
  made.push(entry);
  const config = loadConfig({
    ...process.env,
    LOG_LEVEL: 'silent',
    ARCHIVE_INDEX_PREFIX: prefix,
    ARCHIVE_DELETE_AFTER_DAYS: '36500',
    ...env,
  });
  const tenant = `tenant-${randomUUID()}`;
  const claim = async () => {
    const day = await claimFarPastDay(sql);
    entry.days.push(day);
    return day;
  };
  const fill = (day: Date, rows: number, rawRows = 0) => fillDay(sql, day, { rows, rawRows, tenant, salt: prefix });
  return {
    prefix,
    config,
    tenant,
    claim,
    fill,
    async day(rows: number, rawRows = 0) {
      const day = await claim();
      await fill(day, rows, rawRows);
      return day;
    },
    archiver(client: Client = es, log = silent) {
      return new Archiver({ database: services.database, client, log }, config.archive.archiver);
    },
  };
}

async function esCount(index: string): Promise<number> {
  await es.indices.refresh({ index });
  return (await es.count({ index })).count;
}

function capturingLog() {
  const lines: { level: number; msg: string }[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { log: pino({ level: 'warn' }, stream), warnings: () => lines.filter((line) => line.level === 40) };
}

describe('archive templates', () => {
  it('applies the index template without a lifecycle when ILM is absent, once, and warns once', async () => {
    const ns = await namespace({ ARCHIVE_RAW: 'archive' });
    const { log, warnings } = capturingLog();
    const archiver = ns.archiver(es, log);
    const first = await archiver.bootstrap.ensure();
    expect(first).toEqual({
      ilm: false,
      installed: [`index-template/${ns.prefix}`, `index-template/${ns.prefix}_raw`],
      unchanged: [],
    });
    await archiver.run({ days: [] });
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]?.msg).toMatch(/no ILM/);

    const { index_templates: templates } = await es.indices.getIndexTemplate({ name: ns.prefix });
    const template = templates[0]?.index_template;
    expect(template?.index_patterns).toEqual([`${ns.prefix}-*`]);
    expect(template?.version).toBe(1);
    expect(template?.template?.settings?.index).toMatchObject({ codec: 'best_compression', number_of_shards: '1' });
    expect(JSON.stringify(template?.template?.settings)).not.toContain('lifecycle');

    // An index created under the prefix gets the mappings search relies on.
    const index = archiveIndexName(ns.prefix, new Date('2001-01-01T00:00:00Z'));
    await es.indices.create({ index });
    const mapping = (await es.indices.getMapping({ index }))[index]?.mappings.properties ?? {};
    expect(mapping.labels).toMatchObject({ type: 'flattened' });
    expect(mapping.extra).toMatchObject({ type: 'object', enabled: false });
    expect(mapping.name).toMatchObject({ type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 8191 } } });
    expect(mapping.receivedAt).toMatchObject({ type: 'date' });
    expect(mapping.fingerprint).toMatchObject({ type: 'keyword' });

    // A fresh process finds everything current and writes nothing.
    const again = await new ArchiveBootstrap(
      es,
      { prefix: ns.prefix, deleteAfterDays: 365, shards: 1, replicas: '0-1', raw: true },
      silent,
    ).ensure();
    expect(again.installed).toEqual([]);
    // A changed setting is re-applied.
    const changed = await new ArchiveBootstrap(
      es,
      { prefix: ns.prefix, deleteAfterDays: 365, shards: 2, replicas: '0-1', raw: false },
      silent,
    ).ensure();
    expect(changed.installed).toEqual([`index-template/${ns.prefix}`]);
  });
});

describe('archiver', () => {
  it('moves an aged partition to Elasticsearch with equal counts and drops it from PostgreSQL', async () => {
    const ns = await namespace({ ARCHIVE_RAW: 'archive' });
    const [first, second] = [await ns.claim(), await ns.claim()].sort((a, b) => a.getTime() - b.getTime()) as [
      Date,
      Date,
    ];
    await ns.fill(first, 2500, 40);
    await ns.fill(second, 10);
    const sample = await sql`select * from ${sql(partitionName('alerts', first))} order by id limit 1`;

    // The `before` bound keeps the second day out even though it is listed.
    const result = await ns.archiver().run({ days: [first, second], before: second });
    expect(result.days).toMatchObject([
      { day: first.toISOString().slice(0, 10), status: 'dropped', pgRows: 2500, esCount: 2500 },
    ]);
    expect(await esCount(archiveIndexName(ns.prefix, first))).toBe(2500);
    expect(await esCount(rawArchiveIndexName(ns.prefix, first))).toBe(40);
    expect(await partitionState(sql, partitionName('alerts', first))).toBeNull();
    expect(await partitionState(sql, partitionName('alert_raw', first))).toBeNull();
    expect(await partitionState(sql, partitionName('alerts', second))).toBe('attached');

    // The document is the row, camelCased, with ISO times.
    const row = sample[0] as Record<string, unknown>;
    const doc = await es.get<Record<string, unknown>>({
      index: archiveIndexName(ns.prefix, first),
      id: String(row.id),
    });
    expect(doc._source).toMatchObject({
      id: row.id,
      tenant: ns.tenant,
      providerType: 'prometheus',
      source: ['prometheus', 'node-exporter'],
      labels: row.labels,
      extra: row.extra,
      receivedAt: new Date(row.received_at as string).toISOString(),
      startedAt: new Date(row.started_at as string).toISOString(),
    });

    const [log] = await sql`select * from archive_log where index_name = ${archiveIndexName(ns.prefix, first)}`;
    expect(log).toMatchObject({ status: 'dropped', pg_rows: '2500', es_count: '2500', error: null });
    expect(Number(log?.bytes)).toBeGreaterThan(2500 * 500);
    const watermark = await archiveWatermark(sql);
    expect(watermark?.getTime()).toBeGreaterThanOrEqual(nextDay(first).getTime());

    // The admin API shows the entry and the watermark.
    const stack = openTestStack();
    try {
      const gateway = await stack.gateway();
      const key = await stack.createKey(`admin-${randomUUID()}`, { isAdmin: true });
      const response = await gateway.app.inject({
        method: 'GET',
        url: `/api/v1/admin/archive/log?day=${first.toISOString().slice(0, 10)}`,
        headers: { 'x-api-key': key },
      });
      expect(response.statusCode).toBe(200);
      const body = response.json() as { watermark: string; entries: { indexName: string; status: string }[] };
      expect(body.watermark).not.toBeNull();
      expect(body.entries).toContainEqual(
        expect.objectContaining({ indexName: archiveIndexName(ns.prefix, first), status: 'dropped', pgRows: 2500 }),
      );
      const anonymous = await gateway.app.inject({ method: 'GET', url: '/api/v1/admin/archive/log' });
      expect(anonymous.statusCode).toBe(401);
    } finally {
      await stack.close();
    }
  });

  it.each(['copied', 'detached'] as const)(
    'a run killed (SIGKILL) at stage "%s" and run again leaves exactly one copy of each alert',
    async (stage) => {
      const ns = await namespace();
      const day = await ns.day(3000, 5);
      const ids = (await sql<{ id: string }[]>`select id::text from ${sql(partitionName('alerts', day))}`).map(
        (r) => r.id,
      );

      const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/archive-child.ts'], {
        env: {
          ...process.env,
          ARCHIVE_INDEX_PREFIX: ns.prefix,
          ARCHIVE_TEST_DAY: day.toISOString(),
          ARCHIVE_TEST_STOP_AT: stage,
          LOG_LEVEL: 'silent',
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        child.once('exit', (_code, signal) => resolve(signal)),
      );
      await new Promise<void>((resolve, reject) => {
        let output = '';
        child.stdout?.on('data', (data: Buffer) => {
          output += String(data);
          if (output.includes(`stage ${stage}`)) resolve();
        });
        child.once('exit', () => reject(new Error(`child exited before stage ${stage}: ${output}`)));
      });
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');
      const index = archiveIndexName(ns.prefix, day);
      expect(await esCount(index)).toBe(3000);
      expect(await partitionState(sql, partitionName('alerts', day))).toBe(
        stage === 'copied' ? 'attached' : 'detached',
      );

      const result = await ns.archiver().run({ days: [day], waitForLockMs: 30_000 });
      expect(result.days).toMatchObject([{ status: 'dropped', pgRows: 3000, esCount: 3000 }]);
      // After a verified copy the re-run only finishes the drop: nothing is sent again.
      if (stage === 'detached') expect(result.days[0]?.bytes).toBe(0);
      expect(await esCount(index)).toBe(3000);
      const found = await es.count({ index, query: { ids: { values: ids } } });
      expect(found.count).toBe(3000);
      expect(await partitionState(sql, partitionName('alerts', day))).toBeNull();
      expect(await partitionState(sql, partitionName('alert_raw', day))).toBeNull();
      const statuses = await sql<{ status: string; error: string | null }[]>`
        select status, error from archive_log where index_name = ${index} order by id`;
      expect(statuses.map((row) => row.status)).toEqual([stage === 'copied' ? 'failed' : 'verified', 'dropped']);
      if (stage === 'copied') expect(statuses[0]?.error).toMatch(/interrupted/);
    },
    60_000,
  );

  it('keeps the partition and records the error when Elasticsearch is unavailable', async () => {
    const ns = await namespace();
    const day = await ns.day(200);
    const port = await closedPort();
    const down = createElasticsearch(`http://127.0.0.1:${port}`);
    try {
      const result = await ns.archiver(down).run({ days: [day] });
      expect(result.days).toMatchObject([{ status: 'failed' }]);
      expect(result.days[0]?.error).toMatch(/ConnectionError|ECONNREFUSED/);
    } finally {
      await down.close();
    }
    expect(await partitionState(sql, partitionName('alerts', day))).toBe('attached');
    expect(await countRows(sql, partitionName('alerts', day))).toBe(200);
    const [log] =
      await sql`select status, error from archive_log where index_name = ${archiveIndexName(ns.prefix, day)}`;
    expect(log?.status).toBe('failed');
    expect(log?.error).toMatch(/ECONNREFUSED|ConnectionError/);
  });

  it('deletes daily indices older than the delete age when ILM is absent', async () => {
    const ns = await namespace({ ARCHIVE_AFTER_DAYS: '2', ARCHIVE_DELETE_AFTER_DAYS: '30', ARCHIVE_RAW: 'archive' });
    const now = new Date();
    const daysAgo = (n: number) => new Date(now.getTime() - n * 86_400_000);
    const expired = [archiveIndexName(ns.prefix, daysAgo(31)), rawArchiveIndexName(ns.prefix, daysAgo(45))];
    const kept = [
      archiveIndexName(ns.prefix, daysAgo(29)),
      archiveIndexName(ns.prefix, daysAgo(3)),
      `${ns.prefix}-notes`,
    ];
    for (const index of [...expired, ...kept]) await es.indices.create({ index });

    const result = await ns.archiver().run({ days: [], now });
    expect(result.deletedIndices).toEqual([...expired].sort());
    for (const index of expired) expect(await es.indices.exists({ index })).toBe(false);
    for (const index of kept) expect(await es.indices.exists({ index })).toBe(true);
  });
});

/** A 127.0.0.1 port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 0;
}
