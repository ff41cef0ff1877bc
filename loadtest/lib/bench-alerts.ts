import type { Alert } from '../../src/alert/alert.js';
import { alertId } from '../../src/alert/identity.js';

const severities = ['info', 'warning', 'high', 'critical'] as const;

/** ~1 KB alerts of `tenant` over a fingerprint population sized so `duplicateRatio` of them repeat content. */
export function makeBenchAlerts(tenant: string, count: number, duplicateRatio: number): Alert[] {
  const distinct = Math.max(1, Math.round(count * (1 - duplicateRatio)));
  const now = new Date().toISOString();
  return Array.from({ length: count }, (_, i) => {
    const n = i % distinct;
    return {
      id: alertId(tenant, 'bench', i, now),
      eventId: null,
      name: `HighLatency-${n % 500}`,
      status: 'firing',
      severity: severities[n % severities.length] as Alert['severity'],
      fingerprint: `fp-${n}`,
      lastReceived: now,
      description: `p99 latency above threshold on service ${n % 50} in region eu-west-${n % 3}: ${'x'.repeat(400)}`,
      message: null,
      source: ['prometheus'],
      service: `svc-${n % 50}`,
      environment: 'production',
      url: `https://grafana.example.com/d/abc?var-instance=host-${n}`,
      labels: { alertname: `HighLatency-${n % 500}`, instance: `host-${n}:9100`, job: 'node', team: `team-${n % 7}` },
      extra: { annotations: { runbook: 'https://runbooks.example.com/latency' }, value: String(n) },
      tenant,
      providerType: 'prometheus',
      providerId: null,
      receivedAt: now,
    };
  });
}

/** `count` per second over `ms` milliseconds, rounded and grouped for a table. */
export function ratePerSecond(count: number, ms: number): string {
  return Math.round((count * 1000) / ms).toLocaleString('en-US');
}
