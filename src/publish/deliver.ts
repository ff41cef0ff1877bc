import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Alert } from '../alert/alert.js';
import { type AlertKey, alertKey } from '../alert/alert-key.js';
import { classifyDeliveryError, type DeliveryFailure } from '../failure.js';
import * as metrics from '../metrics.js';
import { type Breakers, isCircuitRejection } from './circuit.js';
import { countsAgainstTarget, type TargetHealth } from './health.js';
import type { DeliveryOutcome, RejectedPart, Target } from './model.js';
import type { TargetRateLimiter } from './rate-limiter.js';
import type { StormMode } from './storm.js';
import type { AnyAdapter, Outgoing } from './targets/adapter.js';
import type { HttpSender, Reply } from './targets/http.js';
import { adapterFor, secretValues } from './targets/registry.js';

export interface DeliverDeps {
  http: HttpSender;
  health: TargetHealth;
  breakers: Breakers<DeliveryOutcome>;
  limiter: TargetRateLimiter;
  storm: StormMode;
  /** Global bound on requests in flight across all targets. */
  limitRequests: <T>(send: () => Promise<T>) => Promise<T>;
  /** Per-delivery timeout when the target sets none, in ms. */
  defaultTimeoutMs: number;
  /** Deliveries to one target in flight for over STALLED_AFTER_MS after which its new ones are deferred. */
  stalledLimit: number;
  /** Aborts every in-flight request when the publisher stops. */
  stopSignal: AbortSignal;
  now: () => Date;
  log: Logger;
}

export interface DeliveryContext {
  batchId: string;
  /** Stable per (batch, target): reused by every retry of this delivery. */
  messageId: string;
  /** Consecutive failures known before this attempt (saves a Redis write on success when 0). */
  knownFailures?: number;
}

/** Requests of one per-alert target sent side by side within one delivery. */
const PER_TARGET_PARALLEL = 4;
/** A local rate-limit wait up to this long is slept through; longer ones defer the delivery. */
const MAX_INLINE_WAIT_MS = 1000;
/**
 * A delivery still in flight after this long counts towards its target's stalled limit. Far above a
 * working target's latency, far below the timeout a hanging one waits out.
 */
const STALLED_AFTER_MS = 1000;

/** Keeps the newest state of each fingerprint: per-alert APIs only need where an alert ended up. */
export function newestPerFingerprint(alerts: readonly Alert[]): Alert[] {
  const newest = new Map<AlertKey, Alert>();
  for (const alert of alerts) newest.set(alertKey(alert.tenant, alert.fingerprint), alert);
  return [...newest.values()];
}

/**
 * The delivery wrapper, the one place that owns timeouts, rate limits, the circuit breaker, health
 * bookkeeping and the delivery metrics. It makes one attempt to one target and reports the outcome;
 * what an outcome means (retry, dead-letter) is decided by outcome.ts.
 */
export function createDeliver(deps: DeliverDeps) {
  // One controller per attempt (cheaper than AbortSignal.any per request); stopping aborts them all.
  const inFlight = new Set<AbortController>();
  deps.stopSignal.addEventListener(
    'abort',
    () => {
      for (const controller of inFlight) controller.abort(deps.stopSignal.reason);
    },
    { once: true },
  );
  // Start times of each target's deliveries in flight. A target that hangs would otherwise hold a
  // publish job per batch until each times out, and with them every job slot the other targets need.
  const startedAt = new Map<string, Map<AbortController, number>>();
  const stalled = (target: string, now: number) => {
    let count = 0;
    for (const started of startedAt.get(target)?.values() ?? []) if (now - started > STALLED_AFTER_MS) count++;
    return count;
  };
  return async function deliver(target: Target, alerts: Alert[], context: DeliveryContext): Promise<DeliveryOutcome> {
    const timeoutMs = target.timeoutMs ?? deps.defaultTimeoutMs;
    const now = performance.now();
    if (stalled(target.name, now) >= deps.stalledLimit)
      return {
        kind: 'deferred',
        reason: 'stalled',
        retryAfterMs: timeoutMs,
        pending: alerts,
        rejected: [],
        durationMs: 0,
      };
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new DOMException(`delivery timeout: no answer within ${timeoutMs} ms`, 'TimeoutError')),
      timeoutMs,
    );
    inFlight.add(controller);
    const ofTarget = startedAt.get(target.name) ?? new Map<AbortController, number>();
    startedAt.set(target.name, ofTarget.set(controller, now));
    try {
      if (deps.stopSignal.aborted) controller.abort(deps.stopSignal.reason);
      return await deps.breakers.execute(target.name, () =>
        attempt(deps, target, alerts, context, { signal: controller.signal, timeoutMs }),
      );
    } catch (error) {
      if (!isCircuitRejection(error)) throw error;
      return {
        kind: 'deferred',
        reason: 'circuit_open',
        retryAfterMs: deps.breakers.halfOpenAfterMs,
        pending: alerts,
        rejected: [],
        durationMs: 0,
      };
    } finally {
      clearTimeout(timer);
      inFlight.delete(controller);
      ofTarget.delete(controller);
      if (ofTarget.size === 0) startedAt.delete(target.name);
    }
  };
}

async function attempt(
  deps: DeliverDeps,
  target: Target,
  alerts: Alert[],
  context: DeliveryContext,
  { signal, timeoutMs }: { signal: AbortSignal; timeoutMs: number },
): Promise<DeliveryOutcome> {
  const adapter = adapterFor(target.type);
  const started = performance.now();
  const secrets = secretValues(target.type, target.settings);
  const scrub = (text: string) => secrets.reduce((out, secret) => out.split(secret).join('***'), text);
  const { selected, superseded } = await selectAlerts(deps, target, adapter, alerts);
  const outgoing = adapter.format(selected, target.settings, {
    batchId: context.batchId,
    target: target.name,
    messageId: context.messageId,
    now: deps.now(),
  });
  const limit = target.rateLimit ?? adapter.defaultRateLimit;

  const pending: Alert[] = [];
  const rejected: RejectedPart[] = [];
  let transient: DeliveryFailure | undefined;
  let throttledForMs = 0;
  let sent = 0;
  let delivered = 0;
  let lastStatus: number | undefined;
  let stop = false;
  let stormEntered = false;

  const sendOne = async (item: Outgoing<unknown>): Promise<void> => {
    if (stop) return void pending.push(...item.alerts);
    if (limit) {
      for (;;) {
        const wait = await deps.limiter.take(target.name, limit, adapter.limitsAlerts ? item.alerts.length : 1);
        if (wait === 0) break;
        if (adapter.stormMode && !stormEntered) {
          stormEntered = true;
          await deps.storm.enter(target.name);
        }
        if (wait > MAX_INLINE_WAIT_MS || signal.aborted) {
          stop = true;
          throttledForMs = Math.max(throttledForMs, wait);
          return void pending.push(...item.alerts);
        }
        await sleep(wait, undefined, { signal }).catch(() => {});
      }
    }
    sent++;
    let reply: Reply;
    try {
      reply = await deps.limitRequests(() =>
        adapter.send(item.request, target.settings, { http: deps.http, signal, timeoutMs }),
      );
    } catch (error) {
      // An abort surfaces as whatever the client threw; the signal's reason says why (timeout vs stop).
      reply = { failure: classifyDeliveryError(signal.aborted ? (signal.reason ?? error) : error) };
    }
    const failure = reply.failure;
    if (!failure) {
      delivered++;
      lastStatus = reply.statusCode;
      return;
    }
    const scrubbed = { ...failure, message: scrub(failure.message) };
    if (failure.class === 'transient') {
      transient ??= scrubbed;
      stop = true;
      pending.push(...item.alerts);
    } else {
      rejected.push({
        alerts: item.alerts,
        failure: scrubbed,
        responseBody: reply.body ? scrub(reply.body) : undefined,
      });
    }
  };

  await runLimited(outgoing, adapter.perAlert ? PER_TARGET_PARALLEL : 1, sendOne);
  const durationMs = Math.round(performance.now() - started);
  const outcome: DeliveryOutcome =
    pending.length === 0 && rejected.length === 0
      ? { kind: 'delivered', statusCode: lastStatus, durationMs }
      : transient
        ? { kind: 'failed', failure: transient, pending, rejected, durationMs }
        : throttledForMs > 0
          ? { kind: 'deferred', reason: 'throttled', retryAfterMs: throttledForMs, pending, rejected, durationMs }
          : { kind: 'failed', failure: (rejected[0] as RejectedPart).failure, pending, rejected, durationMs };
  if (superseded > 0) outcome.superseded = superseded;
  await record(deps, target, outcome, { sent, delivered, knownFailures: context.knownFailures });
  return outcome;
}

/**
 * What an attempt sends: per-alert targets get each fingerprint's newest state; so do storm-mode
 * targets while over their rate limit, minus states older than one the target was already handed.
 */
async function selectAlerts(
  deps: DeliverDeps,
  target: Target,
  adapter: AnyAdapter,
  alerts: Alert[],
): Promise<{ selected: Alert[]; superseded: number }> {
  if (!adapter.stormMode) return { selected: adapter.perAlert ? newestPerFingerprint(alerts) : alerts, superseded: 0 };
  const newest = await deps.storm.newest(target.name, newestPerFingerprint(alerts));
  metrics.publishStormMode.set({ target: target.name }, newest ? 1 : 0);
  if (!newest) return { selected: alerts, superseded: 0 };
  const superseded = alerts.length - newest.length;
  if (superseded > 0) metrics.publishSuperseded.inc({ target: target.name, integration: target.type }, superseded);
  return { selected: newest, superseded };
}

/** Metrics and shared health for one attempt. Failed bookkeeping never fails the delivery. */
async function record(
  deps: DeliverDeps,
  target: Target,
  outcome: DeliveryOutcome,
  counts: { sent: number; delivered: number; knownFailures: number | undefined },
): Promise<void> {
  if (counts.sent === 0) return;
  const labels = { target: target.name, integration: target.type };
  const children = metricsFor(target);
  children.attempts.inc();
  children.latency.observe(outcome.durationMs / 1000);
  let write: Promise<void> | undefined;
  if (outcome.kind === 'failed') {
    metrics.notificationFailures.inc({ ...labels, class: outcome.failure.class, reason: outcome.failure.reason });
    if (countsAgainstTarget(outcome.failure)) write = deps.health.recordFailure(target.name);
    else if (counts.delivered > 0) write = deps.health.recordSuccess(target.name, counts.knownFailures);
  } else {
    children.successes.inc();
    write = deps.health.recordSuccess(target.name, counts.knownFailures);
  }
  // Failures are awaited (the next admission must see them); a success only clears a counter.
  const settled = write?.catch((error: unknown) =>
    deps.log.warn({ err: error, target: target.name }, 'could not record target health'),
  );
  if (outcome.kind === 'failed') await settled;
}

/** Labelled metric children per target, so the hot path does not hash label sets per delivery. */
const children = new Map<string, ReturnType<typeof makeChildren>>();
function makeChildren(target: Target) {
  const labels = { target: target.name, integration: target.type };
  return {
    attempts: metrics.notificationAttempts.labels(labels),
    successes: metrics.notificationSuccesses.labels(labels),
    latency: metrics.notificationLatency.labels(labels),
  };
}
function metricsFor(target: Target): ReturnType<typeof makeChildren> {
  const key = `${target.name}\u0000${target.type}`;
  let found = children.get(key);
  if (!found) {
    found = makeChildren(target);
    children.set(key, found);
  }
  return found;
}

/** Runs `fn` over items with at most `parallel` at a time, in order of start. */
async function runLimited<T>(items: readonly T[], parallel: number, fn: (item: T) => Promise<void>): Promise<void> {
  if (items.length === 1) return fn(items[0] as T);
  let next = 0;
  const lane = async () => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(parallel, items.length) }, lane));
}
