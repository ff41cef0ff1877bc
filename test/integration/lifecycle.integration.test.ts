import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/compose/gateway.js';
import { openTestStack, type TestStack, uniqueTenant, waitFor } from '../support/harness.js';
import { writeTargetsFile } from '../support/publish.js';
import { HttpReceiver } from '../support/receivers/http-receiver.js';
import { webhookContract } from '../support/receivers/webhook.js';
import { listen, SseClient, startWorkerSide, type WorkerSide } from '../support/streams.js';

let stack: TestStack | undefined;
let workerSide: WorkerSide | undefined;
const receivers: HttpReceiver[] = [];
const clients: SseClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await workerSide?.stop();
  workerSide = undefined;
  await stack?.close();
  stack = undefined;
  for (const receiver of receivers.splice(0)) await receiver.close();
});

interface Env {
  stack: TestStack;
  gateway: Gateway;
  tenant: string;
  key: string;
  admin: string;
  receiver: HttpReceiver;
}

/** A gateway, the worker side and a webhook target that receives every published alert. */
async function setUp(): Promise<Env> {
  const receiver = await new HttpReceiver(webhookContract()).start();
  receivers.push(receiver);
  stack = openTestStack({
    TARGETS_FILE: writeTargetsFile([{ name: 'hook', type: 'webhook', settings: { url: `${receiver.url}/hook` } }]),
    PUBLISH_BACKOFF_BASE_MS: '100',
  });
  const gateway = await stack.gateway();
  workerSide = await startWorkerSide(stack);
  const tenant = uniqueTenant('lc');
  return {
    stack,
    gateway,
    tenant,
    key: await stack.createKey(tenant),
    admin: await stack.createKey(`admin-${randomUUID()}`, { isAdmin: true }),
    receiver,
  };
}

async function send(env: Env, body: unknown): Promise<void> {
  const response = await env.gateway.app.inject({
    method: 'POST',
    url: '/alerts/event',
    headers: { 'x-api-key': env.key, 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
  expect(response.statusCode).toBe(202);
}

function act(env: Env, fingerprint: string, action: string, body: unknown = { actor: 'alice' }, key = env.key) {
  return env.gateway.app.inject({
    method: 'POST',
    url: `/api/v1/alerts/${encodeURIComponent(fingerprint)}/${action}`,
    headers: { 'x-api-key': key, 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
}

async function lastAlert(env: Env, fingerprint: string) {
  const [row] = await env.stack.services.database.sql<
    { state: string; status: string; episode_ms: number; muted: boolean }[]
  >`select state, status, (extract(epoch from episode_started_at) * 1000)::float8 as episode_ms, muted from last_alert where tenant = ${env.tenant} and fingerprint = ${fingerprint}`;
  return row;
}

/** Waits until the fingerprint's stored source status is `status` (the occurrence committed). */
function committed(env: Env, fingerprint: string, status = 'firing', description?: string) {
  return waitFor(async () => {
    const [row] = await env.stack.services.database.sql<{ n: number }[]>`
      select count(*)::int as n from alerts where tenant = ${env.tenant} and fingerprint = ${fingerprint}
      and status = ${status} and (${description ?? null}::text is null or description = ${description ?? null})`;
    return (row?.n ?? 0) > 0;
  });
}

/** Fingerprints the webhook target received for one tenant (one message per tenant and batch). */
function publishedFor(receiver: HttpReceiver, tenant: string): string[] {
  return receiver.accepted
    .map((request) => request.json as { tenant: string; alerts: { fingerprint: string }[] })
    .filter((body) => body.tenant === tenant)
    .flatMap((body) => body.alerts.map((alert) => alert.fingerprint));
}

/** Fingerprints the webhook target received, in order. */
function published(receiver: HttpReceiver): string[] {
  return receiver.accepted.flatMap((request) =>
    ((request.json as { alerts: { fingerprint: string }[] }).alerts ?? []).map((alert) => alert.fingerprint),
  );
}

describe('alert lifecycle', () => {
  it('applies the allowed transitions and answers 409 with the current state otherwise', async () => {
    const env = await setUp();
    await send(env, { name: 'disk', fingerprint: 'fp-1', severity: 'critical' });
    await committed(env, 'fp-1');

    const ack = await act(env, 'fp-1', 'acknowledge', { actor: 'alice', note: 'looking' });
    expect(ack.statusCode).toBe(200);
    expect(ack.json()).toMatchObject({
      previousState: 'firing',
      state: 'acknowledged',
      actor: 'alice',
      note: 'looking',
    });
    const again = await act(env, 'fp-1', 'acknowledge');
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({
      error: 'invalid_transition',
      details: { state: 'acknowledged', action: 'acknowledge' },
    });
    expect((await act(env, 'fp-1', 'unsuppress')).json()).toMatchObject({ details: { state: 'acknowledged' } });

    expect((await act(env, 'fp-1', 'resolve', { actor: 'bob' })).json()).toMatchObject({ state: 'resolved' });
    expect((await act(env, 'fp-1', 'acknowledge')).statusCode).toBe(409);
    expect((await act(env, 'fp-1', 'resolve')).json()).toMatchObject({ details: { state: 'resolved' } });
    expect((await act(env, 'fp-1', 'suppress')).json()).toMatchObject({ state: 'suppressed' });
    expect((await act(env, 'fp-1', 'acknowledge')).json()).toMatchObject({ details: { state: 'suppressed' } });
    // Unsuppress returns to what the source last said.
    expect((await act(env, 'fp-1', 'unsuppress')).json()).toMatchObject({
      previousState: 'suppressed',
      state: 'firing',
    });

    expect((await act(env, 'fp-unknown', 'acknowledge')).statusCode).toBe(404);
    expect((await act(env, 'fp-1', 'acknowledge', {})).statusCode).toBe(400); // actor is required
    const otherKey = await env.stack.createKey(uniqueTenant('other'));
    expect((await act(env, 'fp-1', 'acknowledge', { actor: 'eve' }, otherKey)).statusCode).toBe(404);

    const history = await env.gateway.app.inject({
      method: 'GET',
      url: '/api/v1/alerts/fingerprint/fp-1/lifecycle',
      headers: { 'x-api-key': env.key },
    });
    expect(history.statusCode).toBe(200);
    expect(history.json().state).toBe('firing');
    expect(
      history.json().history.map((entry: { action: string; to: string }) => `${entry.action}:${entry.to}`),
    ).toEqual(['unsuppress:firing', 'suppress:suppressed', 'resolve:resolved', 'acknowledge:acknowledged']);
  });

  it('is resolved by an incoming resolved alert; an acknowledgement holds until then; a new firing starts an episode', async () => {
    const env = await setUp();
    await send(env, { name: 'db down', fingerprint: 'fp-db', description: 'v1' });
    await committed(env, 'fp-db');
    const firstEpisode = (await lastAlert(env, 'fp-db'))?.episode_ms;
    expect((await act(env, 'fp-db', 'acknowledge')).statusCode).toBe(200);

    await send(env, { name: 'db down', fingerprint: 'fp-db', description: 'v2' }); // changed, still firing
    await committed(env, 'fp-db', 'firing', 'v2');
    expect((await lastAlert(env, 'fp-db'))?.state).toBe('acknowledged');

    await send(env, { name: 'db down', fingerprint: 'fp-db', status: 'resolved' });
    await committed(env, 'fp-db', 'resolved');
    expect((await lastAlert(env, 'fp-db'))?.state).toBe('resolved');

    await send(env, { name: 'db down', fingerprint: 'fp-db', description: 'v3' });
    await committed(env, 'fp-db', 'firing', 'v3');
    const row = await lastAlert(env, 'fp-db');
    expect(row?.state).toBe('firing');
    expect(row?.episode_ms).toBeGreaterThan(firstEpisode ?? Number.POSITIVE_INFINITY);

    const history = await env.stack.services.database.sql<
      { action: string; from_state: string; to_state: string; actor: string }[]
    >`
      select action, from_state, to_state, actor from alert_lifecycle where tenant = ${env.tenant} order by id`;
    expect(history).toEqual([
      { action: 'acknowledge', from_state: 'firing', to_state: 'acknowledged', actor: 'alice' },
      { action: 'source', from_state: 'acknowledged', to_state: 'resolved', actor: 'keep' },
      { action: 'source', from_state: 'resolved', to_state: 'firing', actor: 'keep' },
    ]);
  });

  it('streams lifecycle changes to subscribers of the tenant', async () => {
    const env = await setUp();
    const url = await listen(env.gateway);
    const sse = await SseClient.open(`${url}/api/v1/alerts/stream?status=acknowledged`, { 'x-api-key': env.key });
    clients.push(sse);
    await send(env, { name: 'queue backlog', fingerprint: 'fp-q', labels: { team: 'ops' } });
    await committed(env, 'fp-q');
    await act(env, 'fp-q', 'acknowledge', { actor: 'carol', note: 'on it' });
    const [event] = await sse.waitFor('lifecycle', 1);
    expect(event?.data).toMatchObject({
      type: 'lifecycle',
      fingerprint: 'fp-q',
      action: 'acknowledge',
      from: 'firing',
      to: 'acknowledged',
      actor: 'carol',
      note: 'on it',
      alert: { fingerprint: 'fp-q', status: 'acknowledged', labels: { team: 'ops' } },
    });
    expect(sse.of('alert')).toHaveLength(0); // the firing alert did not match status=acknowledged
  });

  it('stores but does not publish a suppressed fingerprint', async () => {
    const env = await setUp();
    await send(env, [
      { name: 'noisy', fingerprint: 'fp-noisy', description: 'v1' },
      { name: 'quiet', fingerprint: 'fp-quiet', description: 'v1' },
    ]);
    await waitFor(() => published(env.receiver).length === 2);
    expect((await act(env, 'fp-noisy', 'suppress')).statusCode).toBe(200);

    await send(env, [
      { name: 'noisy', fingerprint: 'fp-noisy', description: 'v2' },
      { name: 'quiet', fingerprint: 'fp-quiet', description: 'v2' },
    ]);
    await committed(env, 'fp-noisy', 'firing', 'v2');
    await waitFor(() => published(env.receiver).length === 3);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(published(env.receiver).sort()).toEqual(['fp-noisy', 'fp-quiet', 'fp-quiet']);
    expect((await lastAlert(env, 'fp-noisy'))?.state).toBe('suppressed');

    expect((await act(env, 'fp-noisy', 'unsuppress')).statusCode).toBe(200);
    await send(env, { name: 'noisy', fingerprint: 'fp-noisy', description: 'v3' });
    await waitFor(() => published(env.receiver).length === 4);
  });
});

describe('silences', () => {
  it('hold back publishing for matching alerts only, while active', async () => {
    const env = await setUp();
    const admin = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown) =>
      env.gateway.app.inject({
        method,
        url,
        headers: { 'x-api-key': env.admin, ...(payload ? { 'content-type': 'application/json' } : {}) },
        ...(payload ? { payload: JSON.stringify(payload) } : {}),
      });
    const created = await admin('POST', '/api/v1/admin/silences', {
      tenant: env.tenant,
      matchers: [
        { name: 'team', value: 'db' },
        { name: 'alertname', value: 'disk.*', isRegex: true },
      ],
      endsAt: new Date(Date.now() + 3_600_000).toISOString(),
      createdBy: 'ops',
      comment: 'db maintenance',
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ tenant: env.tenant, status: { state: 'active' } });
    const invalid = await admin('POST', '/api/v1/admin/silences', {
      tenant: env.tenant,
      matchers: [{ name: 'team', value: '(', isRegex: true }],
      endsAt: new Date(Date.now() + 60_000).toISOString(),
      createdBy: 'ops',
    });
    expect(invalid.statusCode).toBe(400);

    await send(env, [
      { name: 'disk full', fingerprint: 'silenced', labels: { team: 'db' } },
      { name: 'disk full', fingerprint: 'other-team', labels: { team: 'web' } },
      { name: 'cpu high', fingerprint: 'other-name', labels: { team: 'db' } },
    ]);
    // Another tenant with the same labels is not covered by this tenant's silence.
    const otherTenant = uniqueTenant('other');
    const otherKey = await env.stack.createKey(otherTenant);
    await env.gateway.app.inject({
      method: 'POST',
      url: '/alerts/event',
      headers: { 'x-api-key': otherKey, 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'disk full', fingerprint: 'silenced', labels: { team: 'db' } }),
    });
    await waitFor(() => published(env.receiver).length === 3);
    await committed(env, 'silenced');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(publishedFor(env.receiver, env.tenant).sort()).toEqual(['other-name', 'other-team']);
    expect(publishedFor(env.receiver, otherTenant)).toEqual(['silenced']);

    const listed = await admin('GET', `/api/v1/admin/silences?tenant=${env.tenant}&state=active`);
    expect(listed.json().silences).toHaveLength(1);
    expect((await admin('DELETE', `/api/v1/admin/silences/${created.json().id}`)).statusCode).toBe(204);
    expect((await admin('GET', `/api/v1/admin/silences/${created.json().id}`)).json().status.state).toBe('expired');
    await send(env, { name: 'disk full', fingerprint: 'silenced', labels: { team: 'db' }, description: 'after' });
    await waitFor(() => published(env.receiver).length === 4);
  });
});
