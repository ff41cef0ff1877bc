/**
 * Slow clients and connection floods against a listening gateway with small limits: slow headers
 * and trickled bodies are cut off near their deadline with a 408, connections past the cap are
 * closed on accept, and normal requests keep being served throughout.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/compose/gateway.js';
import { openTestStack, queuedAlerts, type TestStack, uniqueTenant, waitFor } from '../support/harness.js';

const TIMEOUT_MS = 1000;
const MAX_CONNECTIONS = 6;
/** Node checks the deadlines every min(1 s, timeout / 4); allow that plus scheduling slack. */
const CUT_OFF_WITHIN_MS = TIMEOUT_MS + TIMEOUT_MS / 4 + 1000;

let stack: TestStack;
/** Small deadlines: slow clients and idle connections are cut within seconds. */
let strict: { gateway: Gateway; port: number };
/** Default deadlines: idle connections keep their slots for the whole test. */
let patient: { gateway: Gateway; port: number };
let key: string;
const open: Socket[] = [];

async function listening(overrides: Record<string, number>): Promise<{ gateway: Gateway; port: number }> {
  const gateway = await stack.gateway({ MAX_CONNECTIONS, ...overrides });
  await gateway.app.listen({ host: '127.0.0.1', port: 0 });
  return { gateway, port: (gateway.app.server.address() as { port: number }).port };
}

beforeAll(async () => {
  stack = openTestStack();
  strict = await listening({
    REQUEST_TIMEOUT_MS: TIMEOUT_MS,
    HEADERS_TIMEOUT_MS: TIMEOUT_MS,
    // Equal, as the defaults are: a stalled body must still get its 408 rather than the idle cut.
    CONNECTION_IDLE_TIMEOUT_MS: TIMEOUT_MS,
    KEEP_ALIVE_TIMEOUT_MS: TIMEOUT_MS,
  });
  patient = await listening({});
  key = await stack.createKey(uniqueTenant('slow'));
});
afterAll(async () => {
  for (const socket of open) socket.destroy();
  await stack.close();
});

interface Outcome {
  /** What the server sent before closing. */
  received: string;
  /** Milliseconds from connect to close. */
  closedAfterMs: number;
}

/** Opens a raw connection that sends `head`, then one byte of `trickle` every `everyMs`, until the server closes it. */
function slowClient(port: number, head: string, trickle: string, everyMs: number): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    open.push(socket);
    let received = '';
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    socket.on('connect', () => {
      socket.write(head);
      timer = setInterval(() => {
        if (sent < trickle.length && socket.writable) socket.write(trickle[sent++] as string);
      }, everyMs);
    });
    socket.on('data', (chunk) => {
      received += chunk.toString();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ received, closedAfterMs: Date.now() - started });
    });
    setTimeout(() => reject(new Error('the server never closed the slow connection')), 10 * TIMEOUT_MS);
  });
}

/** A raw connection that sends nothing: it only holds a slot. `closed` settles when it ends, whoever ends it. */
function idleConnection(port: number): Promise<{ socket: Socket; closed: Promise<void> }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const closed = new Promise<void>((settle) => socket.on('close', () => settle()));
    socket.on('connect', () => resolve({ socket, closed }));
    socket.on('error', () => undefined);
    // Read what the server may send (its 408), or the socket would never see the end of the stream.
    socket.resume();
    open.push(socket);
  });
}

/** A one-off GET on a fresh connection: the status line, or null when the server closed it unanswered. */
function rawGet(port: number, path: string): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    open.push(socket);
    let received = '';
    socket.on('connect', () => socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`));
    socket.on('data', (chunk) => {
      received += chunk.toString();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(received === '' ? null : (received.split('\r\n')[0] ?? null)));
  });
}

function expectTimeoutAnswer(outcome: Outcome): void {
  expect(outcome.received).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
  const body = JSON.parse(outcome.received.slice(outcome.received.indexOf('\r\n\r\n') + 4));
  expect(body).toEqual({
    error: 'request_timeout',
    message: expect.stringMatching(/in time/),
    requestId: expect.any(String),
  });
  expect(outcome.closedAfterMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
  expect(outcome.closedAfterMs).toBeLessThan(CUT_OFF_WITHIN_MS);
}

describe('slow clients', () => {
  it('a body trickled byte by byte is cut off at REQUEST_TIMEOUT_MS with a 408, and nothing is enqueued', async () => {
    const body = JSON.stringify({ name: 'slowloris', description: 'x'.repeat(60) });
    const head =
      'POST /alerts/event HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
      `X-API-KEY: ${key}\r\nContent-Length: ${body.length}\r\n\r\n`;
    const outcome = await slowClient(strict.port, head, body, 50);
    expectTimeoutAnswer(outcome);
    expect(await queuedAlerts(strict.gateway.ingestLog)).toEqual([]);
  });

  it('a body that stalls after 12 of 1000 bytes gets a 408 at REQUEST_TIMEOUT_MS, not a silent close', async () => {
    const head =
      'POST /alerts/event HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
      `X-API-KEY: ${key}\r\nContent-Length: 1000\r\n\r\n`;
    const outcome = await slowClient(strict.port, head, '{"name":"sta', 1);
    expectTimeoutAnswer(outcome);
    expect(await queuedAlerts(strict.gateway.ingestLog)).toEqual([]);
  });

  it('headers trickled byte by byte are cut off at HEADERS_TIMEOUT_MS with a 408', async () => {
    const outcome = await slowClient(
      strict.port,
      'GET /healthz HTTP/1.1\r\n',
      `X-Slow: ${'a'.repeat(200)}\r\n\r\n`,
      50,
    );
    expectTimeoutAnswer(outcome);
  });
});

describe('requests Node refuses before routing', () => {
  it.each([
    [
      'oversized headers',
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      431,
      'headers_too_large',
    ],
    ['malformed HTTP', 'NOT HTTP AT ALL\r\n\r\n', 400, 'bad_request'],
    ['HTTP/1.1 without Host', 'GET /healthz HTTP/1.1\r\n\r\n', 400, 'bad_request'],
    [
      'an Expect other than 100-continue',
      'GET /healthz HTTP/1.1\r\nHost: x\r\nExpect: foo\r\n\r\n',
      417,
      'expectation_failed',
    ],
  ])('%s: answered in the error shape, then closed', async (_label, request, status, error) => {
    const outcome = await slowClient(patient.port, request, '', 1000);
    expect(outcome.received.split('\r\n')[0]).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    const body = JSON.parse(outcome.received.slice(outcome.received.indexOf('\r\n\r\n') + 4));
    expect(body).toEqual({ error, message: expect.any(String), requestId: expect.any(String) });
  });
});

describe('too many connections', () => {
  it('refuses connections past MAX_CONNECTIONS while the ones inside keep working, and recovers', async () => {
    const idle = await Promise.all(Array.from({ length: MAX_CONNECTIONS - 1 }, () => idleConnection(patient.port)));
    // One slot is left: a normal request gets it.
    expect(await rawGet(patient.port, '/healthz')).toBe('HTTP/1.1 200 OK');

    const last = await idleConnection(patient.port);
    // The server now holds MAX_CONNECTIONS: a further connection is closed unanswered.
    expect(await rawGet(patient.port, '/healthz')).toBeNull();

    for (const { socket } of [last, ...idle.slice(0, 2)]) socket.destroy();
    // Node frees a slot once it has seen the close.
    await waitFor(async () => (await rawGet(patient.port, '/healthz')) === 'HTTP/1.1 200 OK', 3000);
    for (const { socket } of idle) socket.destroy();
  });

  it('connections that never send a request are closed by the deadlines, freeing their slots', async () => {
    const started = Date.now();
    const held = await Promise.all(Array.from({ length: MAX_CONNECTIONS }, () => idleConnection(strict.port)));
    await Promise.all(held.map(({ closed }) => closed));
    expect(Date.now() - started).toBeLessThan(CUT_OFF_WITHIN_MS);
    expect(await rawGet(strict.port, '/healthz')).toBe('HTTP/1.1 200 OK');
  });
});
