import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Services } from '../../src/compose/services.js';
import { type Publisher, startPublisher } from '../../src/compose/worker.js';
import type { TargetInput } from '../../src/publish/target-schema.js';
import { uniqueTenant } from '../support/harness.js';
import { closeServices, makeAlert, PublishTestScope, publishServices, silentLog } from '../support/publish.js';
import type { HttpReceiver } from '../support/receivers/http-receiver.js';

let services: Services;
let publisher: Publisher;
const scope = new PublishTestScope();

beforeAll(async () => {
  services = publishServices({
    // One attempt: failures are dead-lettered at once, so no retry job touches the receivers here.
    PUBLISH_MAX_ATTEMPTS: '1',
    PUBLISH_UNHEALTHY_AFTER: '3',
    PUBLISH_HEALTH_PROBE_MS: '500',
    PUBLISH_CIRCUIT_THRESHOLD: '2',
    PUBLISH_CIRCUIT_HALF_OPEN_MS: '800',
  });
  publisher = await startPublisher(services, silentLog);
});
afterEach(async () => {
  await scope.closeReceivers();
});
afterAll(async () => {
  await publisher.stop();
  await scope.deleteRows(services.database.db);
  await closeServices(services);
});

async function setup(count: number, extra: Partial<TargetInput> = {}) {
  const tenant = uniqueTenant('health');
  scope.tenants.push(tenant);
  const made: { name: string; receiver: HttpReceiver }[] = [];
  for (let i = 0; i < count; i++) {
    const to = await scope.receiver();
    const name = `h-${Math.random().toString(36).slice(2, 10)}`;
    scope.targets.push(name);
    await publisher.pipeline.catalog.create({
      name,
      type: 'webhook',
      routes: [{ tenants: [tenant] }],
      settings: { url: `${to.url}/hook` },
      ...extra,
    });
    made.push({ name, receiver: to });
  }
  const fanOut = () => publisher.pipeline.fanOut({ batchId: crypto.randomUUID(), alerts: [makeAlert(tenant)] });
  return { made, fanOut };
}

const line = (result: Awaited<ReturnType<Publisher['pipeline']['fanOut']>>, name: string) =>
  result.results.find((entry) => entry.target === name);

describe('health-aware fan-out', () => {
  it('skips an unhealthy target with the reason, dead-letters its share, probes it and heals on success', async () => {
    const { made, fanOut } = await setup(2);
    const [sick, fine] = made as [{ name: string; receiver: HttpReceiver }, { name: string; receiver: HttpReceiver }];
    sick.receiver.behave({ kind: 'server-error', status: 503 });
    for (let i = 0; i < 3; i++) await publisher.pipeline.health.recordFailure(sick.name);

    // The first batch after it turned unhealthy is the probe; it fails.
    const probe = await fanOut();
    expect(line(probe, sick.name)).toMatchObject({ ok: false, errorClass: 'transient', attempts: 1 });
    expect(sick.receiver.received).toHaveLength(1);

    const skipped = await fanOut();
    expect(line(skipped, sick.name)).toMatchObject({ ok: false, skipReason: 'unhealthy', attempts: 0 });
    expect(line(skipped, fine.name)).toMatchObject({ ok: true });
    expect(skipped).toMatchObject({ total: 2, succeeded: 1, skipped: 1, partial: true });
    expect(sick.receiver.received).toHaveLength(1);
    const letters = await publisher.pipeline.deadLetters.list({ target: sick.name, limit: 10 });
    expect(letters.entries.map((entry) => entry.reason).sort()).toEqual(['server_error', 'unhealthy']);

    // After the probe interval one delivery goes through again; its success heals the target.
    sick.receiver.behave({ kind: 'ok' });
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(line(await fanOut(), sick.name)).toMatchObject({ ok: true });
    expect((await publisher.pipeline.health.view([sick.name])).get(sick.name)).toEqual({
      consecutiveFailures: 0,
      healthy: true,
    });
    expect(line(await fanOut(), sick.name)).toMatchObject({ ok: true });
  });

  it('skips a circuit-open target, then lets one trial through after the cool-down', async () => {
    const { made, fanOut } = await setup(1);
    const [broken] = made as [{ name: string; receiver: HttpReceiver }];
    broken.receiver.behave({ kind: 'server-error', status: 500 });
    await fanOut();
    await fanOut();
    expect(publisher.pipeline.breakers.state(broken.name)).toBe('open');

    const open = await fanOut();
    expect(line(open, broken.name)).toMatchObject({ ok: false, skipReason: 'circuit_open' });
    expect(broken.receiver.received).toHaveLength(2);
    const letters = await publisher.pipeline.deadLetters.list({ target: broken.name, limit: 10 });
    expect(letters.entries.some((entry) => entry.reason === 'circuit_open')).toBe(true);

    broken.receiver.behave({ kind: 'ok' });
    await new Promise((resolve) => setTimeout(resolve, 900));
    expect(line(await fanOut(), broken.name)).toMatchObject({ ok: true });
    expect(publisher.pipeline.breakers.state(broken.name)).toBe('closed');
  });

  it('skips a disabled target and records why', async () => {
    const { made, fanOut } = await setup(1, { enabled: false });
    const result = await fanOut();
    expect(line(result, made[0]?.name as string)).toMatchObject({ ok: false, skipReason: 'disabled' });
    expect(made[0]?.receiver.received).toHaveLength(0);
  });

  it('bounds a hanging target by its timeout without delaying the others, and leaks no request', async () => {
    const { made, fanOut } = await setup(3);
    const hanging = made[1] as { name: string; receiver: HttpReceiver };
    await publisher.pipeline.catalog.replace(hanging.name, {
      name: hanging.name,
      type: 'webhook',
      routes: (publisher.pipeline.catalog.get(hanging.name)?.routes ?? []) as TargetInput['routes'],
      timeoutMs: 300,
      settings: { url: `${hanging.receiver.url}/hook` },
    });
    hanging.receiver.behave({ kind: 'hang' });
    const started = Date.now();
    const result = await fanOut();
    expect(Date.now() - started).toBeLessThan(1500);
    expect(line(result, hanging.name)).toMatchObject({ ok: false, errorClass: 'transient' });
    expect(line(result, hanging.name)?.error).toMatch(/timeout/);
    expect(result.succeeded).toBe(2);
    await expect.poll(() => hanging.receiver.waiting, { timeout: 1000 }).toBe(0);
    await expect.poll(() => hanging.receiver.openSockets, { timeout: 5000, interval: 100 }).toBe(0);
  });
});
