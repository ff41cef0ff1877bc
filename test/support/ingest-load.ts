/**
 * Steady ingestion load over real HTTP for fault tests: a few concurrent senders post Keep-format
 * alerts with unique names and record, per request, what the gateway answered and when, so a test
 * can check every 2xx alert against PostgreSQL and every refusal against the error contract.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';

/** One request as the client saw it. */
export interface Sent {
  /** Epoch ms the request was sent and answered (or failed). */
  startedAt: number;
  endedAt: number;
  /** HTTP status, or null when the connection failed or was cut. */
  status: number | null;
  /** The body's `error` code, or the transport error's code when there was no answer. */
  error?: string;
  retryAfter?: string;
  /** Whether the answer was a JSON object. */
  json: boolean;
  names: string[];
}

export interface LoadOptions {
  /** Gateway base URL, read per request so a test may move it. */
  url: () => string;
  key: string;
  /** Prefix of every alert name; names are `<label>-<n>`, unique within the load. */
  label: string;
  concurrency: number;
  alertsPerRequest: number;
  severity?: string;
  labels?: Record<string, string>;
  /** Pause between one sender's requests, in ms (default 0). */
  pauseMs?: number;
  /** Pause after a refused or failed request, in ms (default 100), so an outage is not a busy loop. */
  pauseAfterFailureMs?: number;
  /** Gives up on a request that has no answer after this long, in ms (default 10 s). */
  requestTimeoutMs?: number;
}

export interface IngestLoad {
  /** Names of the alerts answered with a 2xx. */
  readonly accepted: ReadonlySet<string>;
  readonly sent: readonly Sent[];
  /** Requests sent and not yet answered. */
  readonly inFlight: number;
  /** Answers (and failures) that ended at or after `since`. */
  since(since: number): Sent[];
  /** Stops sending and waits for the requests in flight; safe to call twice. */
  stop(): Promise<void>;
}

export function startIngestLoad(options: LoadOptions): IngestLoad {
  const agent = new Agent({ connections: options.concurrency, keepAliveTimeout: 2000 });
  const accepted = new Set<string>();
  const sent: Sent[] = [];
  let inFlight = 0;
  let next = 0;
  let stopping = false;
  const timeoutMs = options.requestTimeoutMs ?? 10_000;

  const sendOne = async (): Promise<Sent> => {
    const names = Array.from({ length: options.alertsPerRequest }, () => `${options.label}-${next++}`);
    const body = names.map((name) => ({
      name,
      severity: options.severity ?? 'warning',
      ...(options.labels ? { labels: options.labels } : {}),
    }));
    const startedAt = Date.now();
    inFlight++;
    try {
      const response = await request(`${options.url()}/alerts/event`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': options.key },
        body: JSON.stringify(body),
        dispatcher: agent,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const text = await response.body.text();
      let parsed: { error?: unknown } | null = null;
      try {
        parsed = JSON.parse(text) as { error?: unknown };
      } catch {
        parsed = null;
      }
      const retryAfter = response.headers['retry-after'];
      const result: Sent = {
        startedAt,
        endedAt: Date.now(),
        status: response.statusCode,
        json: typeof parsed === 'object' && parsed !== null,
        names,
      };
      if (typeof parsed?.error === 'string') result.error = parsed.error;
      if (typeof retryAfter === 'string') result.retryAfter = retryAfter;
      if (response.statusCode >= 200 && response.statusCode < 300) for (const name of names) accepted.add(name);
      return result;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      return {
        startedAt,
        endedAt: Date.now(),
        status: null,
        error: typeof code === 'string' ? code : String(error),
        json: false,
        names,
      };
    } finally {
      inFlight--;
    }
  };

  const sender = async () => {
    while (!stopping) {
      const result = await sendOne();
      sent.push(result);
      const failed = result.status === null || result.status >= 300;
      const pause = failed ? (options.pauseAfterFailureMs ?? 100) : (options.pauseMs ?? 0);
      if (pause > 0) await sleep(pause);
    }
  };
  const senders = Array.from({ length: options.concurrency }, sender);
  let stopped: Promise<void> | undefined;

  return {
    accepted,
    sent,
    get inFlight() {
      return inFlight;
    },
    since: (since) => sent.filter((result) => result.endedAt >= since),
    stop() {
      stopping = true;
      stopped ??= Promise.all(senders).then(() => agent.close());
      return stopped;
    },
  };
}

/** Counts of answers by status ('error' for no answer), e.g. `{ 202: 812, 503: 40, error: 3 }`. */
export function statusCounts(sent: readonly Sent[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const result of sent) {
    const key = result.status === null ? 'error' : String(result.status);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
