import { readFileSync } from 'node:fs';
import { arrayOverlaps, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyStore } from '../../src/auth/api-keys.js';
import { buildGateway, type Gateway } from '../../src/compose/gateway.js';
import type { Services } from '../../src/compose/services.js';
import { type BatchWorker, type Publisher, startBatchWorker, startPublisher } from '../../src/compose/worker.js';
import { publishLog, publishTargets } from '../../src/store/schema.js';
import { uniqueTenant, waitFor } from '../support/harness.js';
import { closeServices, publishServices, silentLog } from '../support/publish.js';
import { HttpReceiver } from '../support/receivers/http-receiver.js';
import { webhookContract } from '../support/receivers/webhook.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const payload = readFileSync(
  new URL('../fixtures/providers/prometheus/alertmanager-batch.json', import.meta.url),
  'utf8',
);

let services: Services;
let gateway: Gateway;
let publisher: Publisher;
let worker: BatchWorker;
let receiver: HttpReceiver;
let ingestKey: string;
let adminKey: string;
const tenant = uniqueTenant('e2e-publish');
const target = `e2e-${Math.random().toString(36).slice(2, 10)}`;

beforeAll(async () => {
  services = publishServices();
  const keys = new ApiKeyStore(services.database.db, 0);
  ingestKey = (await keys.create({ tenant, name: 'ingest' })).key;
  adminKey = (await keys.create({ tenant: uniqueTenant('admin'), name: 'admin', isAdmin: true })).key;
  receiver = await new HttpReceiver(webhookContract(SECRET)).start();
  gateway = await buildGateway(services, silentLog);
  publisher = await startPublisher(services, silentLog);
  worker = await startBatchWorker(services, silentLog, { outputs: [publisher.output], ownershipIntervalMs: 300 });
});
afterAll(async () => {
  await worker.stop();
  await publisher.stop();
  await gateway.stop();
  await receiver.close();
  await services.database.db.delete(publishTargets).where(eq(publishTargets.name, target));
  await services.database.db.delete(publishLog).where(arrayOverlaps(publishLog.tenants, [tenant]));
  await closeServices(services);
});

describe('end to end: gateway → batch worker → publish queue → webhook', () => {
  it('delivers a posted alert, signed, to the webhook target routed to its tenant', async () => {
    const created = await gateway.app.inject({
      method: 'POST',
      url: '/api/v1/targets',
      headers: { 'x-api-key': adminKey },
      payload: {
        name: target,
        type: 'webhook',
        routes: [{ tenants: [tenant], minSeverity: 'warning' }],
        settings: { url: `${receiver.url}/hooks/alertgate`, secret: SECRET },
      },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json().settings.secret).toBe('***');
    await publisher.pipeline.catalog.refresh();

    const posted = await gateway.app.inject({
      method: 'POST',
      url: '/alerts/event/prometheus',
      headers: { 'x-api-key': ingestKey, 'content-type': 'application/json' },
      payload,
    });
    expect(posted.statusCode).toBe(202);

    // The two alerts may hash to different shards, hence two batches and two messages.
    type Message = { tenant: string; alerts: { name: string; status: string; tenant: string }[] };
    const deliveredAlerts = () => receiver.accepted.flatMap((request) => (request.json as Message).alerts);
    await waitFor(() => deliveredAlerts().length >= 2, 20_000);
    // The receiver verified the Standard Webhooks signature (an invalid one would have been rejected).
    expect(receiver.received.length).toBe(receiver.accepted.length);
    const delivered = deliveredAlerts();
    expect(delivered.map((alert) => [alert.name, alert.status]).sort()).toEqual([
      ['TargetDown', 'firing'],
      ['TargetDown', 'resolved'],
    ]);
    expect(delivered.every((alert) => alert.tenant === tenant)).toBe(true);

    const log = await waitFor(async () => {
      const response = await gateway.app.inject({
        method: 'GET',
        url: `/api/v1/admin/publish/log?target=${target}`,
        headers: { 'x-api-key': adminKey },
      });
      const entries = response.json().entries as {
        tenants: string[];
        succeeded: number;
        results: { target: string; ok: boolean }[];
      }[];
      return entries.length === receiver.accepted.length ? entries : undefined;
    });
    for (const entry of log)
      expect(entry).toMatchObject({ tenants: [tenant], succeeded: 1, results: [{ target, ok: true, attempts: 1 }] });
  });
});
