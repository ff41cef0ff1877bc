import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A request as a receiver saw it. */
export interface Received {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  json: unknown;
  /** Epoch ms the request arrived. */
  at: number;
}

/** An answer: status, body, headers. */
export interface Answer {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

/**
 * A vendor's documented API surface: validation of a request, the success answer and the answers
 * for a bad request, throttling and server errors, in the vendor's own shapes (targets.md).
 */
export interface Contract {
  name: string;
  /** Why the request breaks the documented contract, or null when it is valid. */
  problem(request: Received): string | null;
  /** The answer to a valid request (may update the receiver's state, e.g. open incidents). */
  accept(request: Received): Answer;
  reject(problem: string): Answer;
  throttle(retryAfterSeconds: number): Answer;
  serverError(status: number): Answer;
}

/** What the receiver does with the next request(s). */
export type Behaviour =
  | { kind: 'ok' }
  | { kind: 'reject' }
  | { kind: 'throttle'; retryAfterSeconds: number }
  | { kind: 'server-error'; status?: number }
  | { kind: 'status'; status: number; body?: string }
  | { kind: 'slow'; ms: number }
  | { kind: 'hang' };

/**
 * A local stand-in for a third-party API on 127.0.0.1: it validates every request against the
 * contract and answers per a default behaviour or a queue of one-shot behaviours. It counts open
 * sockets and requests still waiting for an answer, so tests can prove nothing leaks after a timeout.
 */
export class HttpReceiver {
  readonly received: Received[] = [];
  /** Requests answered with the contract's success answer. */
  readonly accepted: Received[] = [];
  private readonly script: Behaviour[] = [];
  private fallback: Behaviour = { kind: 'ok' };
  private readonly sockets = new Set<Socket>();
  private pending = 0;
  private server: Server | undefined;
  url = '';

  constructor(readonly contract: Contract) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Behaviour for every request after the scripted ones. */
  behave(behaviour: Behaviour): this {
    this.fallback = behaviour;
    return this;
  }

  /** One-shot behaviours for the next requests, in order. */
  next(...behaviours: Behaviour[]): this {
    this.script.push(...behaviours);
    return this;
  }

  /** TCP connections currently open to this receiver. */
  get openSockets(): number {
    return this.sockets.size;
  }

  /** Requests received but not answered (hanging or slow). */
  get waiting(): number {
    return this.pending;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    let json: unknown;
    try {
      json = body ? JSON.parse(body) : undefined;
    } catch {
      json = undefined;
    }
    const request: Received = {
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      body,
      json,
      at: Date.now(),
    };
    this.received.push(request);
    const behaviour = this.script.shift() ?? this.fallback;
    this.pending++;
    res.on('close', () => this.pending--);
    if (behaviour.kind === 'hang') return; // never answers; only the client's abort ends it
    if (behaviour.kind === 'slow') await new Promise((resolve) => setTimeout(resolve, behaviour.ms));
    if (res.destroyed) return;
    this.send(res, this.answer(behaviour, request));
  }

  private answer(behaviour: Behaviour, request: Received): Answer {
    switch (behaviour.kind) {
      case 'reject':
        return this.contract.reject('rejected by test script');
      case 'throttle':
        return this.contract.throttle(behaviour.retryAfterSeconds);
      case 'server-error':
        return this.contract.serverError(behaviour.status ?? 503);
      case 'status':
        return { status: behaviour.status, body: behaviour.body ?? '' };
      default: {
        const problem = this.contract.problem(request);
        if (problem) return this.contract.reject(problem);
        this.accepted.push(request);
        return this.contract.accept(request);
      }
    }
  }

  private send(res: ServerResponse, answer: Answer): void {
    res.writeHead(answer.status, answer.headers ?? {});
    res.end(answer.body ?? '');
  }
}

/** JSON answer helper. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Answer {
  return { status, body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } };
}

/** Plain-text answer helper. */
export function text(status: number, body: string, headers: Record<string, string> = {}): Answer {
  return { status, body, headers: { 'content-type': 'text/plain', ...headers } };
}
