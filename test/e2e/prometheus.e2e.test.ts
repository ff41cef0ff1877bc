/**
 * Real Prometheus and Alertmanager against a gateway and a worker: one always-firing rule reaches
 * Alertgate three ways — Prometheus posting to /api/v2/alerts (Bearer key), to /api/v1/alerts
 * (basic_auth key), and through Alertmanager's webhook to /alerts/event/prometheus — each under its
 * own tenant. All three store the alert once, with Alertmanager's fingerprint, and count re-sends.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelSetFingerprint } from '../../src/providers/prometheus-postable.js';
import { openTestStack, type TestStack, uniqueTenant, waitFor } from '../support/harness.js';
import { type Daemon, startAlertmanager, startPrometheus } from '../support/prometheus-processes.js';

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
  daemons.push(
    await startPrometheus(join(dir, 'prometheus'), {
      rule: RULE,
      externalLabels: EXTERNAL_LABELS,
      alertmanagers: [
        { url: base, apiVersion: 'v2', auth: { bearer: v2Key } },
        { url: base, apiVersion: 'v1', auth: { basicPassword: v1Key } },
        { url: alertmanager.url, apiVersion: 'v2' },
      ],
    }),
  );
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

describe('Prometheus → Alertgate, directly and through Alertmanager', () => {
  it('stores the alert once per path, with the same fingerprint, and counts the re-sends', async () => {
    // Two re-sends counted on every path proves they kept arriving and were recognised as such.
    const settled = await waitFor(
      async () => {
        const rows = await arrivals();
        return rows.length === 3 && rows.every((row) => row.duplicates >= 2) ? rows : undefined;
      },
      45_000,
      500,
    ).catch(async (error: Error) => {
      const logs = daemons.map((daemon) => `${daemon.url}:\n${daemon.logTail()}`).join('\n');
      throw new Error(`${error.message}; stored so far: ${JSON.stringify(await arrivals())}\n${logs}`);
    });

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
  }, 60_000);
});
