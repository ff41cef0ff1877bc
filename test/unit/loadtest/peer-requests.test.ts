import { describe, expect, it } from 'vitest';
import type { RequestStream } from '../../../loadtest/generator/generator.js';
import { alertmanagerApiRequests, webhookRequests } from '../../../loadtest/lib/peer-requests.js';

interface PostedAlert {
  labels: Record<string, string>;
  fingerprint?: string;
  endsAt?: string;
}

const options = { alertsPerRequest: 10, tenants: 4, keysPerTenant: 2 };
/** More requests than one lap of the pool (10,000 alerts), so replayed laps are included. */
const REQUESTS = 2500;

function take(stream: RequestStream, count: number) {
  return Array.from({ length: count }, () => stream.next());
}

describe('peer requests', () => {
  it('never repeat an alert across laps of the pool, in either format', () => {
    const webhooks = take(webhookRequests(options), REQUESTS);
    const alerts = webhooks.flatMap((request) => (JSON.parse(request.body) as { alerts: PostedAlert[] }).alerts);
    expect(alerts).toHaveLength(REQUESTS * 10);
    expect(new Set(alerts.map((alert) => alert.fingerprint)).size).toBe(alerts.length);
    expect(new Set(alerts.map((alert) => alert.labels.instance)).size).toBe(alerts.length);
    expect(webhooks.every((request) => request.path === '/alerts/event/prometheus' && request.alerts === 10)).toBe(
      true,
    );
    expect(webhooks.every((request) => request.tenant < 4 && request.key < 2)).toBe(true);
  });

  it("carry the same alerts to Alertmanager's API as Prometheus would post them", () => {
    const webhooks = take(webhookRequests(options), REQUESTS);
    const posted = take(alertmanagerApiRequests(options), REQUESTS);
    for (const [i, request] of posted.entries()) {
      const list = JSON.parse(request.body) as PostedAlert[];
      const webhook = (JSON.parse(webhooks[i]?.body ?? '') as { alerts: PostedAlert[] }).alerts;
      expect(request.path).toBe('/api/v2/alerts');
      expect(list.map((alert) => alert.labels)).toEqual(webhook.map((alert) => alert.labels));
      // Firing alerts go without endsAt (not the webhook's zero time) and without a fingerprint.
      expect(list.every((alert) => alert.endsAt === undefined && alert.fingerprint === undefined)).toBe(true);
    }
  });
});
