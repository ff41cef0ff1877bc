import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Component } from '../../src/component.js';
import type { Services } from '../../src/compose/services.js';
import { startPublishPipeline } from '../../src/compose/worker.js';
import type { DeliveryOutcome, Target, TargetType } from '../../src/publish/model.js';
import type { PublishPipeline } from '../../src/publish/publisher.js';
import { HttpSender } from '../../src/publish/targets/http.js';
import { validateSettings } from '../../src/publish/targets/registry.js';
import { uniqueTenant } from '../support/harness.js';
import { closeServices, makeAlert, publishServices, silentLog } from '../support/publish.js';
import { alertmanagerContract } from '../support/receivers/alertmanager.js';
import { type Contract, HttpReceiver } from '../support/receivers/http-receiver.js';
import { keepContract } from '../support/receivers/keep.js';
import { opsgenieContract } from '../support/receivers/opsgenie.js';
import { pagerDutyContract } from '../support/receivers/pagerduty.js';
import { rootlyContract } from '../support/receivers/rootly.js';
import { slackContract } from '../support/receivers/slack.js';
import { SmtpReceiver } from '../support/receivers/smtp.js';
import { teamsContract } from '../support/receivers/teams.js';
import { webhookContract } from '../support/receivers/webhook.js';
import { SMTP_DECISIONS, STATUS_DECISIONS } from '../support/retry-decisions.js';

const ROUTING_KEY = 'a'.repeat(32);
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

interface HttpCase {
  type: TargetType;
  contract: () => Contract;
  settings: (url: string) => Record<string, unknown>;
  /** The vendor's error body shape, seen in a dead letter. */
  rejectionBody: RegExp;
}

const HTTP_CASES: HttpCase[] = [
  {
    type: 'webhook',
    contract: () => webhookContract(SECRET),
    settings: (url) => ({ url: `${url}/hook`, secret: SECRET }),
    rejectionBody: /error/,
  },
  {
    type: 'slack',
    contract: slackContract,
    settings: (url) => ({ url: `${url}/services/T1/B1/x` }),
    rejectionBody: /invalid_payload/,
  },
  {
    type: 'pagerduty',
    contract: pagerDutyContract,
    settings: (url) => ({ routingKey: ROUTING_KEY, url: `${url}/v2/enqueue` }),
    rejectionBody: /invalid event/,
  },
  {
    type: 'opsgenie',
    contract: () => opsgenieContract('genie'),
    settings: (url) => ({ apiKey: 'genie', url }),
    rejectionBody: /requestId/,
  },
  {
    type: 'rootly',
    contract: () => rootlyContract('tok'),
    settings: (url) => ({ token: 'tok', url }),
    rejectionBody: /errors/,
  },
  { type: 'alertmanager', contract: alertmanagerContract, settings: (url) => ({ url }), rejectionBody: /code/ },
  { type: 'teams', contract: teamsContract, settings: (url) => ({ url: `${url}/webhook` }), rejectionBody: /rejected/ },
  {
    type: 'keep',
    contract: () => keepContract('keep-key'),
    settings: (url) => ({ url, apiKey: 'keep-key' }),
    rejectionBody: /detail/,
  },
];

let services: Services;
let pipeline: PublishPipeline & Component;
const tenant = uniqueTenant('contracts');
const receivers: HttpReceiver[] = [];

beforeAll(async () => {
  // Status-table runs fail many times in a row: keep the breaker out of the way here (it has its own test).
  services = publishServices({ PUBLISH_CIRCUIT_THRESHOLD: '100000' });
  pipeline = await startPublishPipeline(services, silentLog, { scheduleRetry: async () => {}, publishLog: false });
});
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
});
afterAll(async () => {
  await pipeline.stop();
  await closeServices(services);
});

function targetFor(type: TargetType, settings: Record<string, unknown>, extra: Partial<Target> = {}): Target {
  return {
    name: `${type}-${Math.random().toString(36).slice(2, 10)}`,
    type,
    enabled: true,
    routes: [],
    rateLimit: { perSecond: 10_000, burst: 10_000 },
    settings,
    source: 'api',
    ...extra,
  };
}

async function receiverFor(contract: Contract): Promise<HttpReceiver> {
  const receiver = await new HttpReceiver(contract).start();
  receivers.push(receiver);
  return receiver;
}

const deliver = (target: Target, alerts = [makeAlert(tenant)]) =>
  pipeline.deliver(target, alerts, { batchId: crypto.randomUUID(), messageId: `msg_${crypto.randomUUID()}` });

function decisionOf(outcome: DeliveryOutcome): string {
  if (outcome.kind === 'delivered') return 'delivered';
  if (outcome.kind === 'failed') return outcome.failure.class;
  return `deferred:${outcome.reason}`;
}

for (const testCase of HTTP_CASES) {
  describe(`${testCase.type} target against its documented contract`, () => {
    const setup = async (extra: Partial<Target> = {}) => {
      const receiver = await receiverFor(testCase.contract());
      const completed = validateSettings(testCase.type, testCase.settings(receiver.url));
      if (!completed.ok) throw new Error(completed.problems.join('; '));
      return { receiver, target: targetFor(testCase.type, completed.settings, extra) };
    };

    it('delivers a request the receiver accepts as valid', async () => {
      const { receiver, target } = await setup();
      const outcome = await deliver(target, [makeAlert(tenant), makeAlert(tenant, { status: 'resolved' })]);
      expect(outcome).toMatchObject({ kind: 'delivered' });
      expect(receiver.accepted.length).toBe(receiver.received.length);
      expect(receiver.accepted.length).toBeGreaterThan(0);
    });

    it('maps every status of the shared table to the expected retry decision', async () => {
      const { receiver, target } = await setup();
      for (const [status, decision] of STATUS_DECISIONS) {
        receiver.next({ kind: 'status', status, body: status === 200 && testCase.type === 'teams' ? '1' : '' });
        expect([status, decisionOf(await deliver(target))]).toEqual([status, decision]);
      }
    });

    it('dead-letters a 400-style rejection with the response body', async () => {
      const { receiver, target } = await setup();
      receiver.next({ kind: 'reject' });
      const outcome = await deliver(target);
      expect(outcome.kind).toBe('failed');
      if (outcome.kind !== 'failed') return;
      expect(outcome.failure.class).toBe('permanent');
      expect(outcome.pending).toEqual([]);
      expect(outcome.rejected[0]?.responseBody).toMatch(testCase.rejectionBody);
    });

    it('retries a 429 no sooner than its Retry-After', async () => {
      const { receiver, target } = await setup();
      receiver.next({ kind: 'throttle', retryAfterSeconds: 3 });
      const outcome = await deliver(target);
      expect(outcome).toMatchObject({
        kind: 'failed',
        failure: { class: 'transient', reason: 'throttled', retryAfterMs: 3000 },
      });
    });

    it('retries a 5xx', async () => {
      const { receiver, target } = await setup();
      receiver.next({ kind: 'server-error', status: 502 });
      expect(await deliver(target)).toMatchObject({ kind: 'failed', failure: { class: 'transient', statusCode: 502 } });
    });

    it('aborts a hanging request at the timeout and leaves no socket open', async () => {
      const { receiver, target } = await setup({ timeoutMs: 300 });
      receiver.behave({ kind: 'hang' });
      const started = Date.now();
      const outcome = await deliver(target);
      expect(Date.now() - started).toBeLessThan(1500);
      expect(outcome).toMatchObject({ kind: 'failed', failure: { class: 'transient', reason: 'timeout' } });
      // The aborted request itself is gone at once…
      await expect.poll(() => receiver.waiting, { timeout: 1000 }).toBe(0);
      // …but undici re-queues an aborted request and opens one idle replacement connection that it
      // closes again shortly (nodejs/undici#5845); nothing may stay open after that.
      await expect.poll(() => receiver.openSockets, { timeout: 5000, interval: 100 }).toBe(0);
    });
  });
}

describe('PagerDuty and Opsgenie deduplicate by fingerprint and close on resolve', () => {
  it('PagerDuty: dedup_key is the fingerprint; a resolved alert resolves the incident', async () => {
    const contract = pagerDutyContract();
    const receiver = await receiverFor(contract);
    const target = targetFor('pagerduty', { routingKey: ROUTING_KEY, url: `${receiver.url}/v2/enqueue` });
    const alert = makeAlert(tenant);
    await deliver(target, [alert]);
    await deliver(target, [{ ...alert, message: 'worse' }]);
    expect(contract.incidents.get(alert.fingerprint)).toBe('triggered');
    expect(contract.incidents.size).toBe(1);
    expect(await deliver(target, [{ ...alert, status: 'resolved' }])).toMatchObject({ kind: 'delivered' });
    expect(contract.incidents.get(alert.fingerprint)).toBe('resolved');
    expect((receiver.accepted.at(-1)?.json as { dedup_key: string } | undefined)?.dedup_key).toBe(alert.fingerprint);
  });

  it('Opsgenie: alias is the fingerprint; repeats count up; a resolved alert closes it', async () => {
    const contract = opsgenieContract('genie');
    const receiver = await receiverFor(contract);
    const target = targetFor('opsgenie', { apiKey: 'genie', url: receiver.url });
    const alert = makeAlert(tenant);
    await deliver(target, [alert]);
    await deliver(target, [alert]);
    expect(contract.alerts.get(alert.fingerprint)).toEqual({ status: 'open', count: 2 });
    await deliver(target, [{ ...alert, status: 'resolved' }]);
    expect(contract.alerts.get(alert.fingerprint)?.status).toBe('closed');
  });

  it('a per-alert target retries only the alerts that did not go through', async () => {
    const contract = pagerDutyContract();
    const receiver = await receiverFor(contract);
    const target = targetFor('pagerduty', { routingKey: ROUTING_KEY, url: `${receiver.url}/v2/enqueue` });
    receiver.next({ kind: 'ok' }, { kind: 'reject' }, { kind: 'server-error', status: 503 });
    const alerts = [makeAlert(tenant), makeAlert(tenant), makeAlert(tenant), makeAlert(tenant)];
    // One lane at a time is not guaranteed, so only the totals are fixed: 1 delivered, 1 rejected, 2 pending.
    const outcome = await deliver(target, alerts);
    expect(outcome.kind).toBe('failed');
    if (outcome.kind !== 'failed') return;
    expect(outcome.rejected.flatMap((part) => part.alerts)).toHaveLength(1);
    expect(outcome.pending.length + outcome.rejected.length + receiver.accepted.length).toBe(4);
    expect(outcome.failure.class).toBe('transient');
  });
});

describe('Teams legacy connectors', () => {
  it('treat a 200 carrying an error text as a failure', async () => {
    const receiver = await receiverFor(teamsContract({ legacy: true }));
    const target = targetFor('teams', { url: `${receiver.url}/webhook` });
    expect(await deliver(target)).toMatchObject({ kind: 'delivered', statusCode: 200 });
    receiver.next({ kind: 'reject' });
    expect(await deliver(target)).toMatchObject({ kind: 'failed', failure: { class: 'permanent' } });
    receiver.next({ kind: 'throttle', retryAfterSeconds: 1 });
    expect(await deliver(target)).toMatchObject({
      kind: 'failed',
      failure: { class: 'transient', reason: 'throttled' },
    });
  });
});

describe('per-target rate limit', () => {
  it('defers a delivery the target budget cannot take, without calling the target', async () => {
    const receiver = await receiverFor(webhookContract());
    const target = targetFor('webhook', { url: `${receiver.url}/hook` }, { rateLimit: { perSecond: 0.5, burst: 1 } });
    expect(await deliver(target)).toMatchObject({ kind: 'delivered' });
    const outcome = await deliver(target);
    expect(outcome).toMatchObject({ kind: 'deferred', reason: 'throttled' });
    if (outcome.kind === 'deferred') expect(outcome.retryAfterMs).toBeGreaterThan(1000);
    expect(receiver.received).toHaveLength(1);
  });
});

describe('email target against a local SMTP server', () => {
  let smtp: SmtpReceiver;
  beforeAll(async () => {
    smtp = await new SmtpReceiver().start();
  });
  afterAll(() => smtp.close());
  const emailTarget = (extra: Partial<Target> = {}) =>
    targetFor(
      'email',
      {
        smtp: { host: '127.0.0.1', port: smtp.port, secure: false },
        from: 'alertgate@example.com',
        to: ['oncall@example.com'],
      },
      extra,
    );

  it('sends one message per batch with severity and count in the subject', async () => {
    const outcome = await deliver(emailTarget(), [makeAlert(tenant, { severity: 'warning' }), makeAlert(tenant)]);
    expect(outcome).toMatchObject({ kind: 'delivered', statusCode: 250 });
    const mail = smtp.mails.at(-1);
    expect(mail?.to).toEqual(['oncall@example.com']);
    expect(mail?.raw).toMatch(/Subject: \[CRITICAL\] 2 alerts/);
    expect(mail?.raw).toContain('text/html');
  });

  it('maps SMTP replies through the shared table: 4xx transient, 5xx permanent', async () => {
    const target = emailTarget();
    for (const [code, decision] of SMTP_DECISIONS) {
      smtp.next(decision === 'transient' ? { kind: 'transient', code } : { kind: 'reject', code });
      expect([code, decisionOf(await deliver(target))]).toEqual([code, decision]);
    }
  });

  it('times out a server that never answers', async () => {
    smtp.next({ kind: 'hang' });
    const outcome = await deliver(emailTarget({ timeoutMs: 400 }));
    expect(outcome).toMatchObject({ kind: 'failed', failure: { class: 'transient', reason: 'timeout' } });
  });
});

describe('open handles', () => {
  it('a timed-out request leaves no socket handle in the process once the client closes', async () => {
    const tcpHandles = () => process.getActiveResourcesInfo().filter((name) => name === 'TCPSocketWrap').length;
    const receiver = await receiverFor(webhookContract());
    receiver.behave({ kind: 'hang' });
    const baseline = tcpHandles();
    const sender = new HttpSender();
    const request = { url: `${receiver.url}/hook`, headers: { 'content-type': 'application/json' }, body: '{}' };
    await expect(sender.send(request, AbortSignal.timeout(200))).rejects.toMatchObject({ name: 'TimeoutError' });
    await sender.close();
    await expect.poll(() => receiver.waiting, { timeout: 1000 }).toBe(0);
    await expect.poll(tcpHandles, { timeout: 5000, interval: 100 }).toBeLessThanOrEqual(baseline);
  });
});
