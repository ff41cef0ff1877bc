import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alert/alert.js';
import { startSelfAlerts } from '../../src/compose/gateway.js';
import { type Publisher, startPublisher } from '../../src/compose/worker.js';
import { SELF_ALERT_PROVIDER, SelfAlerts } from '../../src/observe/self-alerts.js';
import { openTestStack, queuedAlerts, silentLog, type TestStack, uniqueTenant, waitFor } from '../support/harness.js';
import { writeTargetsFile } from '../support/publish.js';
import { HttpReceiver } from '../support/receivers/http-receiver.js';
import { webhookContract } from '../support/receivers/webhook.js';

let stack: TestStack | undefined;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await stack?.close();
  stack = undefined;
});

function rulesFile(rules: unknown[]): string {
  const file = join(tmpdir(), `self-alert-rules-${randomUUID()}.json`);
  writeFileSync(file, JSON.stringify({ rules }));
  return file;
}

describe('self-alerts', () => {
  it('a backlog fires an alertgate alert that reaches a webhook target, and its drain resolves it', async () => {
    const selfTenant = uniqueTenant('self');
    const receiver = await new HttpReceiver(webhookContract()).start();
    cleanups.push(() => receiver.close());
    stack = openTestStack({
      SHARDS: '2',
      QUEUE_SAMPLE_INTERVAL_MS: '200',
      SELF_ALERT_INTERVAL_SECONDS: '1',
      SELF_ALERT_TENANT: selfTenant,
      SELF_ALERT_RULES_FILE: rulesFile([
        { name: 'ingest-backlog', kind: 'queue_backlog', maxJobs: 3, severity: 'high' },
      ]),
      TARGETS_FILE: writeTargetsFile([
        {
          name: `ops-${randomUUID().slice(0, 8)}`,
          type: 'webhook',
          settings: { url: `${receiver.url}/hook` },
          routes: [{ tenants: [selfTenant] }],
        },
      ]),
      PUBLISH_BACKOFF_BASE_MS: '100',
      PUBLISH_BACKOFF_MAX_MS: '1000',
    });
    const gateway = await stack.gateway();
    const selfAlerts = startSelfAlerts(stack.services, silentLog, gateway);
    cleanups.push(() => selfAlerts.stop());
    const key = await stack.createKey(uniqueTenant('busy'));

    // No worker: six jobs pile up, above the rule's three.
    for (let i = 0; i < 6; i++) {
      const response = await gateway.app.inject({
        method: 'POST',
        url: '/alerts/event/keep',
        headers: { 'x-api-key': key, 'content-type': 'application/json' },
        payload: JSON.stringify({ name: `piling-${i}` }),
      });
      expect(response.statusCode).toBe(202);
    }
    const selfQueued = async () =>
      (await queuedAlerts(gateway.ingestLog)).filter((alert) => alert.providerType === SELF_ALERT_PROVIDER);
    const [firing] = await waitFor(async () => {
      const queued = await selfQueued();
      return queued.length > 0 ? queued : null;
    });
    expect(firing).toMatchObject({
      tenant: selfTenant,
      name: 'ingest-backlog',
      status: 'firing',
      severity: 'high',
      fingerprint: 'alertgate:ingest-backlog',
      labels: { rule: 'ingest-backlog', kind: 'queue_backlog' },
    });
    expect(firing?.message).toMatch(/^6 ingest jobs waiting \(threshold 3\)$/);
    // Still firing over the next evaluations: no second alert while the condition holds.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(await selfQueued()).toHaveLength(1);

    // Workers drain the backlog (the self-alert with it) and publish; the next evaluation resolves.
    const publisher: Publisher = await startPublisher(stack.services, silentLog);
    cleanups.push(() => publisher.stop());
    await stack.worker({ outputs: [publisher.output] });

    const delivered = () =>
      receiver.accepted
        .flatMap((request) => (request.json as { alerts: Alert[] }).alerts)
        .filter((alert) => alert.tenant === selfTenant);
    await waitFor(() => delivered().some((alert) => alert.status === 'resolved'), 20_000);
    const statuses = delivered().map((alert) => [alert.name, alert.status, alert.fingerprint, alert.providerType]);
    expect(statuses).toEqual([
      ['ingest-backlog', 'firing', 'alertgate:ingest-backlog', 'alertgate'],
      ['ingest-backlog', 'resolved', 'alertgate:ingest-backlog', 'alertgate'],
    ]);

    // Stored like any alert: one firing row, one resolved row, one last_alert entry.
    const rows = await stack.services.database.sql<{ status: string; provider_type: string }[]>`
      select status, provider_type from alerts where tenant = ${selfTenant} order by received_at, status`;
    expect(rows).toEqual([
      { status: 'firing', provider_type: 'alertgate' },
      { status: 'resolved', provider_type: 'alertgate' },
    ]);
    expect(await stack.services.redis.hlen(`${stack.config.QUEUE_PREFIX}:self-alerts:firing`)).toBe(0);
  });

  it('evaluates in one process at a time, and a new leader resolves what the old one fired', async () => {
    stack = openTestStack({ SHARDS: '1' });
    const { redis } = stack.services;
    const gateway = await stack.gateway();
    let workers = 0;
    const sample = () => {
      const latest = gateway.sampler.latest();
      return (
        latest && {
          ...latest,
          workers: Array.from({ length: workers }, (_, i) => ({
            id: `w${i}`,
            lastSeenSecondsAgo: 0,
            shards: [0],
            host: null,
            pid: null,
          })),
        }
      );
    };
    const options = {
      prefix: stack.config.QUEUE_PREFIX,
      tenant: uniqueTenant('self'),
      intervalMs: 60_000,
      shareIntervalMs: 1000,
      rules: [{ name: 'no-live-worker', kind: 'no_worker' as const }],
    };
    const first = new SelfAlerts(
      { redis, ingestLog: gateway.ingestLog, latestSample: sample, log: silentLog },
      options,
    );
    const second = new SelfAlerts(
      { redis, ingestLog: gateway.ingestLog, latestSample: sample, log: silentLog },
      options,
    );
    cleanups.push(
      () => first.stop(),
      () => second.stop(),
    );

    const fired = await first.tick();
    expect(fired.map((alert) => [alert.name, alert.status])).toEqual([['no-live-worker', 'firing']]);
    expect(await second.tick()).toEqual([]);
    expect(await first.tick()).toEqual([]);
    expect(first.health().leader).toBe(true);
    expect(second.health().leader).toBe(false);

    // The leader goes away; the other takes the lease and resolves the alert the first one fired.
    await first.stop();
    workers = 1;
    const resolved = await second.tick();
    expect(resolved.map((alert) => [alert.name, alert.status, alert.fingerprint])).toEqual([
      ['no-live-worker', 'resolved', 'alertgate:no-live-worker'],
    ]);
    expect(await redis.hlen(`${options.prefix}:self-alerts:firing`)).toBe(0);
  });
});
