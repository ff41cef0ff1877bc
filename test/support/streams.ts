/** Helpers for stream, lifecycle and escalation tests: the worker side as `worker` runs it, and stream clients. */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createParser } from 'eventsource-parser';
import { WebSocket } from 'ws';
import type { Gateway } from '../../src/compose/gateway.js';
import { startWorkerRole, type WorkerRole } from '../../src/compose/worker.js';
import type { CommitOutput } from '../../src/pipeline/committed-batch.js';
import { silentLog, type TestStack, waitFor } from './harness.js';

export type WorkerSide = WorkerRole;

/** The `worker` role's composition (publisher, escalation, batch worker) in the stack's namespace. */
export function startWorkerSide(stack: TestStack, extraOutputs: CommitOutput[] = []): Promise<WorkerSide> {
  return startWorkerRole(stack.services, silentLog, { config: stack.config, extraOutputs, ownershipIntervalMs: 300 });
}

/** Starts listening on an ephemeral 127.0.0.1 port; returns the base URL. */
export async function listen(gateway: Gateway): Promise<string> {
  await gateway.app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(gateway.app.server.address() as AddressInfo).port}`;
}

/** Posts Keep-style alerts to a gateway over HTTP; throws unless 202. */
export async function ingest(baseUrl: string, key: string, body: unknown): Promise<void> {
  const response = await fetch(`${baseUrl}/alerts/event`, {
    method: 'POST',
    headers: { 'x-api-key': key, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status !== 202) throw new Error(`ingest answered ${response.status}: ${await response.text()}`);
}

/** One received SSE or WebSocket message, parsed. */
export interface Received {
  id: string | undefined;
  type: string;
  data: Record<string, unknown>;
}

/** A Server-Sent Events client (http + eventsource-parser) that keeps every event. */
export class SseClient {
  readonly events: Received[] = [];
  raw = '';
  private response: IncomingMessage | undefined;
  private closedFlag = false;

  static async open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const client = new SseClient();
    await client.connect(url, headers);
    return client;
  }

  private connect(url: string, headers: Record<string, string>): Promise<void> {
    const parser = createParser({
      onEvent: (event) =>
        this.events.push({
          id: event.id,
          type: event.event ?? 'message',
          data: JSON.parse(event.data) as Record<string, unknown>,
        }),
    });
    return new Promise((resolve, reject) => {
      const request = httpRequest(url, { headers: { accept: 'text/event-stream', ...headers } }, (response) => {
        this.response = response;
        if (response.statusCode !== 200) {
          let body = '';
          response.on('data', (chunk) => {
            body += String(chunk);
          });
          response.on('end', () => reject(new StatusError(response.statusCode ?? 0, body)));
          return;
        }
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          this.raw += chunk;
          parser.feed(chunk);
        });
        response.on('close', () => {
          this.closedFlag = true;
        });
        resolve();
      });
      request.on('error', reject);
      request.end();
    });
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  of(type: string): Received[] {
    return this.events.filter((event) => event.type === type);
  }

  async waitFor(type: string, count: number, timeoutMs = 15_000): Promise<Received[]> {
    return waitFor(() => (this.of(type).length >= count ? this.of(type) : undefined), timeoutMs, 20);
  }

  close(): void {
    this.response?.destroy();
  }
}

export class StatusError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`HTTP ${status}: ${body}`);
  }
}

/** A WebSocket stream client that keeps every message. */
export class WsClient {
  readonly events: Received[] = [];
  closeCode: number | undefined;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const { id, type, ...rest } = JSON.parse(String(data)) as Record<string, unknown>;
      this.events.push({ id: id as string | undefined, type: String(type), data: { type, ...rest } });
    });
    socket.on('close', (code) => {
      this.closeCode = code;
    });
  }

  static open(url: string, headers: Record<string, string> = {}): Promise<WsClient> {
    const socket = new WebSocket(url, { headers });
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new WsClient(socket)));
      socket.once('unexpected-response', (_request, response) => reject(new StatusError(response.statusCode ?? 0, '')));
      socket.once('error', reject);
    });
  }

  of(type: string): Received[] {
    return this.events.filter((event) => event.type === type);
  }

  async waitFor(type: string, count: number, timeoutMs = 15_000): Promise<Received[]> {
    return waitFor(() => (this.of(type).length >= count ? this.of(type) : undefined), timeoutMs, 20);
  }

  close(): void {
    this.socket.terminate();
  }
}

/** The fingerprints of received alert events, in order. */
export function alertFingerprints(events: readonly Received[]): string[] {
  return events
    .filter((event) => event.type === 'alert')
    .map((event) => (event.data.alert as { fingerprint: string }).fingerprint);
}
