/**
 * Real Prometheus and Alertmanager against a gateway and a worker: one always-firing rule reaches
 * Alertgate three ways — Prometheus posting to /api/v2/alerts (Bearer key), to /api/v1/alerts
 * (basic_auth key), and through Alertmanager's webhook to /alerts/event/prometheus — each under its
 * own tenant. All three store the alert once, with Alertmanager's fingerprint, count re-sends, and
 * store the resolution under that fingerprint when the rule stops firing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelSetFingerprint } from '../../src/providers/prometheus-postable.js';
import { openTestStack, type TestStack, uniqueTenant, waitFor } from '../support/harness.js';
import {
  type Daemon,
  type PrometheusDaemon,
  startAlertmanager,
  startPrometheus,
} from '../support/prometheus-processes.js';

const RULE = {
  alert: `AlertgateE2E${Date.now()}`,
  labels: { severity: 'critical', team: 'bases de données' },
  annotations: { summary: 'always firing', runbook: 'https://runbooks.example/e2e' },
};
const EXTERNAL_LABELS = { cluster: 'e2e' };
/** The labels Prometheus sends: the rule's, its name, and the external labels. */
const SENT_LABELS = { alertname: RULE.alert, ...RULE.labels, ...EXTERNAL_LABELS };

const tenants = { v2: uniqueTenant('prom-v2'), v1: uniqueTenant('prom-v1'), webhook: uniqueTenant('prom-am') };
let stack: TestStack;
let dir: string;
const daemons: Daemon[] = [];
let alertmanager: Daemon;
let prometheus: PrometheusDaemon;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'alertgate-prometheus-e2e-'));
  stack = openTestStack();
  const gateway = await stack.gateway();
  await gateway.app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(gateway.app.server.address() as AddressInfo).port}`;
  await stack.worker();
  const [v2Key, v1Key, webhookKey] = [
    await stack.createKey(tenants.v2),
    await stack.createKey(tenants.v1, { providers: ['prometheus'] }),
    await stack.createKey(tenants.webhook),
  ];
  alertmanager = await startAlertmanager(join(dir, 'alertmanager'), {
    url: `${base}/alerts/event/prometheus`,
    bearer: webhookKey,
  });
  daemons.push(alertmanager);
  prometheus = await startPrometheus(join(dir, 'prometheus'), {
    rule: RULE,
    externalLabels: EXTERNAL_LABELS,
    alertmanagers: [
      { url: base, apiVersion: 'v2', auth: { bearer: v2Key } },
      { url: base, apiVersion: 'v1', auth: { basicPassword: v1Key } },
      { url: alertmanager.url, apiVersion: 'v2' },
    ],
  });
  daemons.push(prometheus);
});

afterAll(async () => {
  for (const daemon of daemons) await daemon.stop();
  await stack?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Arrival {
  tenant: string;
  fingerprint: string;
  duplicates: number;
  stored: number;
  status: string;
  group: { receiver?: string } | null;
}

async function arrivals(): Promise<Arrival[]> {
  return stack.services.database.sql<Arrival[]>`
    select l.tenant, l.fingerprint, l.duplicate_count::int as duplicates, l.status,
      (select count(*)::int from alerts a where a.tenant = l.tenant and a.fingerprint = l.fingerprint) as stored,
      (select a.extra -> 'group' from alerts a where a.tenant = l.tenant and a.fingerprint = l.fingerprint limit 1) as group
    from last_alert l
    where l.tenant in ${stack.services.database.sql(Object.values(tenants))}
    order by l.tenant`;
}

/** Waits until every path's arrival satisfies `done`; on time-out the error shows what arrived and the daemons' logs. */
async function arrivalsWhen(done: (row: Arrival) => boolean, timeoutMs: number): Promise<Arrival[]> {
  return waitFor(
    async () => {
      const rows = await arrivals();
      return rows.length === 3 && rows.every(done) ? rows : undefined;
    },
    timeoutMs,
    500,
  ).catch(async (error: Error) => {
    const logs = daemons.map((daemon) => `${daemon.url}:\n${daemon.logTail()}`).join('\n');
    throw new Error(`${error.message}; arrived so far: ${JSON.stringify(await arrivals())}\n${logs}`);
  });
}

describe('Prometheus → Alertgate, directly and through Alertmanager', () => {
  it('stores the alert once per path, with the same fingerprint, and counts the re-sends', async () => {
    // Two re-sends counted on every path proves they kept arriving and were recognised as such.
    const settled = await arrivalsWhen((row) => row.duplicates >= 2, 40_000);

    const byTenant = new Map(settled.map((row) => [row.tenant, row]));
    const expected = labelSetFingerprint(SENT_LABELS);
    for (const tenant of Object.values(tenants)) {
      expect(byTenant.get(tenant)).toMatchObject({ fingerprint: expected, stored: 1, status: 'firing' });
    }
    // The webhook path is Alertmanager's notification (its group attached); the direct paths are not.
    expect(byTenant.get(tenants.webhook)?.group).toMatchObject({ receiver: 'alertgate' });
    expect([byTenant.get(tenants.v2)?.group, byTenant.get(tenants.v1)?.group]).toEqual([null, null]);

    // The fingerprint is Alertmanager's own for this alert, as its API reports it.
    const held = (await (await fetch(`${alertmanager.url}/api/v2/alerts`)).json()) as {
      fingerprint: string;
      labels: Record<string, string>;
    }[];
    expect(held.map((alert) => [alert.fingerprint, alert.labels])).toEqual([[expected, SENT_LABELS]]);
  }, 45_000);

  it('resolves the alert on every path once the rule stops firing (endsAt in the past)', async () => {
    prometheus.stopFiring();
    const resolved = await arrivalsWhen((row) => row.status === 'resolved', 20_000);
    // The same fingerprint carries the resolution: one firing row, one resolved row per path.
    for (const row of resolved) {
      expect(row).toMatchObject({ fingerprint: labelSetFingerprint(SENT_LABELS), stored: 2 });
    }
  }, 25_000);
});
