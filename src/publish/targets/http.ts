import { Agent, request } from 'undici';
import { classifyStatus, type DeliveryFailure, parseRetryAfter } from '../../failure.js';

/** One HTTP request a formatter produced. */
export interface HttpRequest {
  url: string;
  method?: 'POST' | 'PUT' | 'PATCH';
  headers: Record<string, string>;
  body: string;
}

/** What a target answered: success, or a classified failure with the body as evidence. */
export interface Reply {
  statusCode?: number;
  body?: string;
  failure?: DeliveryFailure;
}

/** Decides success from a 2xx answer where a vendor signals errors in the body (Teams legacy connectors). */
export type BodyCheck = (statusCode: number, body: string) => DeliveryFailure | undefined;

/** Response bodies are kept for dead letters and logs, never more than this many bytes. */
export const MAX_BODY_BYTES = 8192;

/**
 * Keep-alive HTTP client for every HTTP target type, on undici (faster than fetch). An abort
 * destroys the request's socket at once; undici then opens one idle replacement connection that
 * its pool closes again within seconds (nodejs/undici#5845), so a timeout leaves nothing running.
 */
export class HttpSender {
  private readonly agent: Agent;

  constructor(options: { connectionsPerOrigin?: number } = {}) {
    this.agent = new Agent({
      connections: options.connectionsPerOrigin ?? 64,
      keepAliveTimeout: 4000,
      keepAliveMaxTimeout: 60_000,
    });
  }

  /** Sends one request; resolves with the reply, rejects only on transport errors (classified by the caller). */
  async send(http: HttpRequest, signal: AbortSignal, check?: BodyCheck): Promise<Reply> {
    const response = await request(http.url, {
      method: http.method ?? 'POST',
      headers: http.headers,
      body: http.body,
      signal,
      dispatcher: this.agent,
    });
    const length = Number(response.headers['content-length'] ?? Number.NaN);
    // Small declared bodies are read whole (cheaper); unknown or large ones are read up to the cap.
    const body = length <= MAX_BODY_BYTES ? await response.body.text() : await readCapped(response.body);
    const statusCode = response.statusCode;
    const classified = classifyStatus(statusCode);
    if (classified) {
      const retryAfter = response.headers['retry-after'];
      const retryAfterMs = parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter);
      return {
        statusCode,
        body,
        failure: { ...classified, statusCode, message: `HTTP ${statusCode}: ${firstLine(body)}`, retryAfterMs },
      };
    }
    const failure = check?.(statusCode, body);
    return failure ? { statusCode, body, failure } : { statusCode, body };
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

async function readCapped(body: AsyncIterable<Buffer> & { destroy(): unknown }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= MAX_BODY_BYTES) {
      // Stop reading a huge answer; destroying the body also releases the connection.
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString('utf8');
}

function firstLine(body: string): string {
  return body.split('\n', 1)[0]?.slice(0, 300) ?? '';
}

/** JSON POST headers plus extras. */
export function jsonHeaders(
  extra: Record<string, string> = {},
  contentType = 'application/json',
): Record<string, string> {
  return { 'content-type': contentType, 'user-agent': 'alertgate', ...extra };
}
