import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alert/alert.js';
import type { Component } from '../../src/component.js';
import type { Services } from '../../src/compose/services.js';
import { startPublishPipeline } from '../../src/compose/worker.js';
import * as metrics from '../../src/metrics.js';
import type { DeliveryOutcome, Target } from '../../src/publish/model.js';
import type { PublishPipeline } from '../../src/publish/publisher.js';
import { validateSettings } from '../../src/publish/targets/registry.js';
import { uniqueTenant } from '../support/harness.js';
import { closeServices, makeAlert, publishServices, silentLog } from '../support/publish.js';
import { HttpReceiver } from '../support/receivers/http-receiver.js';
import { keepContract } from '../support/receivers/keep.js';

const API_KEY = 'c6f1a5e2-3b4d-4e8f-9a0b-1c2d3e4f5a6b';

let services: Services;
let pipeline: PublishPipeline & Component;
const tenant = uniqueTenant('keep');
const receivers: HttpReceiver[] = [];

beforeAll(async () => {
  services = publishServices({ PUBLISH_CIRCUIT_THRESHOLD: '3' });
  pipeline = await startPublishPipeline(services, silentLog, { scheduleRetry: async () => {}, publishLog: false });
});
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
});
afterAll(async () => {
  await pipeline.stop();
  await closeServices(services);
});

async function keep(key = API_KEY) {
  const contract = keepContract(API_KEY);
  const receiver = await new HttpReceiver(contract).start();
  receivers.push(receiver);
  return {
    contract,
    receiver,
    target: (extra: Partial<Target> = {}, settings = {}) => keepTarget(receiver, key, extra, settings),
  };
}

function keepTarget(receiver: HttpReceiver, apiKey: string, extra: Partial<Target>, settings: object): Target {
  const completed = validateSettings('keep', { url: receiver.url, apiKey, ...settings });
  if (!completed.ok) throw new Error(completed.problems.join('; '));
  return {
    name: `keep-${Math.random().toString(36).slice(2, 10)}`,
    type: 'keep',
    enabled: true,
    routes: [],
    settings: completed.settings,
    source: 'api',
    ...extra,
  };
}

const deliver = (target: Target, alerts: Alert[]) =>
  pipeline.deliver(target, alerts, { batchId: crypto.randomUUID(), messageId: `msg_${crypto.randomUUID()}` });

/** An alert of fingerprint `fingerprint` received `secondsAgo` before now (storm mode orders states by it). */
const state = (fingerprint: string, secondsAgo: number, overrides: Partial<Alert> = {}) =>
  makeAlert(tenant, { fingerprint, receivedAt: new Date(Date.now() - secondsAgo * 1000).toISOString(), ...overrides });

const fingerprints = (body: unknown) => (body as { fingerprint: string }[]).map((alert) => alert.fingerprint);

describe('keep target: the request Keep receives', () => {
  it('posts one array of AlertDto to /alerts/event with X-API-KEY, a fingerprint per alert', async () => {
    const { receiver, target } = await keep();
    const alerts = [
      makeAlert(tenant, { eventId: 'am-123', extra: { generatorURL: 'http://prom:9090/graph', pushed: 'yes' } }),
      makeAlert(tenant, { status: 'resolved', severity: 'warning', environment: null, url: 'grafana.local/d/2' }),
      makeAlert(tenant, { status: 'acknowledged', severity: 'low', message: null }),
    ];
    expect(await deliver(target(), alerts)).toMatchObject({ kind: 'delivered', statusCode: 202 });

    expect(receiver.received).toHaveLength(1);
    const request = receiver.received[0];
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/alerts/event'); // no ?fingerprint=: it would apply to every alert
    expect(request?.headers['x-api-key']).toBe(API_KEY);
    expect(request?.headers['content-type']).toBe('application/json');
    expect(receiver.accepted).toHaveLength(1);
    const body = request?.json as Record<string, unknown>[];
    expect(fingerprints(body)).toEqual(alerts.map((alert) => alert.fingerprint));
    const [first, second] = alerts as [Alert, Alert, Alert];
    expect(body[0]).toEqual({
      id: 'am-123',
      name: first.name,
      status: 'firing',
      severity: 'critical',
      lastReceived: first.lastReceived,
      fingerprint: first.fingerprint,
      source: ['prometheus'],
      labels: { team: 'payments', region: 'eu-1' },
      environment: 'prod',
      service: 'checkout',
      message: first.message,
      description: first.description,
      url: first.url,
      providerType: 'prometheus',
      providerId: null,
      alertgateTenant: tenant,
      // Vendor extras pass through, but not one shadowing an AlertDto field (`pushed` is Keep's bool).
      generatorURL: 'http://prom:9090/graph',
    });
    expect(body[1]).toMatchObject({ id: second.id, status: 'resolved', severity: 'warning', environment: null });
    // Keep validates `url` as an http(s) URL and would refuse the whole array: the text travels apart.
    expect(body[1]).toMatchObject({ sourceUrl: 'grafana.local/d/2' });
    expect(body[1]).not.toHaveProperty('url');
    expect(body[2]).toMatchObject({ status: 'acknowledged', severity: 'low', message: null });
  });

  it('batches up to maxAlertsPerRequest alerts per request, in order', async () => {
    const { receiver, target } = await keep();
    const alerts = Array.from({ length: 5 }, () => makeAlert(tenant));
    expect(await deliver(target({}, { maxAlertsPerRequest: 2 }), alerts)).toMatchObject({ kind: 'delivered' });
    expect(receiver.accepted.map((request) => fingerprints(request.json).length)).toEqual([2, 2, 1]);
    expect(receiver.accepted.flatMap((request) => fingerprints(request.json))).toEqual(
      alerts.map((alert) => alert.fingerprint),
    );
  });

  it('sends every state of a fingerprint while under its rate limit (Keep keeps the history)', async () => {
    const { contract, target } = await keep();
    await deliver(target(), [state('fp-a', 2), state('fp-a', 1, { severity: 'high' })]);
    expect(contract.occurrences.get('fp-a')).toBe(2);
    expect(contract.lastAlerts.get('fp-a')).toMatchObject({ severity: 'high' });
  });
});

describe('keep target: Keep answers classified by the shared table', () => {
  const failureOf = (outcome: DeliveryOutcome) => (outcome.kind === 'failed' ? outcome : undefined);

  it('401 for an invalid or missing API key is permanent, with Keep’s detail kept', async () => {
    const { receiver, target } = await keep('not-the-key');
    receiver.next({ kind: 'ok' }, { kind: 'status', status: 401, body: '{"detail":"Missing API Key"}' });
    for (const detail of [/Invalid API Key/, /Missing API Key/]) {
      const failed = failureOf(await deliver(target(), [makeAlert(tenant)]));
      expect(failed?.failure).toMatchObject({ class: 'permanent', reason: 'rejected', statusCode: 401 });
      expect(failed?.rejected[0]?.responseBody).toMatch(detail);
      expect(failed?.pending).toEqual([]);
    }
  });

  it('400 (unknown provider) and 422 (invalid AlertDto) are permanent; the whole array is dead-lettered', async () => {
    const { receiver, target } = await keep();
    receiver.next({ kind: 'status', status: 400, body: '{"detail":"Provider nosuch not found"}' });
    expect(failureOf(await deliver(target(), [makeAlert(tenant)]))?.failure).toMatchObject({
      class: 'permanent',
      statusCode: 400,
    });
    // A status Keep does not know fails the receiver's validation as FastAPI would.
    const alerts = [makeAlert(tenant), makeAlert(tenant, { status: 'open' as Alert['status'] })];
    const failed = failureOf(await deliver(target(), alerts));
    expect(failed?.failure).toMatchObject({ class: 'permanent', statusCode: 422 });
    expect(failed?.rejected[0]?.alerts).toHaveLength(2);
    expect(failed?.rejected[0]?.responseBody).toMatch(/"loc":\["body",1,"status"\]/);
  });

  it('429 waits for Retry-After; 5xx and an unreachable Keep are retried', async () => {
    const { receiver, target } = await keep();
    const keepTarget = target();
    receiver.next({ kind: 'throttle', retryAfterSeconds: 7 }, { kind: 'server-error', status: 500 });
    expect(failureOf(await deliver(keepTarget, [makeAlert(tenant)]))?.failure).toMatchObject({
      class: 'transient',
      reason: 'throttled',
      retryAfterMs: 7000,
    });
    const alerts = [makeAlert(tenant), makeAlert(tenant)];
    const failed = failureOf(await deliver(keepTarget, alerts));
    expect(failed?.failure).toMatchObject({ class: 'transient', reason: 'server_error', statusCode: 500 });
    expect(failed?.pending).toEqual(alerts);
    await receiver.close();
    expect(failureOf(await deliver(keepTarget, [makeAlert(tenant)]))?.failure).toMatchObject({
      class: 'transient',
      reason: 'network',
    });
  });

  it('has its own circuit breaker: opens after consecutive failures without touching another Keep target', async () => {
    const { receiver, target } = await keep();
    const [broken, healthy] = [target(), target()];
    receiver.behave({ kind: 'server-error', status: 503 });
    for (let i = 0; i < 3; i++) await deliver(broken, [makeAlert(tenant)]);
    expect(pipeline.breakers.state(broken.name)).toBe('open');
    expect(await deliver(broken, [makeAlert(tenant)])).toMatchObject({ kind: 'deferred', reason: 'circuit_open' });
    expect(receiver.received).toHaveLength(3);
    receiver.behave({ kind: 'ok' });
    expect(await deliver(healthy, [makeAlert(tenant)])).toMatchObject({ kind: 'delivered' });
    expect(pipeline.breakers.state(healthy.name)).toBe('closed');
  });
});

describe('keep target: rate limit in alerts, and storm mode', () => {
  it('counts alerts, not requests: a request of 4 alerts after a burst of 4 waits 2 s (deferred)', async () => {
    const { receiver, target } = await keep();
    const limited = target({ rateLimit: { perSecond: 2, burst: 4 } });
    expect(
      await deliver(
        limited,
        Array.from({ length: 4 }, () => makeAlert(tenant)),
      ),
    ).toMatchObject({
      kind: 'delivered',
    });
    const outcome = await deliver(
      limited,
      Array.from({ length: 4 }, () => makeAlert(tenant)),
    );
    expect(outcome).toMatchObject({ kind: 'deferred', reason: 'throttled' });
    if (outcome.kind === 'deferred') expect(outcome.retryAfterMs).toBeGreaterThan(1500);
    expect(receiver.received).toHaveLength(1);
  });

  it('defaults to 50 alerts/s: 100 alerts go out as 50 now and 50 about a second later', async () => {
    const { receiver, target } = await keep();
    const alerts = Array.from({ length: 100 }, () => makeAlert(tenant));
    expect(await deliver(target(), alerts)).toMatchObject({ kind: 'delivered' });
    const [first, second] = receiver.accepted;
    expect(receiver.accepted).toHaveLength(2);
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(900);
  });

  it('over the limit, sends only the newest state per fingerprint and counts the superseded ones', async () => {
    const { contract, receiver, target } = await keep();
    const stormy = target({ rateLimit: { perSecond: 0.5, burst: 3 } });
    const superseded = async () =>
      (await metrics.publishSuperseded.get()).values.find((value) => value.labels.target === stormy.name)?.value ?? 0;

    expect(await deliver(stormy, [state('fp-a', 10), state('fp-b', 10)])).toMatchObject({ kind: 'delivered' });
    // Over the limit (3 alerts, 1 token left): this batch waits as a retry; the target is in storm mode.
    const batch2 = [state('fp-a', 9), state('fp-a', 8), state('fp-c', 8)];
    expect(await deliver(stormy, batch2)).toMatchObject({ kind: 'deferred', reason: 'throttled', pending: batch2 });
    // A newer batch, also waiting, registers the newest states of fp-a and fp-b.
    const batch3 = [state('fp-a', 5), state('fp-b', 5, { status: 'resolved' })];
    expect(await deliver(stormy, batch3)).toMatchObject({ kind: 'deferred', pending: batch3 });

    // Batch 2's retry: both fp-a states are older than batch 3's, so only fp-c goes (1 token).
    const retry2 = await deliver(stormy, batch2);
    expect(retry2).toMatchObject({ kind: 'delivered', superseded: 2 });
    expect(await superseded()).toBe(2);
    const { line } = await pipeline.settler.settle(
      stormy,
      { batchId: crypto.randomUUID(), attemptsMade: 2, firstAttemptAt: Date.now() },
      retry2,
    );
    expect(line).toMatchObject({ ok: true, superseded: 2 });

    await new Promise((resolve) => setTimeout(resolve, 4100));
    expect(await deliver(stormy, batch3)).toMatchObject({ kind: 'delivered' });
    // Keep ends with the newest state of every fingerprint and never got an older one after a newer.
    expect(receiver.accepted.map((request) => fingerprints(request.json))).toEqual([
      ['fp-a', 'fp-b'],
      ['fp-c'],
      ['fp-a', 'fp-b'],
    ]);
    expect(contract.lastAlerts.get('fp-b')).toMatchObject({ status: 'resolved' });
    expect(contract.lastAlerts.get('fp-a')?.id).toBe(batch3[0]?.id);
  });
});
