/** Drives autocannon with requests from the generator and tallies every answer per tenant. */
import autocannon from 'autocannon';
import * as hdr from 'hdr-histogram-js';
import type { GeneratedRequest, RequestStream } from '../generator/generator.js';

/** Plaintext API keys per tenant index, and the tenant names they belong to. */
export interface KeyRing {
  tenants: string[];
  keys: string[][];
}

export interface TenantTally {
  sentAlerts: number;
  /** Alerts of requests written but never answered (run stopped, timeout): their fate is unknown. */
  pendingAlerts: number;
  acceptedAlerts: number;
  rejectedAlerts: number;
  failedAlerts: number;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Everything sent and answered during one or more load phases. */
export class LoadTally {
  sentRequests = 0;
  sentBytes = 0;
  answeredRequests = 0;
  acceptedRequests = 0;
  rejectedRequests = 0;
  failedRequests = 0;
  /** 429 answers without a Retry-After header (the gateway must always send one). */
  rejectedWithoutRetryAfter = 0;
  /** 202 answers whose `accepted` differs from the alerts the generator put in the body. */
  acceptedMismatches = 0;
  readonly statusCodes: Record<string, number> = {};
  readonly tenants = new Map<number, TenantTally>();
  readonly byProvider = new Map<string, { sent: number; rejected: number }>();
  private readonly accepted = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000 });
  private readonly all = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000 });
  /** Seconds spent sending (sum over phases; see `drive` for rated phases). */
  seconds = 0;

  tenant(index: number): TenantTally {
    let tally = this.tenants.get(index);
    if (!tally) {
      tally = { sentAlerts: 0, pendingAlerts: 0, acceptedAlerts: 0, rejectedAlerts: 0, failedAlerts: 0 };
      this.tenants.set(index, tally);
    }
    return tally;
  }

  sent(item: GeneratedRequest): void {
    this.sentRequests++;
    this.sentBytes += Buffer.byteLength(item.body);
    const tenant = this.tenant(item.tenant);
    tenant.sentAlerts += item.alerts;
    tenant.pendingAlerts += item.alerts;
    const provider = this.byProvider.get(item.provider) ?? { sent: 0, rejected: 0 };
    provider.sent++;
    this.byProvider.set(item.provider, provider);
  }

  answered(item: GeneratedRequest, status: number, body: string, retryAfter: unknown, micros: number): void {
    this.answeredRequests++;
    this.statusCodes[status] = (this.statusCodes[status] ?? 0) + 1;
    const tenant = this.tenant(item.tenant);
    tenant.pendingAlerts -= item.alerts;
    this.all.recordValue(micros);
    // Alertgate answers 202; Alertmanager's own API (a peer in bench:peers) answers 200.
    if (status >= 200 && status < 300) {
      this.acceptedRequests++;
      this.accepted.recordValue(micros);
      const announced = /"accepted":(\d+)/.exec(body);
      const count = announced ? Number(announced[1]) : item.alerts;
      if (count !== item.alerts) this.acceptedMismatches++;
      tenant.acceptedAlerts += count;
    } else if (status === 429) {
      this.rejectedRequests++;
      tenant.rejectedAlerts += item.alerts;
      if (retryAfter === undefined) this.rejectedWithoutRetryAfter++;
      const provider = this.byProvider.get(item.provider);
      if (provider) provider.rejected++;
    } else {
      this.failedRequests++;
      tenant.failedAlerts += item.alerts;
    }
  }

  get sentAlerts(): number {
    return [...this.tenants.values()].reduce((sum, tenant) => sum + tenant.sentAlerts, 0);
  }

  get acceptedAlerts(): number {
    return [...this.tenants.values()].reduce((sum, tenant) => sum + tenant.acceptedAlerts, 0);
  }

  get rejectedAlerts(): number {
    return [...this.tenants.values()].reduce((sum, tenant) => sum + tenant.rejectedAlerts, 0);
  }

  /** Requests written whose answer never came (timeouts, resets): the verification is inexact by these. */
  get unanswered(): number {
    return this.sentRequests - this.answeredRequests;
  }

  /** Latency of 202 answers (`accepted`) or of every answer, in milliseconds. */
  latency(which: 'accepted' | 'all'): LatencySummary {
    const histogram = which === 'accepted' ? this.accepted : this.all;
    const ms = (micros: number) => Math.round(micros / 10) / 100;
    return {
      count: histogram.totalCount,
      p50: ms(histogram.getValueAtPercentile(50)),
      p90: ms(histogram.getValueAtPercentile(90)),
      p99: ms(histogram.getValueAtPercentile(99)),
      max: ms(histogram.maxValue),
    };
  }
}

export interface LoadPhase {
  /** Requests per second across all connections; undefined sends as fast as answers come back. */
  rate?: number;
  seconds: number;
  connections: number;
  /** Hard stop for a rated phase that cannot reach its rate, in seconds. */
  timeoutSeconds?: number;
}

/** How many connections one autocannon run opens, and for how long or how many requests at what rate. */
type Pacing = Pick<autocannon.Options, 'connections' | 'duration' | 'overallRate' | 'amount'>;

interface RequestContext {
  item?: GeneratedRequest;
  sentAt?: number;
}

/**
 * Runs one phase. A rated phase sends exactly rate × seconds requests (autocannon `amount`), so every
 * request gets its answer and the outcome can be verified exactly; an unrated phase runs for `seconds`.
 *
 * autocannon paces a rate per connection on a one-second tick that starts with the run, so one run
 * with many rated connections fires them all at each second's start: a burst whose queueing would
 * be measured as accept latency. A rated phase therefore runs one single-connection instance per
 * connection, their starts spread over the first second, so the load arrives evenly.
 */
export async function drive(
  baseUrl: string,
  generator: RequestStream,
  keys: KeyRing,
  phase: LoadPhase,
  tally: LoadTally,
): Promise<void> {
  const send = (pacing: Pacing) => sendRequests(baseUrl, generator, keys, tally, pacing);
  if (phase.rate === undefined) {
    const started = performance.now();
    await send({ connections: phase.connections, duration: phase.seconds }).done;
    tally.seconds += (performance.now() - started) / 1000;
    return;
  }
  const rate = Math.max(1, Math.round(phase.rate));
  const connections = Math.min(phase.connections, rate);
  const runs: ReturnType<typeof send>[] = [];
  let stopped = false;
  const hardStop = setTimeout(
    () => {
      stopped = true;
      for (const run of runs) run.stop();
    },
    (phase.timeoutSeconds ?? phase.seconds * 3) * 1000,
  );
  const durations = await Promise.all(
    Array.from({ length: connections }, async (_, i) => {
      await new Promise((resolve) => setTimeout(resolve, (i * 1000) / connections));
      if (stopped) return undefined;
      const share = evenShare(rate, connections, i);
      const started = performance.now();
      const run = send({ connections: 1, overallRate: share, amount: Math.max(1, Math.round(share * phase.seconds)) });
      runs.push(run);
      await run.done;
      return (performance.now() - started) / 1000;
    }),
  );
  clearTimeout(hardStop);
  // Each connection sends its share over its own window; the windows are shifted by under a second.
  const ran = durations.filter((seconds) => seconds !== undefined);
  tally.seconds += ran.reduce((sum, seconds) => sum + seconds, 0) / Math.max(1, ran.length);
}

/** The i-th of `parts` near-equal integer shares of `total` (the first ones take the remainder). */
function evenShare(total: number, parts: number, i: number): number {
  return Math.floor(total / parts) + (i < total % parts ? 1 : 0);
}

/** One autocannon run of generator requests, every answer tallied; `stop` ends it early. */
function sendRequests(
  baseUrl: string,
  generator: RequestStream,
  keys: KeyRing,
  tally: LoadTally,
  pacing: Pacing,
): { done: Promise<void>; stop(): void } {
  let finish: (error: Error | null) => void = () => {};
  const done = new Promise<void>((resolve, reject) => {
    finish = (error) => (error ? reject(error) : resolve());
  });
  const instance = autocannon(
    {
      url: baseUrl,
      ...pacing,
      pipelining: 1,
      timeout: 30,
      requests: [
        {
          method: 'POST',
          setupRequest: (request, context) => {
            const item = generator.next();
            const ctx = context as RequestContext;
            ctx.item = item;
            ctx.sentAt = performance.now();
            tally.sent(item);
            const key = keys.keys[item.tenant]?.[item.key];
            if (!key) throw new Error(`no API key for tenant ${item.tenant} key ${item.key}`);
            return {
              ...request,
              path: item.path,
              headers: { 'content-type': 'application/json', 'x-api-key': key },
              body: item.body,
            };
          },
          onResponse: (status, body, context, headers) => {
            const ctx = context as RequestContext;
            if (!ctx.item || ctx.sentAt === undefined) return;
            const micros = Math.max(1, Math.round((performance.now() - ctx.sentAt) * 1000));
            tally.answered(ctx.item, status, body, headers?.['retry-after'], micros);
            ctx.item = undefined;
          },
        },
      ],
    },
    (error) => finish(error),
  );
  return { done, stop: () => instance.stop() };
}
