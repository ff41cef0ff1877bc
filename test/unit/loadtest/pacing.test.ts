import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GeneratedRequest, RequestStream } from '../../../loadtest/generator/generator.js';
import { drive, LoadTally } from '../../../loadtest/lib/load.js';

/** A local receiver that answers 202 at once and notes when each request arrived. */
let server: Server;
let baseUrl: string;
const arrivals: number[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    arrivals.push(performance.now());
    request.resume();
    request.on('end', () => {
      response.writeHead(202, { 'content-type': 'application/json' });
      response.end('{"accepted":1}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const generator: RequestStream = {
  next: (): GeneratedRequest => ({
    seq: 0,
    tenant: 0,
    key: 0,
    provider: 'keep',
    path: '/alerts/event/keep',
    body: '{"name":"paced"}',
    alerts: 1,
    kind: 'new',
  }),
};

describe('drive, rated phase', () => {
  it('sends exactly rate × seconds requests, spread over each second instead of one burst per tick', async () => {
    arrivals.length = 0;
    const tally = new LoadTally();
    const rate = 40;
    await drive(baseUrl, generator, { tenants: ['t'], keys: [['k']] }, { rate, seconds: 2, connections: 40 }, tally);

    expect(tally.sentRequests).toBe(80);
    expect(tally.acceptedRequests).toBe(80);
    // The phase's own duration, not the spread of the starts added to it.
    expect(tally.seconds).toBeGreaterThan(1.8);
    expect(tally.seconds).toBeLessThan(2.5);
    // One autocannon run would fire all 40 connections within a few ms of each tick.
    const busiest = Math.max(
      ...arrivals.map((at) => arrivals.filter((other) => other >= at && other < at + 100).length),
    );
    expect(busiest).toBeLessThanOrEqual(12);
  });
});
