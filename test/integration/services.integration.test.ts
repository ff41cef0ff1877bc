import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { StopError } from '../../src/component.js';
import { openServices } from '../../src/compose/services.js';
import { loadConfig } from '../../src/config.js';

const services = openServices(loadConfig(), 'test');
afterAll(() => services.close());

describe('real backing services', () => {
  it('PostgreSQL round-trips a row', async () => {
    const { sql } = services.database;
    const table = `rt_${randomUUID().replaceAll('-', '')}`;
    await sql`create temporary table ${sql(table)} (v text)`;
    await sql`insert into ${sql(table)} values ('hello')`;
    const rows = await sql<{ v: string }[]>`select v from ${sql(table)}`;
    expect(rows.map((row) => row.v)).toEqual(['hello']);
  });

  it('PostgreSQL stores large alert columns with lz4 and has pg_trgm', async () => {
    const rows = await services.database.sql<{ attname: string; attcompression: string }[]>`
      select attname, attcompression from pg_attribute
      where attrelid = 'alerts'::regclass and attname in ('description', 'labels', 'extra') order by attname`;
    expect(rows).toEqual([
      { attname: 'description', attcompression: 'l' },
      { attname: 'extra', attcompression: 'l' },
      { attname: 'labels', attcompression: 'l' },
    ]);
    const [ext] = await services.database.sql`select extname from pg_extension where extname = 'pg_trgm'`;
    expect(ext?.extname).toBe('pg_trgm');
  });

  it('Redis round-trips a value', async () => {
    const key = `test:${randomUUID()}`;
    await services.redis.set(key, 'value', 'EX', 30);
    expect(await services.redis.get(key)).toBe('value');
    await services.redis.del(key);
  });

  it('Redis runs with AOF so queued alerts survive a restart', async () => {
    const [, appendonly] = (await services.redis.config('GET', 'appendonly')) as string[];
    expect(appendonly).toBe('yes');
  });

  it('Elasticsearch indexes and finds a document', async () => {
    const index = `test-${randomUUID()}`;
    const es = services.elasticsearch;
    try {
      await es.index({ index, id: 'a1', document: { name: 'disk full on db-1' }, refresh: true });
      const result = await es.search<{ name: string }>({ index, query: { match: { name: 'disk' } } });
      expect(result.hits.hits.map((hit) => hit._source?.name)).toEqual(['disk full on db-1']);
    } finally {
      await es.indices.delete({ index }, { ignore: [404] });
    }
  });
});

describe('closing the services', () => {
  it('closes every connection when one fails to close, reports that failure, and closes once', async () => {
    const closing = openServices(loadConfig(), 'test-close');
    const failure = new Error('elasticsearch close failed');
    const esClose = vi.spyOn(closing.elasticsearch, 'close').mockRejectedValueOnce(failure);

    const error = await closing.close().catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(StopError);
    expect((error as StopError).errors).toEqual([failure]);
    await expect(closing.redis.ping()).rejects.toThrow();
    await expect(closing.database.sql`select 1`).rejects.toThrow();
    await expect(closing.close()).rejects.toBe(error);
    expect(esClose).toHaveBeenCalledTimes(1);
  });
});
