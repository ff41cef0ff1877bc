import { randomUUID } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type BulkDocument, BulkRejectedError, bulkIndex } from '../../src/archive/bulk-indexer.js';
import { createElasticsearch } from '../../src/archive/es-client.js';
import { loadConfig } from '../../src/config.js';

const target = new URL(loadConfig().ELASTICSEARCH_URL);
const es = createElasticsearch(target.toString());
const indices: string[] = [];
const servers: Server[] = [];
afterEach(async () => {
  if (indices.length > 0) await es.indices.delete({ index: indices.splice(0) }, { ignore: [404] });
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});
afterAll(() => es.close());

/**
 * A fault-injecting proxy in front of the real Elasticsearch: `_bulk` request number n (from 0)
 * is answered by `faults[n]` — a whole-request status, or 'item-503' (forwarded, then its answer
 * rewritten to `errors: true` with the first item failed 503) — and everything else is forwarded.
 */
async function faultyProxy(faults: (number | 'item-503' | undefined)[]): Promise<{ url: string; bulks: () => number }> {
  let bulks = 0;
  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const fault = incoming.url?.includes('_bulk') ? faults[bulks++] : undefined;
      if (typeof fault === 'number') {
        outgoing.writeHead(fault, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' });
        outgoing.end(JSON.stringify({ error: { type: 'injected', reason: 'injected fault' }, status: fault }));
        return;
      }
      // Plain bodies, so an answer can be rewritten.
      const { 'accept-encoding': _encoding, ...headers } = incoming.headers;
      const forward = request(
        { host: target.hostname, port: target.port, path: incoming.url, method: incoming.method, headers },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (part: Buffer) => parts.push(part));
          answer.on('end', () => {
            let body = Buffer.concat(parts).toString();
            if (fault === 'item-503') {
              const parsed = JSON.parse(body) as { errors: boolean; items: { index: Record<string, unknown> }[] };
              parsed.errors = true;
              Object.assign(parsed.items[0]?.index ?? {}, {
                status: 503,
                error: { type: 'unavailable_shards_exception', reason: 'injected' },
              });
              body = JSON.stringify(parsed);
            }
            const { 'transfer-encoding': _chunked, ...answerHeaders } = answer.headers;
            outgoing.writeHead(answer.statusCode ?? 500, {
              ...answerHeaders,
              'content-length': String(Buffer.byteLength(body)),
            });
            outgoing.end(body);
          });
        },
      );
      forward.end(Buffer.concat(chunks));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bulks: () => bulks };
}

async function* documents(count: number, extra: Record<string, unknown> = {}): AsyncGenerator<BulkDocument> {
  for (let i = 0; i < count; i++)
    yield { id: `doc-${i}`, source: JSON.stringify({ n: i, text: 'x'.repeat(200), ...extra }) };
}

const options = { flushBytes: 10_000, concurrency: 2, retries: 3, initialBackoffMs: 5, maxBackoffMs: 20 };

describe('bulkIndex', () => {
  it('retries a whole _bulk answered 429 or 503 and the items of a partial failure, ending with every document once', async () => {
    const index = `t-bulk-${randomUUID()}`;
    indices.push(index);
    await es.indices.create({ index });
    const proxy = await faultyProxy([429, 'item-503', 503]);
    const client = createElasticsearch(proxy.url);
    try {
      const stats = await bulkIndex(client, documents(300), { ...options, index });
      expect(stats.docs).toBe(300);
      expect(stats.retries).toBe(3);
      expect(proxy.bulks()).toBeGreaterThan(300 / 40);
    } finally {
      await client.close();
    }
    await es.indices.refresh({ index });
    expect((await es.count({ index })).count).toBe(300);
  });

  it('fails with BulkRejectedError when Elasticsearch refuses documents (4xx items)', async () => {
    const index = `t-bulk-${randomUUID()}`;
    indices.push(index);
    await es.indices.create({ index, mappings: { dynamic: 'strict', properties: { n: { type: 'long' } } } });
    await expect(bulkIndex(es, documents(20), { ...options, index })).rejects.toBeInstanceOf(BulkRejectedError);
  });

  it('gives up after the configured retries when Elasticsearch keeps failing', async () => {
    const index = `t-bulk-${randomUUID()}`;
    const proxy = await faultyProxy([503, 503, 503, 503, 503]);
    const client = createElasticsearch(proxy.url);
    try {
      await expect(bulkIndex(client, documents(10), { ...options, index })).rejects.toMatchObject({ statusCode: 503 });
      expect(proxy.bulks()).toBe(4);
    } finally {
      await client.close();
    }
  });
});
