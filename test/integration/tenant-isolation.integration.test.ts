/**
 * A tenant's key never reveals or changes another tenant's alerts, on every read path: search (GET
 * and POST), by id, fingerprint history, SSE and WebSocket streams (live and replayed), lifecycle
 * actions and history — hot and archived alike — even when it knows the other tenant's alert ids,
 * fingerprints or search cursors. Dead letters, the publish log, silences and targets are not
 * tenant data: they are served to admin keys only.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alert/alert.js';
import { alertId } from '../../src/alert/identity.js';
import { dayStart } from '../../src/store/partitions.js';
import { openTestStack, type TestStack, uniqueTenant } from '../support/harness.js';
import { openSearchApp, type SearchTestApp } from '../support/search-app.js';
import { archiveAlerts, insertHotAlerts, type StoredAlert } from '../support/search-fixtures.js';
import { generateAlerts, spread } from '../support/search-reference.js';
import {
  listen,
  type Received,
  SseClient,
  StatusError,
  startWorkerSide,
  type WorkerSide,
  WsClient,
} from '../support/streams.js';

const A = uniqueTenant('iso-a');
const B = uniqueTenant('iso-b');
const SHARED = 'shared-fp';
const A_ONLY = 'a-only-fp';

let stack: TestStack;
let workerSide: WorkerSide;
let url: string;
let keyA: string;
let keyB: string;
let requestIdA: string;
const clients: { close(): void }[] = [];
/** Streams opened before ingestion: each tenant's SSE, and B's WebSocket. */
let sseA: SseClient;
let sseB: SseClient;
let wsB: WsClient;

async function call(method: string, path: string, key: string, body?: unknown) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { 'x-api-key': key, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const items = (answer: { body: Record<string, unknown> }) => answer.body.items as Alert[];
const tenantsOf = (events: readonly Received[]) =>
  events.map((event) => (event.data.alert as Alert | undefined)?.tenant ?? (event.data.tenant as string | undefined));

beforeAll(async () => {
  stack = openTestStack({ REALTIME_HEARTBEAT_MS: '300' });
  url = await listen(await stack.gateway());
  workerSide = await startWorkerSide(stack);
  [keyA, keyB] = [await stack.createKey(A), await stack.createKey(B)];

  sseA = await SseClient.open(`${url}/api/v1/alerts/stream`, { 'x-api-key': keyA });
  sseB = await SseClient.open(`${url}/api/v1/alerts/stream?api_key=${keyB}`);
  wsB = await WsClient.open(`${url.replace('http', 'ws')}/api/v1/alerts/ws`, { 'x-api-key': keyB });
  clients.push(sseA, sseB, wsB);

  const posted = await call('POST', '/alerts/event', keyA, [
    { name: 'isolation secret of A', fingerprint: SHARED, severity: 'critical', labels: { team: 'db' } },
    { name: 'isolation secret of A only', fingerprint: A_ONLY, severity: 'critical', labels: { team: 'db' } },
  ]);
  expect(posted.status).toBe(202);
  requestIdA = posted.body.requestId as string;
  expect((await call('POST', '/alerts/event', keyB, { name: 'isolation of B', fingerprint: SHARED })).status).toBe(202);
  await sseA.waitFor('alert', 2);
  await sseB.waitFor('alert', 1);
  await wsB.waitFor('alert', 1);
});
afterAll(async () => {
  for (const client of clients) client.close();
  await workerSide?.stop();
  await stack.services.database.sql`delete from alerts where tenant in ${stack.services.database.sql([A, B])}`;
  await stack.services.database.sql`delete from api_keys where tenant in ${stack.services.database.sql([A, B])}`;
  await stack.services.database.sql`delete from last_alert where tenant in ${stack.services.database.sql([A, B])}`;
  await stack.services.database.sql`delete from alert_lifecycle where tenant in ${stack.services.database.sql([A, B])}`;
  await stack?.close();
});

describe('tenant isolation (hot alerts, full gateway)', () => {
  it('live streams (SSE and WebSocket) carry only the subscriber tenant', async () => {
    await new Promise((resolve) => setTimeout(resolve, 300)); // nothing of A arrives late
    expect(tenantsOf(sseB.events)).toEqual([B]);
    expect(tenantsOf(wsB.events)).toEqual([B]);
    expect(tenantsOf(sseA.events)).toEqual([A, A]);
  });

  it("search (GET and POST) returns only the caller's alerts", async () => {
    const searchA = await call('GET', '/api/v1/alerts/search?q=isolation', keyA);
    const getB = await call('GET', '/api/v1/alerts/search?q=isolation&labels=team%3Ddb', keyB);
    const getAllB = await call('GET', '/api/v1/alerts/search?q=isolation', keyB);
    const postB = await call('POST', '/api/v1/alerts/search', keyB, { q: 'secret', fingerprint: [SHARED, A_ONLY] });
    const allB = await call('POST', '/api/v1/alerts/search', keyB, {});
    expect(items(searchA).map((alert) => alert.tenant)).toEqual([A, A]);
    expect(items(getB)).toEqual([]);
    expect(items(getAllB).map((alert) => alert.name)).toEqual(['isolation of B']);
    expect(items(postB)).toEqual([]);
    expect(items(allB).map((alert) => alert.tenant)).toEqual([B]);
  });

  it('by id: knowing (or deriving) another tenant’s id reveals nothing, and answers like a missing id', async () => {
    const own = items(await call('GET', '/api/v1/alerts/search?q=isolation', keyA));
    const idOfA = own.find((alert) => alert.fingerprint === A_ONLY)?.id as string;
    // Ids are derived from (tenant, request id, position, receipt time): anyone holding A's request id and
    // the time can compute A's ids, and the same request id under B names another alert.
    const receivedAt = own[0]?.receivedAt as string;
    expect(own.map((alert) => alert.id).sort()).toEqual(
      [alertId(A, requestIdA, 0, receivedAt), alertId(A, requestIdA, 1, receivedAt)].sort(),
    );
    expect(alertId(B, requestIdA, 1, receivedAt)).not.toBe(alertId(A, requestIdA, 1, receivedAt));

    expect((await call('GET', `/api/v1/alerts/${idOfA}`, keyA)).status).toBe(200);
    const foreign = await call('GET', `/api/v1/alerts/${idOfA}`, keyB);
    const upper = await call('GET', `/api/v1/alerts/${idOfA.toUpperCase()}`, keyB);
    const missing = await call('GET', `/api/v1/alerts/${randomUUID()}`, keyB);
    for (const answer of [foreign, upper, missing]) {
      expect(answer.status).toBe(404);
      expect(Object.keys(answer.body).sort()).toEqual(['error', 'message', 'requestId']);
      expect(answer.body.error).toBe('not_found');
    }
  });

  it('fingerprint history holds only the caller’s occurrences', async () => {
    const shared = await call('GET', `/api/v1/alerts/fingerprint/${SHARED}/history`, keyB);
    const aOnly = await call('GET', `/api/v1/alerts/fingerprint/${A_ONLY}/history`, keyB);
    expect(items(shared).map((alert) => alert.tenant)).toEqual([B]);
    expect(aOnly.status).toBe(200);
    expect(items(aOnly)).toEqual([]);
    expect(items(await call('GET', `/api/v1/alerts/fingerprint/${A_ONLY}/history`, keyA))).toHaveLength(1);
  });

  it('a search cursor works only for the tenant and filters it was issued for, and cannot be forged', async () => {
    const first = await call('GET', '/api/v1/alerts/search?q=isolation&limit=1', keyA);
    const cursor = first.body.nextCursor as string;
    expect(cursor).toEqual(expect.any(String));
    expect((await call('GET', `/api/v1/alerts/search?q=isolation&limit=1&cursor=${cursor}`, keyA)).status).toBe(200);
    const replayed = await call('GET', `/api/v1/alerts/search?q=isolation&limit=1&cursor=${cursor}`, keyB);
    const [payload, mac] = cursor.split('.') as [string, string];
    const state = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    // A's cursor re-bound to another scope, keeping A's MAC.
    const forged = `${Buffer.from(JSON.stringify({ ...state, b: 'x'.repeat(22) })).toString('base64url')}.${mac}`;
    const forgedAnswer = await call('GET', `/api/v1/alerts/search?q=isolation&limit=1&cursor=${forged}`, keyB);
    for (const answer of [replayed, forgedAnswer]) {
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ error: 'bad_request', details: { parameter: 'cursor' } });
    }
  });

  it("lifecycle actions and history cannot reach another tenant's alert, even on a shared fingerprint", async () => {
    for (const action of ['acknowledge', 'resolve', 'suppress', 'unsuppress']) {
      const answer = await call('POST', `/api/v1/alerts/${A_ONLY}/${action}`, keyB, { actor: 'mallory' });
      expect(answer.status, action).toBe(404);
    }
    expect((await call('GET', `/api/v1/alerts/fingerprint/${A_ONLY}/lifecycle`, keyB)).status).toBe(404);
    // Fingerprints are bound values, never patterns: these match no fingerprint of B.
    for (const fingerprint of ["' OR '1'='1", '%', '*', 'a-only%']) {
      const answer = await call('POST', `/api/v1/alerts/${encodeURIComponent(fingerprint)}/resolve`, keyB, {
        actor: 'mallory',
      });
      expect(answer.status, fingerprint).toBe(404);
    }

    const acked = await call('POST', `/api/v1/alerts/${SHARED}/acknowledge`, keyB, { actor: 'bob' });
    expect(acked.body).toMatchObject({ state: 'acknowledged' });
    const stateA = await call('GET', `/api/v1/alerts/fingerprint/${SHARED}/lifecycle`, keyA);
    expect(stateA.body.state).toBe('firing');
    expect((await call('GET', `/api/v1/alerts/fingerprint/${A_ONLY}/lifecycle`, keyA)).body.state).toBe('firing');
    expect((stateA.body.history as { actor: string }[]).map((entry) => entry.actor)).not.toContain('bob');
    // B's action is streamed to B only.
    await sseB.waitFor('lifecycle', 1);
    await wsB.waitFor('lifecycle', 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sseA.of('lifecycle')).toEqual([]);
  });

  it("replaying the stream from its start (Last-Event-ID) yields only the subscriber tenant's events", async () => {
    const replayB = await SseClient.open(`${url}/api/v1/alerts/stream`, { 'x-api-key': keyB, 'last-event-id': '0-1' });
    const replayWsB = await WsClient.open(`${url.replace('http', 'ws')}/api/v1/alerts/ws?lastEventId=0-1`, {
      'x-api-key': keyB,
    });
    const replayA = await SseClient.open(`${url}/api/v1/alerts/stream`, { 'x-api-key': keyA, 'last-event-id': '0-1' });
    clients.push(replayB, replayWsB, replayA);
    await replayA.waitFor('alert', 2);
    await replayB.waitFor('lifecycle', 1);
    await replayWsB.waitFor('lifecycle', 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const replay of [replayB, replayWsB]) {
      expect(tenantsOf(replay.events.filter((event) => ['alert', 'lifecycle'].includes(event.type)))).toEqual([B, B]);
    }
    expect(tenantsOf(replayA.of('alert'))).toEqual([A, A]);
  });

  it('dead letters, the publish log, silences and targets are admin-only: a tenant key gets 403', async () => {
    for (const [method, path] of [
      ['GET', `/api/v1/admin/dlq/ingest?tenant=${A}`],
      ['POST', '/api/v1/admin/dlq/ingest/replay'],
      ['POST', `/api/v1/admin/dlq/ingest/${randomUUID()}/replay`],
      ['GET', '/api/v1/admin/publish/dlq'],
      ['POST', `/api/v1/admin/publish/dlq/${randomUUID()}/replay`],
      ['POST', '/api/v1/admin/publish/dlq/replay?target=x'],
      ['GET', '/api/v1/admin/publish/log'],
      ['GET', `/api/v1/admin/publish/log/${randomUUID()}`],
      ['GET', `/api/v1/admin/silences?tenant=${A}`],
      ['GET', '/api/v1/targets'],
      ['GET', '/admin/snapshot'],
    ] as const) {
      const answer = await call(method, path, keyB);
      expect(`${method} ${path} ${answer.status} ${answer.body.error}`).toBe(`${method} ${path} 403 forbidden`);
    }
  });

  it('a stream refuses a request without a valid key before it opens', async () => {
    const refused = await SseClient.open(`${url}/api/v1/alerts/stream?api_key=ag_forged`).catch((error) => error);
    expect(refused).toBeInstanceOf(StatusError);
    expect((refused as StatusError).status).toBe(401);
    const ws = await WsClient.open(`${url.replace('http', 'ws')}/api/v1/alerts/ws`).catch((error) => error);
    expect((ws as StatusError).status).toBe(401);
  });
});

describe('tenant isolation (archived and hot alerts, federated search)', () => {
  const DAY = 86_400_000;
  const now = Date.now();
  const watermark = dayStart(new Date(now)).getTime() - DAY;
  const [X, Y] = [uniqueTenant('iso-x'), uniqueTenant('iso-y')];
  let search: SearchTestApp;
  let alerts: StoredAlert[];
  const of = (tenant: string, archived: boolean) =>
    alerts.filter((alert) => alert.tenant === tenant && Date.parse(alert.receivedAt) < watermark === archived);

  beforeAll(async () => {
    search = await openSearchApp();
    search.watermark = new Date(watermark);
    alerts = [X, Y].flatMap((tenant, i) => [
      ...generateAlerts(tenant, spread(watermark - 2 * DAY, watermark, 20), 70 + i),
      ...generateAlerts(tenant, spread(watermark, now - 60_000, 20), 80 + i),
    ]);
    await insertHotAlerts(
      search.database.sql,
      alerts.filter((alert) => Date.parse(alert.receivedAt) >= watermark),
    );
    await archiveAlerts(
      search.elasticsearch,
      search.prefix,
      alerts.filter((alert) => Date.parse(alert.receivedAt) < watermark),
    );
  });
  afterAll(() => search?.close());

  it('search over both stores, by id and history never show the other tenant', async () => {
    const range = { from: new Date(watermark - 3 * DAY).toISOString(), to: new Date(now).toISOString(), limit: '1000' };
    const page = await search.get(Y, '/api/v1/alerts/search', range);
    expect(page.body.sources.elasticsearch.hits).toBe(20);
    expect(page.body.items.map((alert) => alert.id).sort()).toEqual(
      alerts
        .filter((alert) => alert.tenant === Y)
        .map((alert) => alert.id)
        .sort(),
    );
    for (const alert of [of(X, true)[0], of(X, false)[0]] as StoredAlert[]) {
      expect((await search.get(X, `/api/v1/alerts/${alert.id}`)).status).toBe(200);
      const foreign = await search.get(Y, `/api/v1/alerts/${alert.id}`);
      expect(foreign.status).toBe(404);
      expect(foreign.body.error).toBe('not_found');
    }
    const history = await search.get(Y, '/api/v1/alerts/fingerprint/fp-1/history', { limit: '1000' });
    expect(history.body.items.length).toBeGreaterThan(0);
    expect(new Set(history.body.items.map((alert) => alert.tenant))).toEqual(new Set([Y]));
  });
});
